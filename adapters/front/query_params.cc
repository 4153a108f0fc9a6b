#include "adapters/front/query_params.h"

#include <charconv>
#include <string>

namespace sb::adapters {

bool parse_seq(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

PageError parse_page_params(const http::HttpRequest& req, std::uint64_t& cursor,
                            std::uint64_t& limit) {
  auto number = [](const std::string& s, std::uint64_t& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  std::string raw;
  if (req.query_param("cursor", raw) && !raw.empty() && !number(raw, cursor)) {
    return PageError::kCursor;
  }
  // An empty value is no value (`?cursor=&limit=`, as forms and the
  // contract's route templates write them): the default applies.
  if (req.query_param("limit", raw) && !raw.empty() &&
      (!number(raw, limit) || limit == 0 || limit > 500)) {
    return PageError::kLimit;
  }
  return PageError::kNone;
}

}  // namespace sb::adapters

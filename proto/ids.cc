#include "proto/ids.h"

namespace sb::proto {

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string make_id(std::string_view prefix, std::uint64_t seq) {
  std::string id(prefix);
  id.push_back('-');
  id += std::to_string(seq);
  return id;
}

}  // namespace sb::proto

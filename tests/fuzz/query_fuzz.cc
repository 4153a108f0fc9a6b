// Fuzzes the query-string parsers: HttpRequest::query_param and percent_decode
// (adapters/http/message.*) and the numeric parameters on top of them
// (adapters/front/query_params.*): the stream's ?since= / Last-Event-ID and
// the listing routes' ?cursor=&limit=. The input is the raw query string.
//
// Invariants beyond "no crash, no leak, no UB":
// - parse_seq accepts exactly 1..20 ASCII digits whose value fits 64 bits,
//   and the value printed back is those digits without leading zeros;
// - an accepted page has 1 <= limit <= 500, and a cursor that was either
//   left at its default or given as such digits;
// - percent-decoding never grows a string, and leaves one without '%' or
//   '+' unchanged; every found parameter's value is no longer than the query.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/front/query_params.h"
#include "adapters/http/message.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The reference for parse_seq, written differently: digit by digit.
bool reference_seq(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

void check_seq(std::string_view raw) {
  std::uint64_t got = 0, want = 0;
  const bool ok = sb::adapters::parse_seq(raw, got);
  FUZZ_CHECK(ok == reference_seq(raw, want));
  if (ok) FUZZ_CHECK(got == want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  sb::http::HttpRequest req;
  req.query = std::string(in);

  for (bool plus : {false, true}) {
    const auto decoded = sb::http::percent_decode(in, plus);
    FUZZ_CHECK(decoded.size() <= in.size());
    if (in.find_first_of("%+") == std::string_view::npos) FUZZ_CHECK(decoded == in);
  }

  std::string raw;
  for (const char* name : {"since", "cursor", "limit", "status", "queue", "operator", "contact",
                           "access_token", "rotate_token"}) {
    if (req.query_param(name, raw)) FUZZ_CHECK(raw.size() <= in.size());
  }
  if (req.query_param("since", raw)) check_seq(raw);
  check_seq(in);  // as a Last-Event-ID header value

  std::uint64_t cursor = 0, limit = 50;
  if (sb::adapters::parse_page_params(req, cursor, limit) == sb::adapters::PageError::kNone) {
    FUZZ_CHECK(limit >= 1 && limit <= 500);
    std::string c;
    if (req.query_param("cursor", c) && !c.empty()) {
      std::uint64_t want = 0;
      // from_chars has no length cap: up to any number of leading zeros.
      std::string_view digits = c;
      while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
      FUZZ_CHECK(reference_seq(digits, want) && want == cursor);
    } else {
      FUZZ_CHECK(cursor == 0);
    }
  }
  return 0;
}

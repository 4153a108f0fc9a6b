// RFC 3339 UTC rendering and parsing of millisecond timestamps.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/model.h"

namespace sb::proto {

// 2026-11-23T04:27:43.123Z
std::string format_rfc3339(TimeMs ms);
// The same text in a buffer of its own: no allocation, for JSON writers on
// the ingest path (a std::string of 24 characters is past the inline buffer).
struct Rfc3339Text {
  char text[24];
  std::string_view view() const { return {text, sizeof text}; }
};
Rfc3339Text rfc3339_text(TimeMs ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" (and +00:00); nullopt otherwise.
std::optional<TimeMs> parse_rfc3339(std::string_view s);

}  // namespace sb::proto

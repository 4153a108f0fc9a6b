// A pre-check of config files for inputs that Debian 12's toml++ (3.3.0)
// mishandles: where its parser asserts, or with assertions compiled out
// reaches undefined behaviour, instead of reporting a parse error. Found by
// tests/fuzz/config_fuzz.cc; reported upstream (marzer/tomlplusplus issues
// 190, 294, 295, fixed after 3.3.0). Refused here with a clear error:
// - a table header whose key does not start like a key ("[&", "[[[", "[");
// - a non-ASCII character anywhere but in a comment line: toml++'s whitespace
//   test reaches an unreachable branch for most of U+00A1..U+0499 wherever it
//   meets one outside a well-formed string, and even inside a multi-line
//   string after a line-ending backslash.
// So config files are ASCII except for comment lines; every value of this
// schema (names, keys, URLs, paths) is expected to be ASCII anyway.
#pragma once

#include <string_view>

namespace sb::daemon {

// Throws std::runtime_error naming the line.
void check_toml_pitfalls(std::string_view text, std::string_view path);

}  // namespace sb::daemon

#include "adapters/daemon/toml_guard.h"

#include <stdexcept>
#include <string>

namespace sb::daemon {

namespace {

bool key_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '"' || c == '\'' || c == ']';
}

[[noreturn]] void refuse(std::string_view path, std::size_t line, std::string_view what) {
  throw std::runtime_error(std::string(path) + ": " + std::string(what) + " at line " +
                           std::to_string(line));
}

}  // namespace

void check_toml_pitfalls(std::string_view text, std::string_view path) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++line) {
    auto end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    const auto l = text.substr(i, end - i);
    i = end + 1;
    auto p = l.find_first_not_of(" \t");
    if (p == std::string_view::npos || l[p] == '#') continue;  // blank or a comment line
    for (char c : l) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        refuse(path, line, "non-ASCII character outside a comment line");
      }
    }
    if (l[p] != '[') continue;
    ++p;
    if (p < l.size() && l[p] == '[') ++p;
    while (p < l.size() && (l[p] == ' ' || l[p] == '\t')) ++p;
    if (p >= l.size() || !key_start(l[p])) refuse(path, line, "malformed table header");
  }
}

}  // namespace sb::daemon

// json_peek: reads the first string (or null) value of a key from a JSON
// response, enough for end-to-end assertions without a DOM. Returns "" for
// null or a missing key.
#pragma once

#include <string>

namespace sb::test {

inline std::string json_peek(const std::string& body, const std::string& key,
                             std::size_t from = 0) {
  const std::string needle = "\"" + key + "\":";
  auto pos = body.find(needle, from);
  if (pos == std::string::npos) return {};
  pos += needle.size();
  if (pos >= body.size() || body[pos] != '"') return {};
  std::string out;
  for (++pos; pos < body.size() && body[pos] != '"'; ++pos) {
    if (body[pos] == '\\' && pos + 1 < body.size()) ++pos;
    out.push_back(body[pos]);
  }
  return out;
}

}  // namespace sb::test

#include "proto/json_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace sb::proto {
namespace {

TEST(JsonWriter, NestedStructure) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", 1).key("b").begin_array().value("x").value(true).null().end_array();
  w.key("c").begin_object().end_object().field("d", std::uint64_t{18446744073709551615u});
  w.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",true,null],"c":{},"d":18446744073709551615})");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\r\t\b\f\x01\x1f", 12));
  EXPECT_EQ(out, R"("a\"b\\c\n\r\t\b\f\u0001\u001f")");
}

TEST(JsonWriter, KeepsUtf8AsIs) {
  std::string out;
  append_json_string(out, "Олена ✓");
  EXPECT_EQ(out, "\"Олена ✓\"");
}

// The encoder checks 8 bytes at a time: every byte value, at every offset in
// and around a word, with plain text before and after, must come out as the
// byte-by-byte definition says.
std::string escape_one_by_one(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\b')
      out += "\\b";
    else if (c == '\f')
      out += "\\f";
    else if (c < 0x20)
      out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xF];
    else
      out.push_back(ch);
  }
  return out + "\"";
}

TEST(JsonWriter, WordAtATimeScanMatchesByteByByte) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t at = 0; at < 20; ++at) {
      for (std::size_t len : {at + 1, at + 8, std::size_t{24}, std::size_t{31}}) {
        std::string s(std::max(len, at + 1), 'x');
        s[at] = static_cast<char>(byte);
        std::string out;
        append_json_string(out, s);
        ASSERT_EQ(out, escape_one_by_one(s))
            << "byte " << byte << " at " << at << " of " << s.size();
      }
    }
  }
  std::string all;
  for (int byte = 255; byte >= 0; --byte) all.push_back(static_cast<char>(byte));
  std::string out = "prefix";
  append_json_string(out, all);
  EXPECT_EQ(out, "prefix" + escape_one_by_one(all));
}

}  // namespace
}  // namespace sb::proto

#include "proto/json_writer.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sb::proto

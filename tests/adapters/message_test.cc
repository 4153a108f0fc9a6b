#include "adapters/http/message.h"

#include <gtest/gtest.h>

namespace sb::http {
namespace {

TEST(HttpMessage, QueryParamsArePercentDecoded) {
  HttpRequest req;
  req.query = "since=42&name=Ivan%20P&q=a+b&empty=";
  std::string v;
  ASSERT_TRUE(req.query_param("since", v));
  EXPECT_EQ(v, "42");
  ASSERT_TRUE(req.query_param("name", v));
  EXPECT_EQ(v, "Ivan P");
  ASSERT_TRUE(req.query_param("q", v));
  EXPECT_EQ(v, "a b");
  ASSERT_TRUE(req.query_param("empty", v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(req.query_param("missing", v));
}

TEST(HttpMessage, BrokenPercentEscapesStayLiteral) {
  EXPECT_EQ(percent_decode("%", false), "%");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("%zz", false), "%zz");
  EXPECT_EQ(percent_decode("%41", false), "A");
}

TEST(HttpMessage, JsonErrorShape) {
  auto r = json_error(401, "bad_signature", "nope \"quoted\"");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"error":{"code":"bad_signature","message":"nope \"quoted\""}})");
}

}  // namespace
}  // namespace sb::http

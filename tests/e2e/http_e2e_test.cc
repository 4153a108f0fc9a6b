// The HTTP layer on a keep-alive connection, against the real daemon:
// answers written one after another on one connection come whole and in
// order (also after one larger than the buffer a connection keeps), HEAD is
// answered without a body, and an HTTP/1.0 client that asks for keep-alive
// is told so.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

class HttpE2E : public ::testing::Test {
 protected:
  void SetUp() override { daemon_.start(); }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(HttpE2E, PipelinedAnswersComeWholeAndInOrder) {
  const std::string raw =
      "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
      "HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  const auto answers = http_pipelined(daemon_.port(), raw, {"GET", "HEAD", "GET"});
  ASSERT_EQ(answers.size(), 3u);

  const auto& metrics = answers[0];
  EXPECT_EQ(metrics.status, 200);
  // Larger than what a connection keeps of its answer buffer (4 KiB), so the
  // next answers are written after it was released.
  EXPECT_GT(metrics.body.size(), 4096u);
  EXPECT_NE(metrics.body.find("switchboard_http_connections"), std::string::npos);
  EXPECT_EQ(metrics.header("connection"), "");

  // No route answers HEAD; whatever the status, the answer has the length
  // of its body and no body, or the third answer would not parse.
  const auto& head = answers[1];
  EXPECT_NE(head.header("content-length"), "");
  EXPECT_NE(head.header("content-length"), "0");
  EXPECT_EQ(head.body, "");

  EXPECT_EQ(answers[2].status, 200);
  EXPECT_EQ(answers[2].body, R"({"status":"ok"})");
  EXPECT_EQ(answers[2].header("connection"), "close");
}

TEST_F(HttpE2E, AnHttp10ClientAskingForKeepAliveKeepsItsConnection) {
  const std::string raw =
      "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      "GET /healthz HTTP/1.0\r\n\r\n";
  const auto answers = http_pipelined(daemon_.port(), raw, {"GET", "GET"});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[0].header("connection"), "keep-alive");
  EXPECT_EQ(answers[0].body, R"({"status":"ok"})");
  EXPECT_EQ(answers[1].status, 200);
  EXPECT_EQ(answers[1].header("connection"), "close");  // 1.0 without keep-alive: the last
}

}  // namespace
}  // namespace sb::test

// The website chat end to end against the real binary, as a widget would use
// it: a visitor is created, writes (a retry absorbed, a bad token refused),
// an operator answers and writes a note, and the visitor's SSE stream shows
// the conversation without the note and resumes with since=; another
// visitor sees nothing of it; answers carry CORS headers.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <vector>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

class WebchatE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    EXPECT_EQ(
        daemon_.put("/v1/channels/site", R"({"type":"webchat","secret":"short"})", daemon_.admin())
            .status,
        400);
    auto r =
        daemon_.put("/v1/channels/site",
                    R"({"type":"webchat","secret":"webchat-secret-0123456789","queue":"support"})",
                    daemon_.admin());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json_peek(r.body, "webchat_path"), "/webchat/demo/site") << r.body;
  }

  // A new visitor's token.
  std::string visitor() {
    auto r = daemon_.post("/webchat/demo/site/visitors", "");
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    return json_peek(r.body, "token");
  }

  HttpResult say(const std::string& token, const std::string& id, const std::string& text) {
    return daemon_.post("/webchat/demo/site/messages",
                        R"({"id":")" + id + R"(","text":")" + text + R"(","name":"Ivan"})",
                        {{"Authorization", "Bearer " + token}});
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(WebchatE2E, VisitorWritesOperatorAnswersVisitorStreamShowsItWithoutNotes) {
  ASSERT_EQ(daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
            200);
  const auto olena =
      online_operator(daemon_, "olena", R"({"queues":["support"],"capacity":{"chat":2}})");
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", olena), 101);

  const auto token = visitor();
  ASSERT_FALSE(token.empty());
  SseClient early;
  EXPECT_EQ(early.connect(daemon_.port(), "/webchat/demo/site/stream?token=" + token), 404)
      << "has not written yet";

  EXPECT_EQ(say(token + "x", "c-1", "hello").status, 401);
  EXPECT_EQ(daemon_.post("/webhooks/demo/site", "{}").status, 401) << "no platform webhook";
  auto first = say(token, "c-1", "Do you ship to Lviv?");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("access-control-allow-origin"), "*");
  EXPECT_EQ(json_peek(first.body, "status"), "stored");
  EXPECT_EQ(json_peek(say(token, "c-1", "Do you ship to Lviv?").body, "status"), "duplicate");
  const auto conv = json_peek(first.body, "conversation");

  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", olena).status, 200);
  ASSERT_EQ(daemon_
                .post("/v1/conversations/" + conv + "/notes",
                      R"({"text":"internal: VIP customer"})", olena)
                .status,
            201);
  ASSERT_EQ(
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"Yes, in 2 days"})", olena)
          .status,
      201);
  EXPECT_FALSE(read_until_type(ws, "message.delivered").empty()) << "delivered once stored";

  SseClient sse;
  ASSERT_EQ(sse.connect(daemon_.port(), "/webchat/demo/site/stream?token=" + token), 200);
  auto hello = sse.read();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(json_peek(hello->data, "type"), "stream.ready");
  auto mine = sse.read();
  ASSERT_TRUE(mine.has_value());
  EXPECT_NE(mine->data.find(R"("from":"visitor","text":"Do you ship to Lviv?")"), std::string::npos)
      << mine->data;
  auto answer = sse.read();
  ASSERT_TRUE(answer.has_value());
  EXPECT_NE(answer->data.find(R"("from":"operator","text":"Yes, in 2 days")"), std::string::npos)
      << answer->data;

  // Live: the resolution reaches the open stream; the note never did.
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/resolve", "{}", olena).status, 200);
  auto resolved = sse.read();
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(json_peek(resolved->data, "type"), "conversation.resolved");
  for (const auto* e : {&*mine, &*answer, &*resolved})
    EXPECT_EQ(e->data.find("VIP"), std::string::npos);

  // Resuming after the visitor's own message gives the rest only.
  SseClient resumed;
  ASSERT_EQ(resumed.connect(daemon_.port(), "/webchat/demo/site/stream?since=" + mine->id,
                            {{"Authorization", "Bearer " + token}}),
            200);
  ASSERT_TRUE(resumed.read().has_value());  // stream.ready
  auto next = resumed.read();
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->data.find("Yes, in 2 days"), std::string::npos) << next->data;

  // Another visitor sees none of it.
  const auto other = visitor();
  ASSERT_EQ(say(other, "c-1", "Hi, a question").status, 200);
  SseClient theirs;
  ASSERT_EQ(theirs.connect(daemon_.port(), "/webchat/demo/site/stream?token=" + other), 200);
  ASSERT_TRUE(theirs.read().has_value());
  auto own = theirs.read();
  ASSERT_TRUE(own.has_value());
  EXPECT_NE(own->data.find("Hi, a question"), std::string::npos) << own->data;
  EXPECT_FALSE(theirs.read(500).has_value()) << "nothing of the first visitor";
}

TEST_F(WebchatE2E, PreflightAndBadRequests) {
  auto pre = http_request(daemon_.port(), "OPTIONS", "/webchat/demo/site/messages", "",
                          {{"Origin", "https://shop.example.com"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "*");
  EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(daemon_.post("/webchat/demo/nope/visitors", "").status, 404);
  EXPECT_EQ(daemon_.post("/webchat/other/site/visitors", "").status, 404);
  ASSERT_EQ(
      daemon_.put("/v1/channels/tg", R"({"type":"telegram","secret":"s"})", daemon_.admin()).status,
      200);
  EXPECT_EQ(daemon_.post("/webchat/demo/tg/visitors", "").status, 404) << "not a webchat channel";
  EXPECT_EQ(daemon_.get("/webchat/demo/site/messages").status, 405);
  const auto token = visitor();
  auto bad = daemon_.post("/webchat/demo/site/messages", R"({"text":"no id"})",
                          {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_peek(bad.body, "code"), "invalid_body");
  EXPECT_EQ(daemon_.get("/v1/conversations", daemon_.admin()).body.find("cv-"), std::string::npos)
      << "nothing stored";
}

TEST_F(WebchatE2E, AVisitorHoldsAtMostFiveStreams) {
  const auto token = visitor();
  ASSERT_EQ(say(token, "c-1", "hello").status, 200);
  std::vector<std::unique_ptr<SseClient>> open;
  for (int i = 0; i < 5; ++i) {
    open.push_back(std::make_unique<SseClient>());
    ASSERT_EQ(open.back()->connect(daemon_.port(), "/webchat/demo/site/stream?token=" + token), 200)
        << i;
    ASSERT_TRUE(open.back()->read().has_value());
  }
  SseClient sixth;
  EXPECT_EQ(sixth.connect(daemon_.port(), "/webchat/demo/site/stream?token=" + token), 429);
  const auto other = visitor();
  ASSERT_EQ(say(other, "c-1", "hi").status, 200);
  SseClient theirs;
  EXPECT_EQ(theirs.connect(daemon_.port(), "/webchat/demo/site/stream?token=" + other), 200)
      << "the cap is per visitor";
}

TEST(WebchatLimitsE2E, VisitorsHaveTheirOwnBudgetApartFromWebhooks) {
  TempDir dir;
  const auto path = dir.path() + "/sb.toml";
  std::ofstream(path) << "[limits]\nwebchat_messages_per_second = 1\nwebchat_burst = 2\n";
  DaemonProcess daemon(dir.path(), {"--config", path});
  daemon.start();
  ASSERT_EQ(daemon
                .put("/v1/channels/site",
                     R"({"type":"webchat","secret":"webchat-secret-0123456789"})", daemon.admin())
                .status,
            200);
  ASSERT_EQ(daemon
                .put("/v1/channels/tg", R"({"type":"telegram","secret":"tg-secret-0123"})",
                     daemon.admin())
                .status,
            200);
  const auto token = json_peek(daemon.post("/webchat/demo/site/visitors", "").body, "token");
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = daemon.post("/webchat/demo/site/messages",
                         R"({"id":"m)" + std::to_string(i) + R"(","text":"spam"})",
                         {{"Authorization", "Bearer " + token}});
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.header("retry-after").empty());
      EXPECT_EQ(r.header("access-control-expose-headers"), "Retry-After");
    }
  }
  EXPECT_GE(limited, 5) << "10 messages against a burst of 2 at 1/s";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(daemon
                  .post("/webhooks/demo/tg", telegram_text_update(100 + i, 411122334, "hi"),
                        {{"X-Telegram-Bot-Api-Secret-Token", "tg-secret-0123"}})
                  .status,
              200)
        << "the platforms' webhooks keep their own budget";
  }
}

}  // namespace
}  // namespace sb::test

// Replies and notes end to end: an inbound Telegram message is offered,
// accepted, answered, and the answer reaches a fake Telegram Bot API exactly
// once, also across its failures and a daemon restart; notes never leave.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "reply-secret-0123456789";

class ReplyE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/tg",
                       R"({"type":"telegram","secret":")" + std::string(kSecret) +
                           R"(","queue":"support","outbound":{"base_url":")" + fake_.base_url() +
                           R"(","token":"123:ABC"}})",
                       daemon_.admin())
                  .status,
              200);
    ASSERT_EQ(
        daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
        200);
    olena_ = add("olena");
    taras_ = add("taras");
    ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", auth(olena_)).status, 200);
  }

  std::string add(const std::string& id) {
    auto r = daemon_.put("/v1/operators/" + id, R"({"queues":["support"],"capacity":{"chat":2}})",
                         daemon_.admin());
    EXPECT_EQ(r.status, 200);
    return json_peek(r.body, "token");
  }
  static Headers auth(const std::string& t) { return {{"Authorization", "Bearer " + t}}; }

  // A customer writes; Olena gets and accepts the conversation.
  std::string accepted_conversation(std::int64_t update_id, std::int64_t user) {
    auto r =
        daemon_.post("/webhooks/demo/tg", telegram_text_update(update_id, user, "where is it?"),
                     {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
    EXPECT_EQ(r.status, 200);
    const auto conv = json_peek(r.body, "conversation");
    EXPECT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", auth(olena_)).status,
              200);
    return conv;
  }

  static std::string until(WsClient& ws, const std::string& type) {
    for (int i = 0; i < 50; ++i) {
      auto f = ws.read();
      if (!f) return {};
      if (json_peek(*f, "type") == type) return *f;
    }
    return {};
  }

  FakePlatform fake_;
  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
  std::string olena_, taras_;
};

TEST_F(ReplyE2E, ReplyReachesTelegramExactlyOnceAndOnlyFromTheOwner) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth(olena_)), 101);
  const auto conv = accepted_conversation(1, 411122334);

  EXPECT_EQ(
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"hi"})", auth(taras_))
          .status,
      409);
  EXPECT_EQ(
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"hi"})", daemon_.admin())
          .status,
      409);
  auto sent = daemon_.post("/v1/conversations/" + conv + "/messages",
                           R"({"text":"Your parcel ships today \"A-17\"\nThanks!"})", auth(olena_));
  ASSERT_EQ(sent.status, 201) << sent.body;
  EXPECT_EQ(json_peek(sent.body, "direction"), "out");

  ASSERT_FALSE(until(ws, "message.delivered").empty());
  ASSERT_EQ(fake_.count("/bot123:ABC/sendMessage"), 1u);
  const auto req = fake_.requests().front();
  EXPECT_EQ(req.method, "POST");
  EXPECT_NE(req.body.find("\"chat_id\":411122334"), std::string::npos) << req.body;
  EXPECT_NE(req.body.find(R"(Your parcel ships today \"A-17\"\nThanks!)"), std::string::npos)
      << req.body;

  // The conversation now has its first response time and both messages.
  auto view = daemon_.get("/v1/conversations/" + conv, auth(olena_));
  ASSERT_EQ(view.status, 200);
  EXPECT_FALSE(json_peek(view.body, "first_response_at").empty());
  EXPECT_NE(view.body.find(R"("direction":"in")"), std::string::npos);
  EXPECT_NE(view.body.find(R"("direction":"out")"), std::string::npos);

  // A restart does not send it again.
  daemon_.kill9();
  daemon_.start();
  ASSERT_EQ(
      daemon_
          .post("/v1/conversations/" + conv + "/notes", R"({"text":"after restart"})", auth(olena_))
          .status,
      201);
  EXPECT_EQ(fake_.count("/sendMessage"), 1u);
}

TEST_F(ReplyE2E, NotesStayInsideAndMentionsReachTheMentioned) {
  WsClient taras_stream;
  ASSERT_EQ(taras_stream.connect(daemon_.port(), "/v1/stream", auth(taras_)), 101);
  const auto conv = accepted_conversation(2, 77);
  auto note = daemon_.post("/v1/conversations/" + conv + "/notes",
                           R"({"text":"@taras can you check the refund? @nobody"})", auth(olena_));
  ASSERT_EQ(note.status, 201) << note.body;
  EXPECT_EQ(json_peek(note.body, "direction"), "note");
  auto mention = until(taras_stream, "note.mention");
  ASSERT_FALSE(mention.empty());
  EXPECT_NE(mention.find("can you check the refund"), std::string::npos);
  EXPECT_EQ(fake_.requests().size(), 0u) << "a note never reaches the customer's channel";

  // The contact's timeline has the message, the assignment and the note, oldest first.
  const auto contact =
      json_peek(daemon_.get("/v1/conversations/" + conv, daemon_.admin()).body, "id",
                daemon_.get("/v1/conversations/" + conv, daemon_.admin()).body.find("\"contact\""));
  ASSERT_FALSE(contact.empty());
  auto tl = daemon_.get("/v1/contacts/" + contact + "/timeline?limit=500", daemon_.admin());
  ASSERT_EQ(tl.status, 200) << tl.body;
  const auto first_msg = tl.body.find("message.created");
  const auto assigned = tl.body.find("conversation.assigned");
  const auto note_pos = tl.body.find("can you check the refund");
  ASSERT_NE(first_msg, std::string::npos);
  ASSERT_NE(assigned, std::string::npos);
  ASSERT_NE(note_pos, std::string::npos);
  EXPECT_LT(first_msg, assigned);
  EXPECT_LT(assigned, note_pos);
  // Paginated with a cursor.
  auto page = daemon_.get("/v1/contacts/" + contact + "/timeline?limit=2", daemon_.admin());
  const auto cursor = json_peek(page.body, "next_cursor");
  ASSERT_FALSE(cursor.empty());
  auto next = daemon_.get("/v1/contacts/" + contact + "/timeline?limit=2&cursor=" + cursor,
                          daemon_.admin());
  EXPECT_EQ(
      daemon_.get("/v1/contacts/" + contact + "/timeline?cursor=&limit=", daemon_.admin()).status,
      200)
      << "empty parameters are absent ones";
  EXPECT_EQ(next.status, 200);
  EXPECT_NE(next.body, page.body);
}

TEST_F(ReplyE2E, PlatformFailuresAreRetriedIntoExactlyOneDelivery) {
  fake_.script(
      {CannedResponse(500,
                      R"({"ok":false,"error_code":500,"description":"Internal Server Error"})"),
       CannedResponse(
           429,
           R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})")});
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth(olena_)), 101);
  const auto conv = accepted_conversation(3, 55);
  ASSERT_EQ(
      daemon_
          .post("/v1/conversations/" + conv + "/messages", R"({"text":"retry me"})", auth(olena_))
          .status,
      201);
  auto delivered = until(ws, "message.delivered");
  ASSERT_FALSE(delivered.empty());
  EXPECT_NE(delivered.find(R"("attempts":3)"), std::string::npos) << delivered;
  EXPECT_EQ(fake_.count("/sendMessage"), 3u) << "500, 429, then the one delivery";
  auto metrics = daemon_.get("/metrics").body;
  EXPECT_NE(metrics.find("switchboard_outbox_delivered_total 1"), std::string::npos);
  // The three attempts went over one kept-alive connection.
  EXPECT_NE(metrics.find("switchboard_outbound_connections_opened_total 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("switchboard_outbound_connection_reuses_total 2\n"), std::string::npos)
      << metrics;
}

TEST_F(ReplyE2E, AChatThatBlockedTheBotFailsWithoutRetrying) {
  fake_.script({CannedResponse(
      403,
      R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})")});
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth(olena_)), 101);
  const auto conv = accepted_conversation(4, 66);
  ASSERT_EQ(
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"hello?"})", auth(olena_))
          .status,
      201);
  auto failed = until(ws, "message.failed");
  ASSERT_FALSE(failed.empty());
  EXPECT_NE(failed.find("bot was blocked"), std::string::npos);
  EXPECT_EQ(fake_.count("/sendMessage"), 1u);
}

}  // namespace
}  // namespace sb::test

namespace sb::test {
namespace {

TEST_F(ReplyE2E, AChannelsAutoReplyAcknowledgesEachNewConversationOnce) {
  ASSERT_EQ(
      daemon_
          .put("/v1/channels/tg-ack",
               R"({"type":"telegram","secret":")" + std::string(kSecret) +
                   R"(","queue":"support","auto_reply":"Thanks! An operator will answer shortly.",)"
                   R"("outbound":{"base_url":")" +
                   fake_.base_url() + R"(","token":"123:ABC"}})",
               daemon_.admin())
          .status,
      200);
  auto list = daemon_.get("/v1/channels", daemon_.admin());
  EXPECT_NE(list.body.find(R"("auto_reply":"Thanks! An operator will answer shortly.")"),
            std::string::npos);
  const Headers tg{{"X-Telegram-Bot-Api-Secret-Token", kSecret}};
  auto first =
      daemon_.post("/webhooks/demo/tg-ack", telegram_text_update(1, 611122334, "hello"), tg);
  ASSERT_EQ(first.status, 200);
  ASSERT_TRUE(fake_.wait_for_requests(1, std::chrono::seconds(10)));
  EXPECT_NE(fake_.requests().front().body.find("Thanks! An operator will answer shortly."),
            std::string::npos);
  EXPECT_NE(fake_.requests().front().body.find(R"("chat_id":611122334)"), std::string::npos);
  const auto conv = json_peek(first.body, "conversation");
  auto view = daemon_.get("/v1/conversations/" + conv, daemon_.admin());
  EXPECT_NE(view.body.find(R"("first_response_at":null)"), std::string::npos) << view.body;

  // A follow-up in the same conversation gets none; the operator's reply is
  // the next thing to leave.
  ASSERT_EQ(
      daemon_.post("/webhooks/demo/tg-ack", telegram_text_update(2, 611122334, "still there?"), tg)
          .status,
      200);
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", auth(olena_)).status, 200);
  ASSERT_EQ(
      daemon_
          .post("/v1/conversations/" + conv + "/messages", R"({"text":"Yes, here"})", auth(olena_))
          .status,
      201);
  ASSERT_TRUE(fake_.wait_for_requests(2, std::chrono::seconds(10)));
  const auto sent = fake_.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].body.find("Yes, here"), std::string::npos) << sent[1].body;
}

}  // namespace
}  // namespace sb::test

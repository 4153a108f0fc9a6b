// Viber end to end against the real binary: set_webhook's own callback is
// acknowledged, a signed message callback is stored once (its retry absorbed),
// an unsigned one is refused with nothing stored, and a reply leaves through a
// fake Viber API with the auth token and the channel as the sender.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/signing.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kAuthToken = "445da6az1s345z78-dazcczb2542zv51a";

std::string viber_text(std::uint64_t token, const std::string& user, const std::string& text) {
  return R"({"event":"message","timestamp":1763878000123,"chat_hostname":"SN-CHAT-03_","message_token":)" +
         std::to_string(token) + R"(,"sender":{"id":")" + user +
         R"(","name":"Taras Shevchuk","language":"uk","country":"UA","api_version":10},)"
         R"("message":{"text":")" +
         text + R"(","type":"text"},"silent":false})";
}

class ViberE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    auto r = daemon_.put("/v1/channels/shop",
                         std::string(R"({"type":"viber","secret":")") + kAuthToken +
                             R"(","queue":"support","outbound":{"base_url":")" + fake_.base_url() +
                             R"("}})",
                         daemon_.admin());
    ASSERT_EQ(r.status, 200) << r.body;
    fake_.set_default([](const RecordedRequest&) {
      return CannedResponse(
          200, R"({"status":0,"status_message":"ok","message_token":5741311803571721999})");
    });
  }

  HttpResult callback(const std::string& body, const std::string& key = kAuthToken) {
    return daemon_.post("/webhooks/demo/shop", body,
                        {{"X-Viber-Content-Signature", hmac_sha256_hex(key, body)}});
  }

  FakePlatform fake_;
  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(ViberE2E, WebhookCallbackIsAcknowledgedAndMessagesStoredOnce) {
  auto hook = callback(
      R"({"event":"webhook","timestamp":1763877000000,"chat_hostname":"SN-1","message_token":1})");
  ASSERT_EQ(hook.status, 200) << hook.body;
  EXPECT_NE(hook.body.find(R"("ignored":1)"), std::string::npos) << hook.body;

  const auto body = viber_text(5741311803571721087ULL, "01234567890A=", "Is delivery free?");
  EXPECT_EQ(callback(body, "wrong-token").status, 401);
  auto none = daemon_.get("/v1/conversations", daemon_.admin());
  EXPECT_EQ(none.body.find("cv-"), std::string::npos) << none.body;

  auto first = callback(body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json_peek(first.body, "status"), "stored");
  auto retry = callback(body);
  EXPECT_EQ(json_peek(retry.body, "status"), "duplicate");
  auto view =
      daemon_.get("/v1/conversations/" + json_peek(first.body, "conversation"), daemon_.admin());
  EXPECT_NE(view.body.find("Taras Shevchuk"), std::string::npos) << view.body;
}

TEST_F(ViberE2E, ReplyGoesOutWithTheAuthToken) {
  ASSERT_EQ(daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
            200);
  auto op = daemon_.put("/v1/operators/olena", R"({"queues":["support"],"capacity":{"chat":2}})",
                        daemon_.admin());
  const Headers olena{{"Authorization", "Bearer " + json_peek(op.body, "token")}};
  ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", olena).status, 200);
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", olena), 101);

  auto in = callback(viber_text(42, "01234567890A=", "hello"));
  ASSERT_EQ(in.status, 200);
  const auto conv = json_peek(in.body, "conversation");
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", olena).status, 200);
  ASSERT_EQ(
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"Yes, free"})", olena)
          .status,
      201);
  ASSERT_FALSE(read_until_type(ws, "message.delivered").empty());
  ASSERT_EQ(fake_.count("/pa/send_message"), 1u);
  const auto req = fake_.requests().front();
  EXPECT_EQ(req.header("x-viber-auth-token"), kAuthToken);
  EXPECT_NE(req.body.find(R"("receiver":"01234567890A=")"), std::string::npos) << req.body;
  EXPECT_NE(req.body.find(R"("sender":{"name":"shop"})"), std::string::npos) << req.body;
}

}  // namespace
}  // namespace sb::test

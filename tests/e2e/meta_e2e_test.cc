// Meta's channels end to end against the real binary: the hub.challenge
// handshake, signed WhatsApp and Messenger webhooks in their real formats
// (batched, with echoes and statuses), retries absorbed, bad signatures and
// wrong objects refused with nothing stored, and a reply that leaves through
// a fake Graph API from the business number the customer wrote to.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/signing.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kAppSecret = "meta-app-secret-7d2e";
constexpr const char* kVerifyToken = "hub-verify-42";

std::string whatsapp_text(const std::string& wamid, const std::string& from,
                          const std::string& text) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":)"
         R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",)"
         R"("phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":")" +
         from + R"("}],"messages":[{"from":")" + from + R"(","id":")" + wamid +
         R"(","timestamp":"1763877800","text":{"body":")" + text +
         R"("},"type":"text"}]},"field":"messages"}]}]})";
}

class MetaE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    for (const auto& [name, type] : {std::pair{"wa", "whatsapp"}, std::pair{"fb", "messenger"}}) {
      auto r = daemon_.put(std::string("/v1/channels/") + name,
                           std::string(R"({"type":")") + type + R"(","secret":")" + kAppSecret +
                               R"(","verify_token":")" + kVerifyToken + R"(","queue":"support",)" +
                               R"("outbound":{"base_url":")" + fake_.base_url() +
                               R"(","token":"EAAG-sys"}})",
                           daemon_.admin());
      ASSERT_EQ(r.status, 200) << r.body;
    }
    // The fake answers like the Graph API's WhatsApp send.
    fake_.set_default([](const RecordedRequest&) {
      return CannedResponse(200,
                            R"({"messaging_product":"whatsapp","contacts":[{"input":"16505551234",)"
                            R"("wa_id":"16505551234"}],"messages":[{"id":"wamid.OUT1"}]})");
    });
  }

  HttpResult signed_post(const std::string& channel, const std::string& body,
                         const std::string& secret = kAppSecret) {
    return daemon_.post("/webhooks/demo/" + channel, body,
                        {{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(secret, body)}});
  }

  std::size_t conversations() {
    auto r = daemon_.get("/v1/conversations", daemon_.admin());
    EXPECT_EQ(r.status, 200);
    std::size_t n = 0;
    for (auto p = r.body.find("\"id\":\"cv-"); p != std::string::npos;
         p = r.body.find("\"id\":\"cv-", p + 1))
      ++n;
    return n;
  }

  FakePlatform fake_;
  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(MetaE2E, HandshakeEchoesTheChallengeOnlyForTheVerifyToken) {
  auto ok = daemon_.get(
      std::string(
          "/webhooks/demo/wa?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=") +
      kVerifyToken);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "1158201444");
  auto wrong = daemon_.get(
      "/webhooks/demo/fb?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(json_peek(wrong.body, "code"), "forbidden");
}

TEST_F(MetaE2E, SignedWhatsAppMessageIsStoredOnceAndBadOnesLeaveNothing) {
  const auto body = whatsapp_text("wamid.HBgLMTY1MDAx", "16505551234", "Does it come in green?");
  EXPECT_EQ(signed_post("wa", body, "not-the-app-secret").status, 401);
  auto unsigned_post = daemon_.post("/webhooks/demo/wa", body);
  EXPECT_EQ(unsigned_post.status, 401);
  EXPECT_EQ(json_peek(unsigned_post.body, "code"), "bad_signature");
  EXPECT_EQ(signed_post("fb", body).status, 400) << "a WhatsApp body on a Messenger channel";
  EXPECT_EQ(conversations(), 0u);

  auto first = signed_post("wa", body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json_peek(first.body, "status"), "stored");
  const auto conv = json_peek(first.body, "conversation");
  auto retry = signed_post("wa", body);
  ASSERT_EQ(retry.status, 200);
  EXPECT_EQ(json_peek(retry.body, "status"), "duplicate");
  EXPECT_EQ(conversations(), 1u);

  auto view = daemon_.get("/v1/conversations/" + conv, daemon_.admin());
  ASSERT_EQ(view.status, 200);
  EXPECT_NE(view.body.find("Does it come in green?"), std::string::npos) << view.body;
  EXPECT_NE(view.body.find("Sheena Nelson"), std::string::npos) << view.body;

  // Delivery and read receipts never open a conversation.
  const std::string statuses =
      R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":)"
      R"({"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"statuses":[)"
      R"({"id":"wamid.OUT1","status":"read","timestamp":"1763877901","recipient_id":"16505551234"}]}}]}]})";
  auto receipt = signed_post("wa", statuses);
  ASSERT_EQ(receipt.status, 200);
  EXPECT_NE(receipt.body.find(R"("accepted":0)"), std::string::npos) << receipt.body;
  EXPECT_EQ(conversations(), 1u);
}

TEST_F(MetaE2E, MessengerBatchThreadsEachPersonAndSkipsEchoes) {
  const std::string batch =
      R"({"object":"page","entry":[{"id":"1045","time":1763877610000,"messaging":[)"
      R"({"sender":{"id":"1045"},"recipient":{"id":"6843"},"timestamp":1763877609000,"message":{"mid":"m_echo","is_echo":true,"text":"hi"}},)"
      R"({"sender":{"id":"6843"},"recipient":{"id":"1045"},"timestamp":1763877610000,"message":{"mid":"m_1","text":"first"}},)"
      R"({"sender":{"id":"6843"},"recipient":{"id":"1045"},"timestamp":1763877610500,"message":{"mid":"m_2","text":"second"}},)"
      R"({"sender":{"id":"7701"},"recipient":{"id":"1045"},"timestamp":1763877611000,"postback":{"title":"Talk to support","payload":"S","mid":"m_3"}}]}]})";
  auto r = signed_post("fb", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":3)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("ignored":1)"), std::string::npos) << r.body;
  EXPECT_EQ(conversations(), 2u) << "one per person, both of 6843's messages in one";
  auto again = signed_post("fb", batch);
  EXPECT_NE(again.body.find(R"("duplicates":3)"), std::string::npos) << again.body;
  EXPECT_EQ(conversations(), 2u);
}

TEST_F(MetaE2E, AChannelWithAnAccountIdTakesOnlyItsOwnNumber) {
  ASSERT_EQ(daemon_
                .put("/v1/channels/wa-one",
                     std::string(R"({"type":"whatsapp","secret":")") + kAppSecret +
                         R"(","queue":"support","account_id":"106540352242922"})",
                     daemon_.admin())
                .status,
            200);
  auto listed = daemon_.get("/v1/channels", daemon_.admin());
  EXPECT_NE(listed.body.find(R"("account_id":"106540352242922")"), std::string::npos)
      << listed.body;
  auto mine = signed_post("wa-one", whatsapp_text("wamid.MINE", "16505551234", "mine"));
  EXPECT_NE(mine.body.find(R"("accepted":1)"), std::string::npos) << mine.body;
  std::string other = whatsapp_text("wamid.OTHER", "16505559999", "not mine");
  other.replace(other.find("106540352242922"), 15, "222222222222222");
  auto theirs = signed_post("wa-one", other);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_NE(theirs.body.find(R"("accepted":0,"duplicates":0,"ignored":1)"), std::string::npos)
      << theirs.body;
  EXPECT_EQ(conversations(), 1u);
}

TEST_F(MetaE2E, ReplyLeavesFromTheBusinessNumberTheCustomerWroteTo) {
  ASSERT_EQ(daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
            200);
  auto op = daemon_.put("/v1/operators/olena", R"({"queues":["support"],"capacity":{"chat":2}})",
                        daemon_.admin());
  ASSERT_EQ(op.status, 200);
  const Headers olena{{"Authorization", "Bearer " + json_peek(op.body, "token")}};
  ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", olena).status, 200);
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", olena), 101);

  auto in = signed_post("wa", whatsapp_text("wamid.IN1", "16505551234", "where is it?"));
  ASSERT_EQ(in.status, 200) << in.body;
  const auto conv = json_peek(in.body, "conversation");
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", olena).status, 200);
  auto sent =
      daemon_.post("/v1/conversations/" + conv + "/messages", R"({"text":"Ships today"})", olena);
  ASSERT_EQ(sent.status, 201) << sent.body;

  ASSERT_FALSE(read_until_type(ws, "message.delivered").empty());
  ASSERT_EQ(fake_.count("/v19.0/106540352242922/messages"), 1u);
  const auto req = fake_.requests().front();
  EXPECT_EQ(req.header("authorization"), "Bearer EAAG-sys");
  EXPECT_NE(req.body.find(R"("to":"16505551234")"), std::string::npos) << req.body;
  EXPECT_NE(req.body.find(R"("body":"Ships today")"), std::string::npos) << req.body;
}

}  // namespace
}  // namespace sb::test

// Email end to end against the real binary, with Mailgun's own payloads
// (tests/fixtures/email) and a fake Mailgun Messages API: a signed inbound
// mail is stored once (its retry absorbed), an unsigned one is refused with
// nothing stored, an auto-reply opens nothing, an operator's reply leaves as
// a threaded mail, and the customer's answer (multipart, with a photo) lands
// in the same conversation. A captured signature cannot carry another mail. A channel without its
// support address is refused by the API and stops start-up from the config file.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <stdexcept>

#include "adapters/crypto.h"
#include "adapters/email/form_data.h"
#include "tests/adapters/fixtures.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSigningKey = "mailgun-signing-key-for-tests";  // the fixtures' key
constexpr const char* kApiKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
const Headers kForm{{"Content-Type", "application/x-www-form-urlencoded"}};

// Where a form field's value lies in a body (urlencoded or multipart).
std::pair<std::size_t, std::size_t> locate(const std::string& body, const std::string& name) {
  const std::string part = "name=\"" + name + "\"\r\n\r\n";
  if (auto at = body.find(part); at != std::string::npos) {
    const auto begin = at + part.size();
    return {begin, body.find("\r\n", begin)};
  }
  auto at = body.rfind(name + "=", 0) == 0 ? 0 : body.find("&" + name + "=");
  if (at == std::string::npos) throw std::runtime_error("fixture without " + name);
  const auto begin = body.find('=', at) + 1;
  const auto end = body.find('&', begin);
  return {begin, end == std::string::npos ? body.size() : end};
}

// A Mailgun fixture as Mailgun would post it now: its timestamp is set to the
// current time and signed again (the daemon refuses signatures over 9 hours
// old, and the fixtures were made in 2024).
std::string posted_now(std::string body) {
  const auto now = std::to_string(std::time(nullptr));
  auto [tb, te] = locate(body, "timestamp");
  body.replace(tb, te - tb, now);
  const auto [kb, ke] = locate(body, "token");
  const auto token = body.substr(kb, ke - kb);
  auto [sb, se] = locate(body, "signature");
  body.replace(sb, se - sb, adapters::hmac_sha256_hex(kSigningKey, now + token));
  return body;
}

class EmailE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    auto r = daemon_.put("/v1/channels/mail",
                         std::string(R"({"type":"email","secret":")") + kSigningKey +
                             R"(","account_id":"support@mg.example.com","queue":"support",)"
                             R"("outbound":{"base_url":")" +
                             fake_.base_url() + R"(","token":")" + kApiKey + R"("}})",
                         daemon_.admin());
    ASSERT_EQ(r.status, 200) << r.body;
    fake_.set_default([](const RecordedRequest&) {
      return CannedResponse(
          200, R"({"id":"<20241126133502.1.9A3F@mg.example.com>","message":"Queued. Thank you."})");
    });
  }

  HttpResult conversations() { return daemon_.get("/v1/conversations", daemon_.admin()); }

  FakePlatform fake_;
  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(EmailE2E, SignedMailIsStoredOnceUnsignedRefusedAutoRepliesIgnored) {
  const auto mail = posted_now(fixture("email/first_mail.form"));
  auto forged = mail;
  forged.replace(forged.find("&signature=") + 11, 4, "0000");
  EXPECT_EQ(daemon_.post("/webhooks/demo/mail", forged, kForm).status, 401);
  EXPECT_EQ(daemon_.post("/webhooks/demo/mail", fixture("email/first_mail.form"), kForm).status,
            401)
      << "signed in 2024: expired";
  auto not_a_form = daemon_.post("/webhooks/demo/mail", mail, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(not_a_form.status, 400) << "malformed, not merely unsigned";
  EXPECT_EQ(json_peek(not_a_form.body, "code"), "malformed_body") << not_a_form.body;
  EXPECT_EQ(conversations().body.find("cv-"), std::string::npos) << "nothing stored";

  auto first = daemon_.post("/webhooks/demo/mail", mail, kForm);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json_peek(first.body, "status"), "stored");
  auto retry = daemon_.post("/webhooks/demo/mail", mail, kForm);
  ASSERT_EQ(retry.status, 200);
  EXPECT_EQ(json_peek(retry.body, "status"), "duplicate");
  auto view =
      daemon_.get("/v1/conversations/" + json_peek(first.body, "conversation"), daemon_.admin());
  EXPECT_NE(view.body.find("Olena Kovalenko"), std::string::npos) << view.body;
  EXPECT_NE(view.body.find("Subject: Order 58213 has not arrived"), std::string::npos) << view.body;
  EXPECT_EQ(view.body.find("+380 44 123 4567"), std::string::npos)
      << "the signature block is stripped";

  auto ooo =
      daemon_.post("/webhooks/demo/mail", posted_now(fixture("email/auto_reply.form")), kForm);
  ASSERT_EQ(ooo.status, 200) << ooo.body;
  EXPECT_NE(ooo.body.find(R"("ignored":1)"), std::string::npos) << ooo.body;
  auto list = conversations();
  EXPECT_EQ(list.body.find("cv-"), list.body.rfind("cv-")) << "one conversation: " << list.body;
}

// Mailgun signs timestamp + token, not the mail: a captured POST's signature
// fields with another mail in the form pass the HMAC. Once the genuine mail
// is stored, its token is bound to it, on every email channel of the tenant,
// also across a restart (and a kill -9); the genuine retry still passes as a
// duplicate.
TEST_F(EmailE2E, ACapturedSignatureCannotCarryAnotherMail) {
  const auto mail = posted_now(fixture("email/first_mail.form"));
  auto forged = mail;
  const std::string id = "Message-Id=%3CCAJ8x4%3DYk3vQ2%40mail.gmail.com%3E";
  forged.replace(forged.find(id), id.size(), "Message-Id=%3Cforged-1%40evil.example%3E");
  const std::string text = "stripped-text=Hello";
  forged.replace(forged.find(text), text.size(), "stripped-text=Refund+to+IBAN+UA00+1234");

  auto first = daemon_.post("/webhooks/demo/mail", mail, kForm);
  ASSERT_EQ(first.status, 200) << first.body;
  auto replayed = daemon_.post("/webhooks/demo/mail", forged, kForm);
  EXPECT_EQ(replayed.status, 401) << replayed.body;
  EXPECT_EQ(json_peek(replayed.body, "code"), "bad_signature") << replayed.body;
  auto retry = daemon_.post("/webhooks/demo/mail", mail, kForm);
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(json_peek(retry.body, "status"), "duplicate");
  // Another channel signed by the same Mailgun account: the token is used up there too.
  ASSERT_EQ(daemon_
                .put("/v1/channels/mail2",
                     std::string(R"({"type":"email","secret":")") + kSigningKey +
                         R"(","account_id":"support@mg.example.com"})",
                     daemon_.admin())
                .status,
            200);
  EXPECT_EQ(daemon_.post("/webhooks/demo/mail2", forged, kForm).status, 401);

  const auto ooo = posted_now(fixture("email/auto_reply.form"));
  ASSERT_EQ(daemon_.post("/webhooks/demo/mail", ooo, kForm).status, 200);
  auto ooo_retry = daemon_.post("/webhooks/demo/mail", ooo, kForm);
  EXPECT_EQ(ooo_retry.status, 200) << "an ignored mail's retry: " << ooo_retry.body;

  daemon_.kill9();
  daemon_.start();
  EXPECT_EQ(daemon_.post("/webhooks/demo/mail", forged, kForm).status, 401) << "after a restart";
  EXPECT_EQ(json_peek(daemon_.post("/webhooks/demo/mail", mail, kForm).body, "status"),
            "duplicate");
  auto list = conversations();
  EXPECT_EQ(list.body.find("cv-"), list.body.rfind("cv-")) << "one conversation: " << list.body;
  auto view =
      daemon_.get("/v1/conversations/" + json_peek(first.body, "conversation"), daemon_.admin());
  EXPECT_EQ(view.body.find("IBAN"), std::string::npos) << view.body;
}

TEST_F(EmailE2E, ReplyLeavesThreadedAndTheAnswerJoinsTheConversation) {
  ASSERT_EQ(daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
            200);
  const auto olena =
      online_operator(daemon_, "olena", R"({"queues":["support"],"capacity":{"email":2}})");
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", olena), 101);

  auto in =
      daemon_.post("/webhooks/demo/mail", posted_now(fixture("email/first_mail.form")), kForm);
  ASSERT_EQ(in.status, 200) << in.body;
  const auto conv = json_peek(in.body, "conversation");
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", olena).status, 200);
  ASSERT_EQ(daemon_
                .post("/v1/conversations/" + conv + "/messages",
                      R"({"text":"Hello Olena, it ships today & arrives Friday."})", olena)
                .status,
            201);
  ASSERT_FALSE(read_until_type(ws, "message.delivered").empty());
  ASSERT_EQ(fake_.count("/v3/mg.example.com/messages"), 1u);
  const auto sent = fake_.requests().front();
  EXPECT_EQ(sent.header("authorization"),
            "Basic " + adapters::base64(std::string("api:") + kApiKey));
  auto form = adapters::parse_form(sent.header("content-type"), sent.body);
  ASSERT_TRUE(form.is_ok()) << sent.body;
  EXPECT_EQ(form->get("from"), "support@mg.example.com");
  EXPECT_EQ(form->get("to"), "olena.kovalenko@example.com");
  EXPECT_EQ(form->get("subject"), "Re: Order 58213 has not arrived");
  EXPECT_EQ(form->get("text"), "Hello Olena, it ships today & arrives Friday.");
  EXPECT_EQ(form->get("h:In-Reply-To"), "<CAJ8x4=Yk3vQ2@mail.gmail.com>");

  const Headers multipart{{"Content-Type", "multipart/form-data; boundary=" +
                                               fixture("email/reply_with_photo.boundary")}};
  auto answer = daemon_.post("/webhooks/demo/mail",
                             posted_now(fixture("email/reply_with_photo.multipart")), multipart);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json_peek(answer.body, "conversation"), conv)
      << "the same customer, the same conversation";
  auto view = daemon_.get("/v1/conversations/" + conv, daemon_.admin());
  EXPECT_NE(view.body.find("Here is the photo of the label."), std::string::npos) << view.body;
  EXPECT_NE(view.body.find("label.jpg"), std::string::npos) << view.body;
}

TEST_F(EmailE2E, AChannelWithoutItsSupportAddressIsRefused) {
  auto r = daemon_.put("/v1/channels/mail2",
                       std::string(R"({"type":"email","secret":")") + kSigningKey + R"("})",
                       daemon_.admin());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("account_id"), std::string::npos) << r.body;

  TempDir dir;
  const auto path = dir.path() + "/sb.toml";
  std::ofstream(path)
      << "[[tenants]]\nid = \"acme\"\nadmin_keys = [\"acme-admin-key-0123456789\"]\n"
         "  [[tenants.channels]]\n  name = \"mail\"\n  type = \"email\"\n  secret = \"k\"\n";
  const auto run = run_until_exit(path, dir.path());
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.output.find("channel mail: account_id"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace sb::test

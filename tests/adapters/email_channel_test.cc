// The email channel (adapters/email): Mailgun's inbound forward() posts in
// their real shapes (urlencoded, multipart with a file), the signature over
// timestamp + token, and the Messages API request and answers for replies.
#include "adapters/email/email_channel.h"

#include <gtest/gtest.h>

#include <chrono>

#include "adapters/crypto.h"
#include "tests/adapters/fixtures.h"

namespace sb::adapters {
namespace {

using sb::test::fixture;
using Kind = DeliveryResult::Kind;

constexpr const char* kSigningKey = "mailgun-signing-key-for-tests";  // the fixtures' key

proto::ChannelConfig channel() {
  proto::ChannelConfig c;
  c.name = "mail";
  c.type = "email";
  c.secret = kSigningKey;
  c.account_id = "support@mg.example.com";
  c.outbound_token = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
  return c;
}

http::HttpRequest first_mail() {
  http::HttpRequest r;
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  r.body = fixture("email/first_mail.form");
  return r;
}

http::HttpRequest reply_with_photo() {
  http::HttpRequest r;
  r.headers.emplace_back("content-type", "multipart/form-data; boundary=" +
                                             fixture("email/reply_with_photo.boundary"));
  r.body = fixture("email/reply_with_photo.multipart");
  return r;
}

constexpr std::int64_t kFirstMailAt = 1732627330;  // the fixture's timestamp

FormData form_of(const http::HttpRequest& r) {
  auto f = parse_form(r.header("content-type"), r.body);
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  return f.is_ok() ? std::move(f).value() : FormData{};
}

TEST(EmailVerify, SignatureOfTimestampAndTokenUnderTheSigningKey) {
  const auto form = form_of(first_mail());
  EXPECT_TRUE(verify_mailgun_signature(form, kSigningKey, kFirstMailAt).is_ok());
  EXPECT_TRUE(
      verify_mailgun_signature(form_of(reply_with_photo()), kSigningKey, 1732631011).is_ok());
  EXPECT_EQ(verify_mailgun_signature(form, "another-key", kFirstMailAt).code(),
            Code::kUnauthenticated);

  // A token that is not the signed one, a missing field.
  auto forged = form;
  for (auto& f : forged.fields) {
    if (f.name == "token") f.value[0] = f.value[0] == '0' ? '1' : '0';
  }
  EXPECT_EQ(verify_mailgun_signature(forged, kSigningKey, kFirstMailAt).code(),
            Code::kUnauthenticated);
  auto unsigned_form = form;
  std::erase_if(unsigned_form.fields, [](const FormField& f) { return f.name == "signature"; });
  EXPECT_EQ(verify_mailgun_signature(unsigned_form, kSigningKey, kFirstMailAt).code(),
            Code::kUnauthenticated);
}

TEST(EmailVerify, ASignatureExpiresAfterMailgunsRetryWindow) {
  const auto form = form_of(first_mail());
  EXPECT_TRUE(verify_mailgun_signature(form, kSigningKey, kFirstMailAt + 8 * 3600).is_ok())
      << "a late retry";
  EXPECT_EQ(
      verify_mailgun_signature(form, kSigningKey, kFirstMailAt + kMailgunMaxAgeSeconds + 1).code(),
      Code::kUnauthenticated);
  EXPECT_TRUE(verify_mailgun_signature(form, kSigningKey, kFirstMailAt - 60).is_ok())
      << "clock skew";
  EXPECT_EQ(verify_mailgun_signature(form, kSigningKey, kFirstMailAt - 3600).code(),
            Code::kUnauthenticated)
      << "an hour ahead of our clock";
}

TEST(EmailVerify, TheAdapterChecksAgainstTheClock) {
  const auto cfg = channel();
  // The fixture was signed in 2024: long expired.
  EXPECT_EQ(email_channel().verify(first_mail(), cfg).code(), Code::kUnauthenticated);
  const auto now = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  const std::string token = "7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c";
  http::HttpRequest r;
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  r.body = "from=bob%40example.com&body-plain=hi&timestamp=" + now + "&token=" + token +
           "&signature=" + hmac_sha256_hex(kSigningKey, now + token);
  EXPECT_TRUE(email_channel().verify(r, cfg).is_ok());
  auto none = cfg;
  none.secret.clear();
  EXPECT_EQ(email_channel().verify(r, none).code(), Code::kUnauthenticated);
  r.headers[0].second = "application/json";
  EXPECT_EQ(email_channel().verify(r, cfg).code(), Code::kInvalidArgument)
      << "not a form at all: malformed (400), not merely unsigned";
}

TEST(EmailParse, LongMailIsCutWithANote) {
  FormData f;
  f.fields = {{"from", "bob@example.com", "", "", 0},
              {"body-plain", std::string(kMaxMailText + 100, 'x'), "", "", 0},
              {"Message-Id", "<" + std::string(600, 'i') + "@x>", "", "", 0}};
  auto r = parse_mailgun_inbound(f, "");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const auto& e = r->events[0];
  EXPECT_LT(e.text.size(), kMaxMailText + 100);
  EXPECT_NE(e.text.find("[cut: the mail's text is longer than 64 KiB]"), std::string::npos);
  EXPECT_EQ(e.event_id.rfind("sha256:", 0), 0u) << "an overlong Message-Id is hashed";
  EXPECT_EQ(decode_email_reply_to(e.reply_address).message_id, "") << "and not threaded on";
}

TEST(EmailParse, FirstMailOpensWithItsSubject) {
  auto r = email_channel().parse(first_mail(), channel());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 1u);
  const auto& e = r->events[0];
  EXPECT_EQ(e.event_id, "<CAJ8x4=Yk3vQ2@mail.gmail.com>");
  EXPECT_EQ(e.contact_external_id, "olena.kovalenko@example.com");
  EXPECT_EQ(e.contact_name, "Olena Kovalenko");
  // stripped-text: the signature block is left out.
  EXPECT_EQ(
      e.text,
      "Subject: Order 58213 has not arrived\n\nHello,\r\nmy order 58213 was due on Friday and "
      "has not arrived. Could you check where it is?\r\nThanks, Olena");
  EXPECT_EQ(e.platform_ts, 1732627330000);
  const auto to = decode_email_reply_to(e.reply_address);
  EXPECT_EQ(to.to, "olena.kovalenko@example.com");
  EXPECT_EQ(to.message_id, "<CAJ8x4=Yk3vQ2@mail.gmail.com>");
  EXPECT_EQ(to.subject, "Order 58213 has not arrived");
  EXPECT_EQ(r->nonce, "0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728")
      << "the signed token, bound to this mail by the shard";
}

TEST(EmailParse, ReplyWithPhotoIsMultipartWithoutQuotedHistory) {
  auto r = email_channel().parse(reply_with_photo(), channel());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 1u);
  const auto& e = r->events[0];
  EXPECT_EQ(e.event_id, "<CAJ8x4=Zr7wP9@mail.gmail.com>");
  EXPECT_EQ(e.text, "Here is the photo of the label.");  // an answer: no Subject line
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].kind, "photo");
  EXPECT_EQ(e.attachments[0].name, "label.jpg");
  EXPECT_EQ(e.attachments[0].mime, "image/jpeg");
  EXPECT_EQ(e.attachments[0].size, 86);
  EXPECT_EQ(decode_email_reply_to(e.reply_address).subject, "Re: Order 58213 has not arrived");
}

TEST(EmailParse, AutoRepliesOtherMailboxesAndOurOwnMailAreIgnored) {
  http::HttpRequest ooo;
  ooo.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  ooo.body = fixture("email/auto_reply.form");
  auto r = email_channel().parse(ooo, channel());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->ignored, 1u);
  EXPECT_FALSE(r->nonce.empty()) << "an ignored mail's token is used up too";

  auto other = channel();
  other.account_id = "sales@mg.example.com";
  r = email_channel().parse(first_mail(), other);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->events.empty());

  FormData own;
  own.fields = {{"from", "Support <support@mg.example.com>", "", "", 0},
                {"recipient", "support@mg.example.com", "", "", 0},
                {"body-plain", "loop", "", "", 0}};
  r = parse_mailgun_inbound(own, "support@mg.example.com");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->ignored, 1u);
}

TEST(EmailParse, MailWithoutMessageIdIsKeyedByItsContent) {
  FormData f;
  f.fields = {{"from", "bob@example.com", "", "", 0},
              {"recipient", "Support <support@mg.example.com>, other@example.com", "", "", 0},
              {"subject", "Hi", "", "", 0},
              {"body-plain", "text", "", "", 0}};
  auto a = parse_mailgun_inbound(f, "support@mg.example.com");
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_EQ(a->events.size(), 1u);
  EXPECT_EQ(a->events[0].event_id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a->events[0].contact_name, "");
  auto b = parse_mailgun_inbound(f, "support@mg.example.com");
  EXPECT_EQ(a->events[0].event_id, b->events[0].event_id);  // a retry: the same key
  f.fields[3].value = "other text";
  EXPECT_NE(parse_mailgun_inbound(f, "")->events[0].event_id, a->events[0].event_id);
}

TEST(EmailParse, MalformedMailIsRefused) {
  FormData f;
  f.fields = {{"from", "no address here", "", "", 0}, {"body-plain", "x", "", "", 0}};
  EXPECT_EQ(parse_mailgun_inbound(f, "").status().code(), Code::kInvalidArgument);
  f.fields[0].value = "bob@example.com";
  f.fields[1].value = "\xC3\x28";  // not UTF-8
  EXPECT_EQ(parse_mailgun_inbound(f, "").status().code(), Code::kInvalidArgument);
  f.fields[1].value = "   ";  // nothing to read: acknowledged, not a message
  EXPECT_EQ(parse_mailgun_inbound(f, "")->ignored, 1u);
}

TEST(EmailMailbox, NameAddrAndBareAddresses) {
  auto m = parse_mailbox("\"Kovalenko, Olena\" <Olena@Example.COM>");
  EXPECT_EQ(m.name, "Kovalenko, Olena");
  EXPECT_EQ(m.address, "olena@example.com");
  m = parse_mailbox("  bob@example.com ");
  EXPECT_EQ(m.address, "bob@example.com");
  EXPECT_EQ(m.name, "");
  EXPECT_EQ(parse_mailbox("Bob <not an address>").address, "");
  EXPECT_EQ(parse_mailbox("@example.com").address, "");
  EXPECT_EQ(parse_mailbox("bob@").address, "");
}

TEST(EmailReplyTo, RoundTripsAndDropsLineBreaks) {
  const auto s = encode_email_reply_to({"a@b.c", "<id@x>", "Subject\r\nInjected: header"});
  const auto r = decode_email_reply_to(s);
  EXPECT_EQ(r.to, "a@b.c");
  EXPECT_EQ(r.message_id, "<id@x>");
  EXPECT_EQ(r.subject, "Subject  Injected: header");
  EXPECT_EQ(decode_email_reply_to("only@address").to, "only@address");
}

TEST(EmailConfig, NeedsTheSupportAddress) {
  auto cfg = channel();
  EXPECT_TRUE(email_channel().validate(cfg).is_ok());
  cfg.account_id = "";
  EXPECT_EQ(email_channel().validate(cfg).code(), Code::kInvalidArgument);
  cfg.account_id = "Support@MG.example.com";
  EXPECT_EQ(email_channel().validate(cfg).code(), Code::kInvalidArgument);
  cfg.account_id = "support";
  EXPECT_EQ(validate_channel(cfg).code(), Code::kInvalidArgument);
  cfg.type = "fax";
  EXPECT_EQ(validate_channel(cfg).code(), Code::kInvalidArgument);
}

TEST(EmailSend, MessagesApiFormWithBasicAuthAndThreading) {
  auto cfg = channel();
  cfg.outbound_base_url = "http://127.0.0.1:9/";
  const auto address =
      encode_email_reply_to({"olena.kovalenko@example.com", "<CAJ8x4=Yk3vQ2@mail.gmail.com>",
                             "Order 58213 has not arrived"});
  auto req =
      email_channel().build_send(cfg, address, "Hello Olena,\nit ships today & arrives Friday.");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->url, "http://127.0.0.1:9/v3/mg.example.com/messages");
  bool auth = false;
  for (const auto& [k, v] : req->headers) {
    if (k == "Authorization") {
      auth = true;
      EXPECT_EQ(v, "Basic " + base64("api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0"));
    }
  }
  EXPECT_TRUE(auth);
  auto form = parse_form("application/x-www-form-urlencoded", req->body);
  ASSERT_TRUE(form.is_ok());
  EXPECT_EQ(form->get("from"), "support@mg.example.com");
  EXPECT_EQ(form->get("to"), "olena.kovalenko@example.com");
  EXPECT_EQ(form->get("subject"), "Re: Order 58213 has not arrived");
  EXPECT_EQ(form->get("text"), "Hello Olena,\nit ships today & arrives Friday.");
  EXPECT_EQ(form->get("h:In-Reply-To"), "<CAJ8x4=Yk3vQ2@mail.gmail.com>");
  EXPECT_EQ(form->get("h:References"), "<CAJ8x4=Yk3vQ2@mail.gmail.com>");

  // A subject that already answers is not prefixed twice.
  req = email_channel().build_send(cfg, encode_email_reply_to({"a@b.c", "", "RE: x"}), "t");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(parse_form("application/x-www-form-urlencoded", req->body)->get("subject"), "RE: x");
  EXPECT_FALSE(email_channel().build_send(cfg, "", "t").has_value());
}

TEST(EmailSend, WhatMailgunAnswersMean) {
  const auto& ch = email_channel();
  outbound::OutboundResponse ok;
  ok.status = 200;
  ok.body = R"({"id":"<20241126133502.1.9A3F@mg.example.com>","message":"Queued. Thank you."})";
  auto d = ch.interpret_send(ok);
  EXPECT_EQ(d.kind, Kind::kDelivered);
  EXPECT_EQ(d.platform_message_id, "<20241126133502.1.9A3F@mg.example.com>");

  outbound::OutboundResponse limited;
  limited.status = 429;
  limited.headers.emplace_back("retry-after", "7");
  d = ch.interpret_send(limited);
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_EQ(d.retry_after, std::chrono::seconds(7));

  outbound::OutboundResponse down;
  down.status = 503;
  EXPECT_EQ(ch.interpret_send(down).kind, Kind::kRetry);

  outbound::OutboundResponse unauthorized;
  unauthorized.status = 401;
  unauthorized.body = "Forbidden";
  d = ch.interpret_send(unauthorized);
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_NE(d.error.find("Forbidden"), std::string::npos);

  EXPECT_EQ(ch.interpret_send(Status::unavailable("connect refused")).kind, Kind::kRetry);
}

}  // namespace
}  // namespace sb::adapters

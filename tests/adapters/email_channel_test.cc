// The email channel (adapters/email): Mailgun's inbound forward() posts in
// their real shapes (urlencoded, multipart with a file), the signature over
// timestamp + token, and the Messages API request and answers for replies.
#include "adapters/email/email_channel.h"

#include <gtest/gtest.h>

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

TEST(EmailVerify, SignatureOfTimestampAndTokenUnderTheSigningKey) {
  const auto cfg = channel();
  EXPECT_TRUE(email_channel().verify(first_mail(), cfg).is_ok());
  EXPECT_TRUE(email_channel().verify(reply_with_photo(), cfg).is_ok());
  auto other = cfg;
  other.secret = "another-key";
  EXPECT_EQ(email_channel().verify(first_mail(), other).code(), Code::kUnauthenticated);
  other.secret.clear();
  EXPECT_EQ(email_channel().verify(first_mail(), other).code(), Code::kUnauthenticated);

  // A token that is not the signed one, a missing field, a body that is not a form.
  auto r = first_mail();
  const auto at = r.body.find("token=") + 6;
  r.body[at] = r.body[at] == '0' ? '1' : '0';
  EXPECT_EQ(email_channel().verify(r, cfg).code(), Code::kUnauthenticated);
  r = first_mail();
  r.body = r.body.substr(0, r.body.find("&signature="));
  EXPECT_EQ(email_channel().verify(r, cfg).code(), Code::kUnauthenticated);
  r.headers[0].second = "application/json";
  EXPECT_EQ(email_channel().verify(r, cfg).code(), Code::kUnauthenticated);
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

  auto other = channel();
  other.account_id = "sales@mg.example.com";
  r = email_channel().parse(first_mail(), other);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->events.empty());

  FormData own;
  own.fields = {{"from", "Support <support@mg.example.com>", "", ""},
                {"recipient", "support@mg.example.com", "", ""},
                {"body-plain", "loop", "", ""}};
  r = parse_mailgun_inbound(own, "support@mg.example.com");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->ignored, 1u);
}

TEST(EmailParse, MailWithoutMessageIdIsKeyedByItsContent) {
  FormData f;
  f.fields = {{"from", "bob@example.com", "", ""},
              {"recipient", "Support <support@mg.example.com>, other@example.com", "", ""},
              {"subject", "Hi", "", ""},
              {"body-plain", "text", "", ""}};
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
  f.fields = {{"from", "no address here", "", ""}, {"body-plain", "x", "", ""}};
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

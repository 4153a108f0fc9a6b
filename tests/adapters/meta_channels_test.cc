// Meta's channels (adapters/meta): Messenger, Instagram and WhatsApp payloads
// in their real formats, the X-Hub-Signature-256 check, the hub.challenge
// handshake, and what the Graph API's send answers mean.
#include <gtest/gtest.h>

#include "adapters/crypto.h"
#include "adapters/meta/graph_api.h"
#include "adapters/meta/messenger_channel.h"
#include "adapters/meta/whatsapp_channel.h"
#include "tests/adapters/fixtures.h"

namespace sb::adapters {
namespace {

using sb::test::fixture;
using Kind = DeliveryResult::Kind;

proto::ChannelConfig channel(const std::string& type) {
  proto::ChannelConfig c;
  c.name = "meta-1";
  c.type = type;
  c.secret = "app-secret-5f1c";
  c.verify_token = "verify-me-123";
  c.outbound_token = "EAAG-page-token";
  return c;
}

http::HttpRequest signed_post(const std::string& body, const std::string& secret) {
  http::HttpRequest r;
  r.method = "POST";
  r.body = body;
  r.headers.emplace_back("x-hub-signature-256", "sha256=" + hmac_sha256_hex(secret, body));
  return r;
}

TEST(MetaSignature, AcceptsTheAppSecretsHmacOfTheRawBody) {
  const auto body = fixture("messenger/text_message.json");
  const auto cfg = channel("messenger");
  EXPECT_TRUE(messenger_channel().verify(signed_post(body, cfg.secret), cfg).is_ok());
  auto upper = signed_post(body, cfg.secret);  // hex case does not matter
  for (auto& c : upper.headers[0].second)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.headers[0].second.replace(0, 7, "sha256=");
  EXPECT_TRUE(messenger_channel().verify(upper, cfg).is_ok());
}

TEST(MetaSignature, RejectsOtherSecretsTamperedBodiesAndMissingHeaders) {
  const auto body = fixture("whatsapp/text_message.json");
  const auto cfg = channel("whatsapp");
  EXPECT_EQ(whatsapp_channel().verify(signed_post(body, "wrong"), cfg).code(),
            Code::kUnauthenticated);
  auto tampered = signed_post(body, cfg.secret);
  tampered.body[tampered.body.size() / 2] ^= 1;
  EXPECT_EQ(whatsapp_channel().verify(tampered, cfg).code(), Code::kUnauthenticated);
  http::HttpRequest bare;
  bare.body = body;
  EXPECT_EQ(whatsapp_channel().verify(bare, cfg).code(), Code::kUnauthenticated);
  auto sha1 = signed_post(body, cfg.secret);
  sha1.headers[0] = {"x-hub-signature-256", "sha1=" + hmac_sha256_hex(cfg.secret, body)};
  EXPECT_EQ(whatsapp_channel().verify(sha1, cfg).code(), Code::kUnauthenticated);
  auto no_secret = cfg;
  no_secret.secret.clear();
  EXPECT_EQ(whatsapp_channel().verify(signed_post(body, ""), no_secret).code(),
            Code::kUnauthenticated);
}

http::HttpRequest handshake(const std::string& query) {
  http::HttpRequest r;
  r.method = "GET";
  r.query = query;
  return r;
}

TEST(MetaHandshake, EchoesTheChallengeOnlyForTheVerifyToken) {
  const auto cfg = channel("instagram");
  auto ok = instagram_channel().handshake(
      handshake("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me-123"), cfg);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "1158201444");
  EXPECT_EQ(ok->content_type, "text/plain");

  auto wrong = instagram_channel().handshake(
      handshake("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess"), cfg);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(wrong->body.find("1158201444"), std::string::npos);
  auto mode = instagram_channel().handshake(
      handshake("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-me-123"), cfg);
  EXPECT_EQ(mode->status, 403);
  auto script = instagram_channel().handshake(
      handshake("hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=verify-me-123"),
      cfg);
  EXPECT_EQ(script->status, 400) << "nothing but [A-Za-z0-9_-] is reflected";
  auto unset = cfg;
  unset.verify_token.clear();
  EXPECT_EQ(instagram_channel()
                .handshake(handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token="), unset)
                ->status,
            403);
}

TEST(MessengerParse, TextMessage) {
  auto r = parse_meta_messaging(fixture("messenger/text_message.json"), "page");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 1u);
  const auto& e = r->events[0];
  EXPECT_EQ(e.kind, proto::EventKind::kMessage);
  EXPECT_EQ(e.event_id.substr(0, 8), "m_AG5Hz2");
  EXPECT_EQ(e.platform_message_id, e.event_id);
  EXPECT_EQ(e.contact_external_id, "6843297123456789");
  EXPECT_EQ(e.reply_address, "6843297123456789");
  EXPECT_EQ(e.text, "Hi! My order #5531 never arrived");
  EXPECT_EQ(e.platform_ts, 1763877600123);
}

TEST(MessengerParse, ABatchKeepsCustomerEventsInOrderAndIgnoresTheRest) {
  auto r = parse_meta_messaging(fixture("messenger/batch_mixed.json"), "page");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->ignored, 4u) << "echo, delivery, read, reaction";
  EXPECT_EQ(r->events[0].event_id, "m_photo2");
  ASSERT_EQ(r->events[0].attachments.size(), 1u);
  EXPECT_EQ(r->events[0].attachments[0].kind, "photo");
  EXPECT_EQ(r->events[0].attachments[0].file_id,
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg");
  EXPECT_EQ(r->events[1].kind, proto::EventKind::kCallback);
  EXPECT_EQ(r->events[1].text, "Talk to support");
  EXPECT_EQ(r->events[1].contact_external_id, "7701234567890123");
  EXPECT_EQ(r->events[1].event_id, "m_postback3");
  EXPECT_EQ(r->events[2].kind, proto::EventKind::kEdit);
  EXPECT_EQ(r->events[2].text, "Hi! My order #5532 never arrived");
  EXPECT_EQ(r->events[2].platform_message_id.substr(0, 8), "m_AG5Hz2");
  EXPECT_EQ(r->events[2].event_id, r->events[2].platform_message_id + "#edit1");
}

TEST(MessengerParse, TheObjectMustBeTheChannels) {
  EXPECT_TRUE(parse_meta_messaging(fixture("instagram/text_message.json"), "instagram").is_ok());
  auto wrong = parse_meta_messaging(fixture("instagram/text_message.json"), "page");
  EXPECT_EQ(wrong.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(parse_meta_messaging(R"({"object":"page"})", "page").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(parse_meta_messaging(R"({"object":"page","entry":{}})", "page").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(parse_meta_messaging(R"({"object":"page","entry":[]} x)", "page").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(parse_meta_messaging(R"({"object":"page","object":"page","entry":[]})", "page")
                .status()
                .code(),
            Code::kInvalidArgument);
}

// One Meta app's webhook may carry several pages and numbers: a channel
// with an account_id takes only its own.
TEST(MetaParse, AnAccountIdKeepsOnlyThatAccountsEvents) {
  const auto batch =
      fixture("messenger/batch_mixed.json");  // both entries are page 104532198765432
  auto mine = parse_meta_messaging(batch, "page", "104532198765432");
  ASSERT_TRUE(mine.is_ok());
  EXPECT_EQ(mine->events.size(), 3u);
  auto other = parse_meta_messaging(batch, "page", "999");
  ASSERT_TRUE(other.is_ok());
  EXPECT_TRUE(other->events.empty());
  EXPECT_EQ(other->ignored, 7u) << "every item of another page's entries";
  // The entry's id may come after its events.
  const std::string late_id =
      R"({"object":"page","entry":[{"messaging":[{"sender":{"id":"6843"},"recipient":{"id":"1045"},)"
      R"("timestamp":1,"message":{"mid":"m_1","text":"hi"}}],"id":"1045","time":1}]})";
  EXPECT_EQ(parse_meta_messaging(late_id, "page", "1045")->events.size(), 1u);
  EXPECT_TRUE(parse_meta_messaging(late_id, "page", "2090")->events.empty());

  const auto wa = fixture("whatsapp/text_message.json");  // phone_number_id 106540352242922
  EXPECT_EQ(parse_whatsapp_notification(wa, "106540352242922")->events.size(), 1u);
  auto other_number = parse_whatsapp_notification(wa, "555");
  ASSERT_TRUE(other_number.is_ok());
  EXPECT_TRUE(other_number->events.empty());
  EXPECT_EQ(other_number->ignored, 1u);
}

TEST(InstagramParse, TextMessage) {
  auto r = parse_meta_messaging(fixture("instagram/text_message.json"), "instagram");
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].contact_external_id, "1248827682138497");
  EXPECT_EQ(r->events[0].text, "Is the blue one in stock?");
}

TEST(WhatsAppParse, TextMessageWithTheSendersProfileName) {
  auto r = parse_whatsapp_notification(fixture("whatsapp/text_message.json"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 1u);
  const auto& e = r->events[0];
  EXPECT_EQ(e.event_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
  EXPECT_EQ(e.contact_external_id, "16505551234");
  EXPECT_EQ(e.contact_name, "Sheena Nelson");
  EXPECT_EQ(e.reply_address, "106540352242922:16505551234");
  EXPECT_EQ(e.text, "Does it come in another colour?");
  EXPECT_EQ(e.platform_ts, 1763877800LL * 1000);
}

TEST(WhatsAppParse, MediaLocationAndRepliesWhateverTheFieldOrder) {
  auto r = parse_whatsapp_notification(fixture("whatsapp/media_and_replies.json"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string() << r.status().message();
  ASSERT_EQ(r->events.size(), 4u);
  EXPECT_EQ(r->ignored, 2u) << "the reaction and the unsupported message";
  EXPECT_EQ(r->events[0].text, "The box arrived damaged");
  ASSERT_EQ(r->events[0].attachments.size(), 1u);
  EXPECT_EQ(r->events[0].attachments[0].kind, "photo");
  EXPECT_EQ(r->events[0].attachments[0].file_id, "1003383421387256");
  EXPECT_EQ(r->events[0].attachments[0].mime, "image/jpeg");
  EXPECT_EQ(r->events[0].contact_name, "Sheena Nelson") << "contacts came after messages";
  EXPECT_EQ(r->events[0].reply_address, "106540352242922:16505551234") << "so did metadata";
  ASSERT_EQ(r->events[1].attachments.size(), 1u);
  EXPECT_EQ(r->events[1].attachments[0].kind, "voice");
  EXPECT_EQ(r->events[2].text.substr(0, 19), "location: 50.450100");
  EXPECT_EQ(r->events[3].kind, proto::EventKind::kCallback);
  EXPECT_EQ(r->events[3].text, "Request a refund");
}

TEST(WhatsAppParse, StatusesAreIgnoredAndMalformedBodiesRejected) {
  auto r = parse_whatsapp_notification(fixture("whatsapp/statuses.json"));
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->ignored, 2u);
  EXPECT_EQ(parse_whatsapp_notification(fixture("messenger/text_message.json")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(parse_whatsapp_notification("[]").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(
      parse_whatsapp_notification(
          R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":{"x":1}}]}}]}]})")
          .status()
          .code(),
      Code::kInvalidArgument)
      << "a message id that is an object";
}

TEST(MetaSend, MessengerRepliesToThePsidWithThePageTokenAsBearer) {
  auto cfg = channel("messenger");
  cfg.outbound_base_url = "http://127.0.0.1:9/";
  auto req = messenger_channel().build_send(cfg, "6843297123456789", "Ships \"today\"");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->url, "http://127.0.0.1:9/v19.0/me/messages");
  EXPECT_EQ(
      req->body,
      R"({"recipient":{"id":"6843297123456789"},"messaging_type":"RESPONSE","message":{"text":"Ships \"today\""}})");
  bool bearer = false;
  for (const auto& [k, v] : req->headers)
    bearer = bearer || (k == "Authorization" && v == "Bearer EAAG-page-token");
  EXPECT_TRUE(bearer);
  EXPECT_EQ(req->url.find("token"), std::string::npos) << "the token never goes into the URL";
}

TEST(MetaSend, WhatsAppRepliesFromTheNumberTheCustomerWroteTo) {
  auto cfg = channel("whatsapp");
  auto req = whatsapp_channel().build_send(cfg, "106540352242922:16505551234", "Yes, in green");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->url, "https://graph.facebook.com/v19.0/106540352242922/messages");
  EXPECT_EQ(req->body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",)"
            R"("type":"text","text":{"preview_url":false,"body":"Yes, in green"}})");
  EXPECT_FALSE(whatsapp_channel().build_send(cfg, "16505551234", "x")) << "no business number";
  EXPECT_FALSE(whatsapp_channel().build_send(cfg, ":16505551234", "x"));
}

Result<outbound::OutboundResponse> answer(int status, std::string body,
                                          std::string retry_after = {}) {
  outbound::OutboundResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!retry_after.empty()) r.headers.emplace_back("retry-after", retry_after);
  return r;
}

TEST(MetaSend, GraphAnswersMapToDeliveredRetryOrFailed) {
  auto ok =
      meta::interpret_graph_response(answer(200, R"({"recipient_id":"684","message_id":"m_abc"})"));
  EXPECT_EQ(ok.kind, Kind::kDelivered);
  EXPECT_EQ(ok.platform_message_id, "m_abc");
  auto wa = meta::interpret_graph_response(answer(
      200,
      R"({"messaging_product":"whatsapp","contacts":[{"input":"1650","wa_id":"1650"}],"messages":[{"id":"wamid.X"}]})"));
  EXPECT_EQ(wa.kind, Kind::kDelivered);
  EXPECT_EQ(wa.platform_message_id, "wamid.X");
  EXPECT_EQ(meta::interpret_graph_response(answer(200, "<html>proxy</html>")).kind, Kind::kRetry);
  EXPECT_EQ(meta::interpret_graph_response(answer(200, "{}")).kind, Kind::kDelivered)
      << "Meta took it: never sent again, even without an id";
  EXPECT_EQ(
      meta::interpret_graph_response(answer(200, R"({"error":{"message":"x","code":2}})")).kind,
      Kind::kRetry);

  auto limited = meta::interpret_graph_response(answer(
      400,
      R"({"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613}})",
      "7"));
  EXPECT_EQ(limited.kind, Kind::kRetry);
  EXPECT_EQ(limited.retry_after, std::chrono::seconds(7));
  EXPECT_EQ(meta::interpret_graph_response(
                answer(400, R"({"error":{"message":"temp","code":131000,"is_transient":true}})"))
                .kind,
            Kind::kRetry);
  EXPECT_EQ(meta::interpret_graph_response(answer(503, "")).kind, Kind::kRetry);

  auto window = meta::interpret_graph_response(answer(
      400,
      R"({"error":{"message":"Re-engagement message","type":"OAuthException","code":131047,"fbtrace_id":"A1"}})"));
  EXPECT_EQ(window.kind, Kind::kFailed);
  EXPECT_EQ(window.error, "Re-engagement message (code 131047)");
  EXPECT_EQ(
      meta::interpret_graph_response(answer(401, R"({"error":{"message":"expired","code":190}})"))
          .kind,
      Kind::kFailed);
  EXPECT_EQ(meta::interpret_graph_response(Status::unavailable("connect refused")).kind,
            Kind::kRetry);
  EXPECT_EQ(meta::interpret_graph_response(Status::invalid("bad url")).kind, Kind::kFailed);
}

}  // namespace
}  // namespace sb::adapters

// The Viber channel (adapters/viber): callbacks in Viber's real format, the
// X-Viber-Content-Signature check, and what send_message answers mean.
#include "adapters/viber/viber_channel.h"

#include <gtest/gtest.h>

#include "adapters/crypto.h"
#include "tests/adapters/fixtures.h"

namespace sb::adapters {
namespace {

using sb::test::fixture;
using Kind = DeliveryResult::Kind;

proto::ChannelConfig channel() {
  proto::ChannelConfig c;
  c.name = "viber-shop";
  c.type = "viber";
  c.secret = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";
  return c;
}

TEST(ViberVerify, TheBodysHmacUnderTheAuthToken) {
  const auto cfg = channel();
  http::HttpRequest r;
  r.body = fixture("viber/text_message.json");
  r.headers.emplace_back("x-viber-content-signature", hmac_sha256_hex(cfg.secret, r.body));
  EXPECT_TRUE(viber_channel().verify(r, cfg).is_ok());
  r.headers[0].second = hmac_sha256_hex("another-token", r.body);
  EXPECT_EQ(viber_channel().verify(r, cfg).code(), Code::kUnauthenticated);
  r.headers.clear();
  EXPECT_EQ(viber_channel().verify(r, cfg).code(), Code::kUnauthenticated);
  auto none = cfg;
  none.secret.clear();
  r.headers.emplace_back("x-viber-content-signature", hmac_sha256_hex("", r.body));
  EXPECT_EQ(viber_channel().verify(r, none).code(), Code::kUnauthenticated);
}

TEST(ViberParse, TextMessage) {
  auto r = parse_viber_callback(fixture("viber/text_message.json"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->events.size(), 1u);
  const auto& e = r->events[0];
  EXPECT_EQ(e.event_id, "5741311803571721087");
  EXPECT_EQ(e.contact_external_id, "01234567890A=");
  EXPECT_EQ(e.contact_name, "Taras Shevchuk");
  EXPECT_EQ(e.reply_address, "01234567890A=");
  EXPECT_EQ(e.text, "Привіт! Is delivery to Lviv free?");
  EXPECT_EQ(e.platform_ts, 1763878000123);
}

TEST(ViberParse, PictureWithCaptionAndLocation) {
  auto pic = parse_viber_callback(fixture("viber/picture.json"));
  ASSERT_TRUE(pic.is_ok());
  ASSERT_EQ(pic->events.size(), 1u);
  EXPECT_EQ(pic->events[0].text, "Broken on arrival");
  ASSERT_EQ(pic->events[0].attachments.size(), 1u);
  EXPECT_EQ(pic->events[0].attachments[0].kind, "photo");
  EXPECT_EQ(pic->events[0].attachments[0].name, "photo.jpg");
  EXPECT_EQ(pic->events[0].attachments[0].size, 48211);
  auto loc = parse_viber_callback(fixture("viber/location.json"));
  ASSERT_TRUE(loc.is_ok());
  ASSERT_EQ(loc->events.size(), 1u);
  EXPECT_EQ(loc->events[0].text, "location: 49.839683,24.029717");
}

TEST(ViberParse, ServiceCallbacksAreIgnoredAndMalformedOnesRejected) {
  for (const char* f :
       {"viber/webhook.json", "viber/delivered.json", "viber/conversation_started.json"}) {
    auto r = parse_viber_callback(fixture(f));
    ASSERT_TRUE(r.is_ok()) << f;
    EXPECT_TRUE(r->events.empty()) << f;
    EXPECT_EQ(r->ignored, 1u) << f;
  }
  EXPECT_EQ(parse_viber_callback(R"({"timestamp":1})").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(parse_viber_callback(R"({"event":"message","sender":"x"})").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(parse_viber_callback("").status().code(), Code::kInvalidArgument);
}

TEST(ViberSend, SendMessageWithTheAuthTokenAndTheChannelAsSender) {
  auto cfg = channel();
  cfg.outbound_base_url = "http://127.0.0.1:9";
  auto req = viber_channel().build_send(cfg, "01234567890A=", "Yes, free over 500 UAH");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->url, "http://127.0.0.1:9/pa/send_message");
  EXPECT_EQ(req->body,
            R"({"receiver":"01234567890A=","min_api_version":1,"sender":{"name":"viber-shop"},)"
            R"("type":"text","text":"Yes, free over 500 UAH"})");
  bool token = false;
  for (const auto& [k, v] : req->headers)
    token = token || (k == "X-Viber-Auth-Token" && v == cfg.secret);
  EXPECT_TRUE(token) << "without outbound.token, the auth token that signs callbacks";
}

Result<outbound::OutboundResponse> answer(int status, std::string body) {
  outbound::OutboundResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ViberSend, StatusCodesMapToDeliveredRetryOrFailed) {
  const auto& v = viber_channel();
  auto ok = v.interpret_send(answer(
      200,
      R"({"status":0,"status_message":"ok","message_token":5741311803571721087,"chat_hostname":"SN-CHAT-05_"})"));
  EXPECT_EQ(ok.kind, Kind::kDelivered);
  EXPECT_EQ(ok.platform_message_id, "5741311803571721087");
  auto unsubscribed =
      v.interpret_send(answer(200, R"({"status":6,"status_message":"notSubscribed"})"));
  EXPECT_EQ(unsubscribed.kind, Kind::kFailed);
  EXPECT_EQ(unsubscribed.error, "notSubscribed (status 6)");
  EXPECT_EQ(
      v.interpret_send(answer(200, R"({"status":12,"status_message":"tooManyRequests"})")).kind,
      Kind::kRetry);
  EXPECT_EQ(v.interpret_send(answer(200, R"({"status":99,"status_message":"generalError"})")).kind,
            Kind::kRetry);
  EXPECT_EQ(v.interpret_send(answer(200, R"({"status":24,"status_message":"noBalance"})")).kind,
            Kind::kFailed);
  EXPECT_EQ(v.interpret_send(answer(200, "<html>")).kind, Kind::kRetry);
  EXPECT_EQ(v.interpret_send(answer(502, "")).kind, Kind::kRetry);
  EXPECT_EQ(v.interpret_send(answer(404, "")).kind, Kind::kFailed);
  EXPECT_EQ(v.interpret_send(Status::unavailable("reset")).kind, Kind::kRetry);
}

}  // namespace
}  // namespace sb::adapters

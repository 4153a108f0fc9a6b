#include "adapters/api/api_channel.h"

#include <gtest/gtest.h>

#include "adapters/crypto.h"

namespace sb::adapters {
namespace {

TEST(ApiChannel, ParsesTheContractExample) {
  auto e = parse_api_event(
      R"({"channel":"api-1","event_id":"e-1","contact":{"external_id":"c-9","name":"Ivan"},"text":"hi"})");
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ(e->channel, "api-1");
  EXPECT_EQ(e->event_id, "e-1");
  EXPECT_EQ(e->contact_external_id, "c-9");
  EXPECT_EQ(e->contact_name, "Ivan");
  EXPECT_EQ(e->text, "hi");
  EXPECT_EQ(e->reply_address, "c-9");
}

TEST(ApiChannel, NumericIdsAreAccepted) {
  auto e = parse_api_event(R"({"event_id":17,"contact":{"external_id":42},"text":"x"})");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->event_id, "17");
  EXPECT_EQ(e->contact_external_id, "42");
}

TEST(ApiChannel, RejectsMissingOrWrongFields) {
  for (const char* body :
       {R"({"contact":{"external_id":"c"},"text":"x"})", R"({"event_id":"e","text":"x"})",
        R"({"event_id":"e","contact":{"external_id":"c"}})",
        R"({"event_id":["e"],"contact":{"external_id":"c"},"text":"x"})",
        R"({"event_id":"e","contact":"c","text":"x"})", "not json"}) {
    EXPECT_FALSE(parse_api_event(body).is_ok()) << body;
  }
  const std::string huge_id(300, 'a');
  EXPECT_FALSE(parse_api_event(R"({"event_id":")" + huge_id +
                               R"(","contact":{"external_id":"c"},"text":"x"})")
                   .is_ok());
}

TEST(ApiChannel, WebhookSignatureIsHmacOfTheBody) {
  proto::ChannelConfig cfg;
  cfg.secret = "channel-secret";
  http::HttpRequest req;
  req.body = R"({"event_id":"e","contact":{"external_id":"c"},"text":"x"})";
  req.headers = {{"x-switchboard-signature", "sha256=" + hmac_sha256_hex(cfg.secret, req.body)}};
  EXPECT_TRUE(api_channel().verify(req, cfg).is_ok());
  req.body += " ";
  EXPECT_EQ(api_channel().verify(req, cfg).code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace sb::adapters

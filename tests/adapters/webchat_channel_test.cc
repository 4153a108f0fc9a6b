// The website chat channel (adapters/webchat): visitor tokens, visitors'
// messages, and what a visitor may see of the event log.
#include "adapters/webchat/webchat_channel.h"

#include <gtest/gtest.h>

#include "adapters/crypto.h"

namespace sb::adapters {
namespace {

proto::ChannelConfig channel() {
  proto::ChannelConfig c;
  c.name = "site";
  c.type = "webchat";
  c.secret = "webchat-secret-0123456789";
  return c;
}

TEST(WebchatToken, SignedPerTenantChannelAndVisitor) {
  const auto cfg = channel();
  const auto id = new_visitor_id();
  EXPECT_EQ(id.size(), 22u);
  EXPECT_NE(id, new_visitor_id());
  const auto token = visitor_token(cfg, "demo", id);
  auto v = visitor_of_token(cfg, "demo", token);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(*v, id);

  // A site's backend mints tokens for its own users with the documented HMAC.
  const auto backend =
      "user-42." + hmac_sha256_hex(cfg.secret, "switchboard-webchat-visitor\ndemo\nsite\nuser-42");
  auto minted = visitor_of_token(cfg, "demo", backend);
  ASSERT_TRUE(minted.is_ok());
  EXPECT_EQ(*minted, "user-42");

  EXPECT_EQ(visitor_of_token(cfg, "acme", token).status().code(),
            Code::kUnauthenticated);  // another tenant
  auto other = cfg;
  other.name = "site2";
  EXPECT_EQ(visitor_of_token(other, "demo", token).status().code(), Code::kUnauthenticated);
  other = cfg;
  other.secret = "another-secret-0123456789";
  EXPECT_EQ(visitor_of_token(other, "demo", token).status().code(), Code::kUnauthenticated);
  auto tampered = token;
  tampered[0] = tampered[0] == 'x' ? 'y' : 'x';
  EXPECT_EQ(visitor_of_token(cfg, "demo", tampered).status().code(), Code::kUnauthenticated);
  EXPECT_FALSE(visitor_of_token(cfg, "demo", "").is_ok());
  EXPECT_FALSE(visitor_of_token(cfg, "demo", "no-signature").is_ok());
  const auto bad_id =
      "a/b." + hmac_sha256_hex(cfg.secret, "switchboard-webchat-visitor\ndemo\nsite\na/b");
  EXPECT_FALSE(visitor_of_token(cfg, "demo", bad_id).is_ok()) << "ids are names";
}

TEST(WebchatMessage, BodyRulesAndTheDedupKey) {
  auto e = parse_visitor_message(R"({"id":"c-1","text":"Do you ship to Lviv?","name":"Ivan"})",
                                 "v1", 1700000000000);
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ(e->event_id, "v1:c-1");
  EXPECT_EQ(e->contact_external_id, "v1");
  EXPECT_EQ(e->contact_name, "Ivan");
  EXPECT_EQ(e->reply_address, "v1");
  EXPECT_EQ(e->text, "Do you ship to Lviv?");
  EXPECT_EQ(e->platform_ts, 1700000000000);
  for (const char* bad :
       {R"({"text":"no id"})", R"({"id":"a b","text":"x"})", R"({"id":"c-1","text":"  "})",
        R"({"id":"c-1"})", R"({"id":1,"text":"x"})", "not json"}) {
    EXPECT_EQ(parse_visitor_message(bad, "v1", 0).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(
      parse_visitor_message(R"({"id":"c","text":")" + std::string(16385, 'x') + "\"}", "v1", 0)
          .is_ok());
}

std::string frame(const std::string& type, const std::string& channel,
                  const std::string& direction) {
  std::string f = R"({"seq":17,"type":")" + type +
                  R"(","at":"2026-12-02T01:00:00Z","conversation":{"id":"cv-3",)"
                  R"("tenant":"demo","contact":{"id":"ct-2","name":"Ivan"},"channel":")" +
                  channel + R"(","queue":"support","status":"assigned","operator":"olena"})";
  if (!direction.empty()) {
    f += R"(,"message":{"id":"m-9","conversation":"cv-3","direction":")" + direction +
         R"(","author":"olena","text":"On its way","channel":")" + channel +
         R"(","kind":"message","created_at":"2026-12-02T01:00:00Z"})";
  }
  return f + "}";
}

TEST(WebchatView, MessagesAndResolutionsOfThisChannelOnly) {
  auto out = visitor_view(frame("message.created", "site", "out"), "site");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(
      *out,
      R"({"seq":17,"type":"message","conversation":"cv-3","message":{"id":"m-9","from":"operator",)"
      R"("text":"On its way","created_at":"2026-12-02T01:00:00Z"}})");
  out = visitor_view(frame("message.created", "site", "in"), "site");
  ASSERT_TRUE(out.has_value());
  EXPECT_NE(out->find(R"("from":"visitor")"), std::string::npos);
  EXPECT_EQ(out->find("olena"), std::string::npos) << "no operator ids";
  EXPECT_EQ(*visitor_view(frame("conversation.resolved", "site", ""), "site"),
            R"({"seq":17,"type":"conversation.resolved","conversation":"cv-3"})");

  EXPECT_FALSE(visitor_view(frame("message.created", "site", "note"), "site"))
      << "notes are internal";
  EXPECT_FALSE(visitor_view(frame("message.created", "telegram", "out"), "site"))
      << "another channel";
  // A linked contact's message from another channel, in this conversation.
  auto elsewhere = frame("message.created", "site", "in");
  const std::string on_site = R"("channel":"site","kind")";
  elsewhere.replace(elsewhere.find(on_site), on_site.size(), R"("channel":"tg01","kind")");
  EXPECT_FALSE(visitor_view(elsewhere, "site")) << elsewhere;
  ASSERT_TRUE(visitor_view(frame("message.created", "site", "in"), "site"))
      << "unchanged, it shows";
  EXPECT_FALSE(visitor_view(frame("conversation.offered", "site", ""), "site"));
  EXPECT_FALSE(visitor_view(frame("conversation.assigned", "site", ""), "site"));
  EXPECT_FALSE(visitor_view("not json", "site"));
}

TEST(WebchatChannel, NoPlatformWebhookRepliesDeliveredWhenStored) {
  const auto& ch = webchat_channel();
  auto cfg = channel();
  EXPECT_TRUE(ch.validate(cfg).is_ok());
  cfg.secret = "short";
  EXPECT_EQ(validate_channel(cfg).code(), Code::kInvalidArgument);
  http::HttpRequest r;
  r.body = "{}";
  EXPECT_EQ(ch.verify(r, channel()).code(), Code::kUnauthenticated);
  EXPECT_TRUE(ch.delivered_when_stored());
  EXPECT_FALSE(find_channel("telegram")->delivered_when_stored());
}

}  // namespace
}  // namespace sb::adapters

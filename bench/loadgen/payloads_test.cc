// The load generator's payloads are what the daemon takes: for every channel
// kind of the mix, a generated webhook passes that channel's own signature
// check and parser (adapters/) with exactly one customer event. And the mix
// parses, normalizes and spreads customers as asked.
#include "bench/loadgen/payloads.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "adapters/channel.h"
#include "adapters/webchat/webchat_channel.h"

namespace sb::loadgen {
namespace {

TenantTarget tenant() {
  TenantTarget t;
  t.id = "demo";
  for (std::size_t k = 0; k < kChannelKinds; ++k) {
    t.channel[k] = "lg-" + std::string(channel_type(static_cast<ChannelKind>(k)));
    t.secret[k] = random_hex(24);
  }
  return t;
}

TEST(LoadgenMix, ParsesAndNormalizesWeights) {
  ChannelMix mix;
  ASSERT_EQ(parse_channel_mix("telegram=3,viber=1", mix), "");
  EXPECT_DOUBLE_EQ(mix.weight[static_cast<std::size_t>(ChannelKind::kTelegram)], 0.75);
  EXPECT_DOUBLE_EQ(mix.weight[static_cast<std::size_t>(ChannelKind::kViber)], 0.25);
  EXPECT_FALSE(mix.uses(ChannelKind::kApi));
  EXPECT_EQ(describe(mix), "telegram 75%, viber 25%");
  EXPECT_NE(parse_channel_mix("fax=1", mix), "");
  EXPECT_NE(parse_channel_mix("telegram", mix), "");
  EXPECT_NE(parse_channel_mix("telegram=-1", mix), "");
  EXPECT_NE(parse_channel_mix("telegram=0", mix), "");
  EXPECT_NE(parse_channel_mix("telegram=1x", mix), "");
}

TEST(LoadgenMix, CustomersSpreadAsTheWeightsSay) {
  ChannelMix mix;
  ASSERT_EQ(parse_channel_mix("telegram=50,whatsapp=30,api=20", mix), "");
  PayloadFactory f({tenant()}, 600, 1763877600000, mix);
  std::array<int, kChannelKinds> seen{};
  for (int i = 0; i < 10000; ++i) seen[static_cast<std::size_t>(f.customer(i).channel)] += 1;
  EXPECT_NEAR(seen[0], 5000, 300);
  EXPECT_NEAR(seen[1], 3000, 300);
  EXPECT_EQ(seen[2], 0);
  EXPECT_EQ(seen[3], 0);
  EXPECT_NEAR(seen[4], 2000, 300);
}

TEST(LoadgenPayloads, EveryKindPassesTheDaemonsOwnVerifyAndParse) {
  ChannelMix mix;
  ASSERT_EQ(
      parse_channel_mix("telegram=1,whatsapp=1,messenger=1,viber=1,api=1,email=1,webchat=1", mix),
      "");
  const auto t = tenant();
  // The run starts now: Mailgun signatures expire after 9 hours.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  PayloadFactory f({t}, 600, now_ms, mix);
  for (std::size_t k = 0; k < kChannelKinds; ++k) {
    const auto kind = static_cast<ChannelKind>(k);
    SCOPED_TRACE(std::string(channel_type(kind)));
    CustomerIdentity who;
    who.channel = kind;
    who.number = 17;
    auto first = f.message(who, 0);
    auto second = f.message(who, 1);
    EXPECT_NEAR(static_cast<double>(first->body.size()), 600, 40) << first->body;

    proto::ChannelConfig cfg;
    cfg.name = t.channel[k];
    cfg.type = std::string(channel_type(kind));
    cfg.secret = t.secret[k];
    if (kind == ChannelKind::kEmail) cfg.account_id = std::string(kLoadgenMailbox);
    if (kind == ChannelKind::kWebchat) {
      // Not a webhook: the visitor's route, with a token the channel signed.
      EXPECT_EQ(first->target, "/webchat/demo/" + t.channel[k] + "/messages");
      std::string token;
      for (const auto& [name, value] : first->headers) {
        if (name == "Authorization") token = value.substr(7);
      }
      auto visitor = adapters::visitor_of_token(cfg, "demo", token);
      ASSERT_TRUE(visitor.is_ok()) << visitor.status().to_string();
      auto a = adapters::parse_visitor_message(first->body, *visitor, now_ms);
      auto b = adapters::parse_visitor_message(second->body, *visitor, now_ms);
      ASSERT_TRUE(a.is_ok() && b.is_ok()) << first->body;
      EXPECT_NE(a->event_id, b->event_id) << "a new message is not a retry";
      continue;
    }
    EXPECT_EQ(first->target, "/webhooks/demo/" + t.channel[k]);
    const auto* adapter = adapters::find_channel(cfg.type);
    ASSERT_NE(adapter, nullptr);
    http::HttpRequest req;
    req.method = "POST";
    req.body = first->body;
    for (const auto& [name, value] : first->headers) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(lower, value);
    }
    EXPECT_TRUE(adapter->verify(req, cfg).is_ok());
    auto parsed = adapter->parse(req, cfg);
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string() << " " << first->body;
    ASSERT_EQ(parsed->events.size(), 1u);
    EXPECT_FALSE(parsed->events[0].text.empty());

    http::HttpRequest req2 = req;
    req2.body = second->body;
    auto parsed2 = adapter->parse(req2, cfg);
    ASSERT_TRUE(parsed2.is_ok());
    ASSERT_EQ(parsed2->events.size(), 1u);
    EXPECT_NE(parsed2->events[0].event_id, parsed->events[0].event_id)
        << "a new message is not a retry";
    EXPECT_EQ(parsed2->events[0].contact_external_id, parsed->events[0].contact_external_id);
  }
}

}  // namespace
}  // namespace sb::loadgen

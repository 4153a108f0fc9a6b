#include "bench/loadgen/json_peek.h"

#include <gtest/gtest.h>

namespace sb::loadgen {
namespace {

TEST(ParseStreamFrame, AnOfferGivesItsOperatorConversationAndTime) {
  // As the daemon writes it (docs/api.md, "Stream frames").
  auto f = parse_stream_frame(
      R"({"seq":40,"type":"conversation.offered","at":"2026-03-02T10:10:12.345Z","operator":"taras",)"
      R"("queue":"vip","conversation":{"id":"cv-7","status":"offered"}})");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->seq, 40u);
  EXPECT_EQ(f->type, "conversation.offered");
  EXPECT_EQ(f->operator_id, "taras");
  EXPECT_EQ(f->conversation, "cv-7");
  EXPECT_EQ(f->at_ms, 1772446212345);
}

TEST(ParseStreamFrame, WithoutAnAtTheTimeIsUnknown) {
  auto f = parse_stream_frame(R"({"seq":1,"type":"stream.ready"})");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->at_ms, -1);
  auto g = parse_stream_frame(R"({"seq":2,"type":"x","at":"yesterday"})");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->at_ms, -1);
}

TEST(ParseStreamFrame, ANonStringAtIsABadFrame) {
  EXPECT_FALSE(parse_stream_frame(R"({"seq":3,"type":"x","at":17})").has_value());
}

}  // namespace
}  // namespace sb::loadgen

#include "router/dedup.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace sb::router {
namespace {

TEST(Dedup, RemembersWithinTheWindow) {
  DedupWindow d(1000);
  d.insert("tg", "1", 100);
  EXPECT_TRUE(d.contains("tg", "1"));
  EXPECT_FALSE(d.contains("tg", "2"));
  EXPECT_FALSE(d.contains("viber", "1"));  // ids are per channel
  d.expire(1100);
  EXPECT_TRUE(d.contains("tg", "1"));
  d.expire(1101);
  EXPECT_FALSE(d.contains("tg", "1"));
  EXPECT_EQ(d.size(), 0u);
}

TEST(Dedup, ChannelAndIdDoNotRunTogether) {
  DedupWindow d(1000);
  d.insert("ab", "c", 1);
  EXPECT_FALSE(d.contains("a", "bc"));
}

TEST(Dedup, RecoveryOrderIsRestoredBeforeExpiry) {
  DedupWindow d(100);
  d.insert("tg", "late", 500);  // recovery walks keys, not time
  d.insert("tg", "early", 10);
  d.finish_restore();
  d.expire(200);
  EXPECT_FALSE(d.contains("tg", "early"));
  EXPECT_TRUE(d.contains("tg", "late"));
}

TEST(Dedup, RestoredMarksAreIndexedInAgeOrder) {
  DedupWindow d(100);
  d.restore("tg", "late", 500);  // staged in key order
  d.restore("tg", "early", 10);
  d.restore("tg", "mid", 150);
  EXPECT_FALSE(d.contains("tg", "late"));  // not before finish_restore()
  d.finish_restore();
  EXPECT_EQ(d.size(), 3u);
  d.expire(200);  // drops "early" (10 < 100) only
  EXPECT_FALSE(d.contains("tg", "early"));
  EXPECT_TRUE(d.contains("tg", "mid"));
  d.expire(300);  // then "mid": the line is in age order
  EXPECT_FALSE(d.contains("tg", "mid"));
  EXPECT_TRUE(d.contains("tg", "late"));
  d.insert("tg", "new", 400);
  d.expire(601);
  EXPECT_EQ(d.size(), 0u);
}

// The open-addressing index against a plain map, through growth, expiry
// (backward-shift deletion) and a restore in the middle.
TEST(Dedup, AgreesWithAReferenceMapUnderChurn) {
  const proto::TimeMs window = 500;
  DedupWindow d(window);
  std::map<std::string, proto::TimeMs> ref;  // id -> accepted at
  std::mt19937 rng(7);
  proto::TimeMs now = 0;
  for (int step = 0; step < 40000; ++step) {
    now += rng() % 3;
    const std::string id = std::to_string(rng() % 3000);
    d.expire(now);
    std::erase_if(ref, [&](const auto& kv) { return kv.second < now - window; });
    ASSERT_EQ(d.contains("tg", id), ref.count(id) == 1) << "step " << step;
    if (!ref.count(id)) {
      d.insert("tg", id, now);
      ref[id] = now;
    }
    ASSERT_EQ(d.size(), ref.size());
    if (step == 20000) {  // a restart: the same marks, restored in key order
      DedupWindow again(window);
      for (const auto& [k, at] : ref) again.restore("tg", k, at);
      again.finish_restore();
      again.expire(now);
      d = std::move(again);
      ASSERT_EQ(d.size(), ref.size());
    }
  }
}

}  // namespace
}  // namespace sb::router

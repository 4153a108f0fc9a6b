#include "router/dedup.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sb::router

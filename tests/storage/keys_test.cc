#include "storage/keys.h"

#include <gtest/gtest.h>

namespace sb::storage::keys {
namespace {

TEST(Keys, Be64OrdersNumerically) {
  EXPECT_LT(event("t", 9), event("t", 10));
  EXPECT_LT(event("t", 255), event("t", 256));
  EXPECT_LT(event("t", 0xFFFFFFFF), event("t", 0x100000000ULL));
  std::string s;
  append_be64(s, 0x0102030405060708ULL);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(read_be64(s), 0x0102030405060708ULL);
  EXPECT_FALSE(read_be64("short").has_value());
}

TEST(Keys, TenantsDoNotInterleave) {
  // "a" is a prefix of "ab" as a string, never as a key prefix.
  EXPECT_FALSE(event("ab", 1).starts_with(tenant_prefix("a")));
  EXPECT_TRUE(event("a", 1).starts_with(tenant_prefix("a")));
  EXPECT_LT(event("a", ~0ULL), event("ab", 0));
}

TEST(Keys, PlatformIdsMayContainSeparators) {
  const std::string weird("x\0y/..", 6);
  auto k = dedup("t", "tg", weird);
  auto parts = split(k, 3);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->p[0], "t");
  EXPECT_EQ(parts->p[1], "tg");
  EXPECT_EQ(parts->p[2], weird);
}

TEST(Keys, MessagesOfAConversationShareAPrefix) {
  EXPECT_TRUE(message("t", "cv-2", 7).starts_with(message_prefix("t", "cv-2")));
  EXPECT_FALSE(message("t", "cv-20", 7).starts_with(message_prefix("t", "cv-2")));
}

TEST(Keys, SplitNeedsEnoughSeparators) {
  EXPECT_FALSE(split("no-separator", 2).has_value());
  const auto key = identity("t", "tg", "42");  // split() returns views into it
  auto p = split(key, 3);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->p[1], "i");
}

}  // namespace
}  // namespace sb::storage::keys

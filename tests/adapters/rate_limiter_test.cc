#include "adapters/front/rate_limiter.h"

#include <gtest/gtest.h>

namespace sb::adapters {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(RateLimiter, AllowsTheBurstThenTheRate) {
  RateLimiter limit(10, 5);  // 10/s, bursts of 5
  std::int64_t now = 100 * kSecond;
  int passed = 0;
  for (int i = 0; i < 20; ++i) passed += limit.acquire("acme", now) == 0 ? 1 : 0;
  EXPECT_EQ(passed, 5);
  EXPECT_EQ(limit.limited(), 15u);
  const auto wait = limit.acquire("acme", now);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 100);  // one interval is 100 ms
  now += 100'000'000;    // 100 ms later: one more
  EXPECT_EQ(limit.acquire("acme", now), 0);
  EXPECT_GT(limit.acquire("acme", now), 0);
}

TEST(RateLimiter, KeysAreIndependentAndZeroMeansUnlimited) {
  RateLimiter limit(1, 1);
  EXPECT_EQ(limit.acquire("a", kSecond), 0);
  EXPECT_GT(limit.acquire("a", kSecond), 0);
  EXPECT_EQ(limit.acquire("b", kSecond), 0);
  RateLimiter off(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(off.acquire("a", kSecond), 0);
}

}  // namespace
}  // namespace sb::adapters

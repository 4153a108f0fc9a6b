// router::StatsHistogram: inclusive upper bounds, an overflow bucket, the sum;
// and the shard's declared histograms fit and ascend (a bound beyond
// kMaxBounds would be dropped silently, a descending one misfiles values).
#include "router/stats_histogram.h"

#include <gtest/gtest.h>

#include "router/shard.h"

namespace sb::router {
namespace {

TEST(StatsHistogram, FilesValuesByInclusiveUpperBound) {
  StatsHistogram h{10, 20, 50};
  for (std::uint64_t v : {0, 10, 11, 20, 21, 50, 51, 1000}) h.observe(v);
  const auto s = h.snapshot();
  ASSERT_EQ(s.bounds, 3u);
  EXPECT_EQ(s.counts[0], 2u);  // 0, 10
  EXPECT_EQ(s.counts[1], 2u);  // 11, 20
  EXPECT_EQ(s.counts[2], 2u);  // 21, 50
  EXPECT_EQ(s.counts[3], 2u);  // +Inf: 51, 1000
  EXPECT_EQ(s.count(), 8u);
  EXPECT_EQ(s.sum, 0u + 10 + 11 + 20 + 21 + 50 + 51 + 1000);
}

TEST(StatsHistogram, EmptyHasNoCounts) {
  StatsHistogram h{1, 2};
  const auto s = h.snapshot();
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.sum, 0u);
}

void expect_declared_well(const StatsHistogram& h, std::size_t declared) {
  const auto s = h.snapshot();
  EXPECT_EQ(s.bounds, declared) << "bounds beyond kMaxBounds were dropped";
  for (std::size_t i = 1; i < s.bounds; ++i) EXPECT_LT(s.upper_bounds[i - 1], s.upper_bounds[i]);
}

TEST(StatsHistogram, TheShardsHistogramsFitAndAscend) {
  ShardStats stats;
  expect_declared_well(stats.commit_micros, 23);
  expect_declared_well(stats.commit_commands, 13);
  expect_declared_well(stats.queue_wait_micros, 20);
}

}  // namespace
}  // namespace sb::router

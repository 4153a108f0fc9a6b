// sb_loadgen's reading of the daemon's /metrics: the commit figures summed
// over shards, the difference of two scrapes, and quantiles within buckets.
#include "bench/loadgen/daemon_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace sb::loadgen {
namespace {

// Two shards' commit metrics as the daemon renders them (prometheus-cpp's
// text serializer), with other families around them.
std::string scrape(int s0_fast, int s0_slow, int s1_fast) {
  const auto n = [](int v) { return std::to_string(v); };
  return "# HELP switchboard_group_commits_total RocksDB batches written (one fsync each)\n"
         "# TYPE switchboard_group_commits_total counter\n"
         "switchboard_group_commits_total{shard=\"0\"} " +
         n(s0_fast + s0_slow) +
         "\n"
         "switchboard_group_commits_total{shard=\"1\"} " +
         n(s1_fast) +
         "\n"
         "# TYPE switchboard_commit_duration_seconds histogram\n"
         "switchboard_commit_duration_seconds_count{shard=\"0\"} " +
         n(s0_fast + s0_slow) +
         "\n"
         "switchboard_commit_duration_seconds_sum{shard=\"0\"} 0.5\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"0\",le=\"0.001\"} " +
         n(s0_fast) +
         "\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"0\",le=\"0.002\"} " +
         n(s0_fast + s0_slow) +
         "\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"0\",le=\"+Inf\"} " +
         n(s0_fast + s0_slow) +
         "\n"
         "switchboard_commit_duration_seconds_count{shard=\"1\"} " +
         n(s1_fast) +
         "\n"
         "switchboard_commit_duration_seconds_sum{shard=\"1\"} 0.25\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"1\",le=\"0.001\"} " +
         n(s1_fast) +
         "\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"1\",le=\"0.002\"} " +
         n(s1_fast) +
         "\n"
         "switchboard_commit_duration_seconds_bucket{shard=\"1\",le=\"+Inf\"} " +
         n(s1_fast) +
         "\n"
         "switchboard_commit_batch_commands_sum{shard=\"0\"} " +
         n(10 * (s0_fast + s0_slow)) +
         "\n"
         "switchboard_commit_batch_commands_sum{shard=\"1\"} " +
         n(10 * s1_fast) +
         "\n"
         "switchboard_shard_queue_depth{shard=\"0\"} 3\n";
}

TEST(DaemonMetrics, SumsTheShards) {
  const auto m = parse_commit_metrics(scrape(90, 10, 100));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->commits, 200u);
  EXPECT_EQ(m->commands, 2000u);
  EXPECT_DOUBLE_EQ(m->write_seconds, 0.75);
  ASSERT_EQ(m->write_buckets.size(), 3u);
  EXPECT_EQ(m->write_buckets[0].second, 190u);
  EXPECT_EQ(m->write_buckets[1].second, 200u);
  EXPECT_TRUE(std::isinf(m->write_buckets[2].first));
}

TEST(DaemonMetrics, QuantilesInterpolateWithinTheBucket) {
  const auto m = parse_commit_metrics(scrape(90, 10, 100));
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(write_quantile(*m, 0.5), 0.001 * 100 / 190, 1e-12);  // rank 100 of 190 below 1 ms
  EXPECT_NEAR(write_quantile(*m, 0.99), 0.0018, 1e-12);  // rank 198: 8 of the 10 in (1, 2] ms
}

TEST(DaemonMetrics, TheLoadWindowIsTheDifferenceOfTwoScrapes) {
  const auto before = parse_commit_metrics(scrape(90, 10, 100));
  const auto after = parse_commit_metrics(scrape(95, 30, 150));
  ASSERT_TRUE(before && after);
  const auto d = commits_between(*before, *after);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->commits, 75u);
  EXPECT_EQ(d->write_buckets[0].second, 55u);
  EXPECT_EQ(d->write_buckets[1].second, 75u);
  // All 20 new slow ones sit in (1, 2] ms: the p99 is there, not below.
  EXPECT_GT(write_quantile(*d, 0.99), 0.001);
  // A restarted daemon (counts went down) gives no difference.
  EXPECT_FALSE(commits_between(*after, *before).has_value());
}

TEST(DaemonMetrics, WithoutTheHistogramThereIsNothing) {
  EXPECT_FALSE(
      parse_commit_metrics("switchboard_group_commits_total{shard=\"0\"} 5\n").has_value());
  EXPECT_FALSE(parse_commit_metrics("").has_value());
  EXPECT_FALSE(
      parse_commit_metrics("switchboard_commit_duration_seconds_bucket{shard=\"0\",le=\"x\"} 1\n"));
  CommitMetrics empty;
  EXPECT_EQ(write_quantile(empty, 0.5), -1);
}

}  // namespace
}  // namespace sb::loadgen

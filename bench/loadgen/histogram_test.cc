// The load generator's latency histogram against a sorted reference: every
// percentile is the reference value or at most one bucket (1/128) above it,
// merging per-thread histograms equals recording everything in one, and the
// edges (empty, zero, clamped, negative) behave.
#include "bench/loadgen/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sb::loadgen {
namespace {

// The reference percentile: the sample of rank ceil(p/100 * n) in sorted order.
std::int64_t reference(const std::vector<std::int64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_close_to_reference(const LatencyHistogram& h, const std::vector<std::int64_t>& sorted) {
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 100.0}) {
    const auto want = reference(sorted, p);
    const auto got = h.percentile(p);
    EXPECT_GE(got, want) << "p" << p;
    // One bucket: exact below 256 us, then 1/128 of the value.
    const auto slack = want < 256 ? 0 : want / LatencyHistogram::kSubBuckets + 1;
    EXPECT_LE(got, want + slack) << "p" << p;
  }
}

std::vector<std::int64_t> lognormal_samples(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Median about 800 us with a long tail into seconds, like ack latencies.
  std::lognormal_distribution<double> dist(std::log(800.0), 1.2);
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::int64_t>(dist(rng)));
  return out;
}

TEST(LatencyHistogram, BucketsAreContiguousAndNarrow) {
  for (std::size_t b = 0; b + 1 < LatencyHistogram::bucket_count(); ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_high(b) + 1, LatencyHistogram::bucket_low(b + 1)) << b;
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_low(b)), b);
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_high(b)), b);
  }
  EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::bucket_count() - 1),
            LatencyHistogram::kMaxTrackable);
  for (std::int64_t v : {300, 5000, 123456, 9876543}) {
    const auto b = LatencyHistogram::bucket_of(v);
    const auto width = LatencyHistogram::bucket_high(b) - LatencyHistogram::bucket_low(b) + 1;
    EXPECT_LE(width * LatencyHistogram::kSubBuckets, v) << "relative width above 1/128 at " << v;
  }
}

TEST(LatencyHistogram, PercentilesMatchASortedReference) {
  auto samples = lognormal_samples(200000, 7);
  LatencyHistogram h;
  for (auto v : samples) h.record(v);
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  expect_close_to_reference(h, samples);
  double sum = 0;
  for (auto v : samples) sum += static_cast<double>(v);
  EXPECT_NEAR(h.mean(), sum / static_cast<double>(samples.size()), 1e-6 * h.mean());
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  std::vector<std::int64_t> samples;
  for (std::int64_t v = 0; v < 200; ++v) samples.push_back(v);
  LatencyHistogram h;
  for (auto v : samples) h.record(v);
  for (double p : {1.0, 33.0, 50.0, 99.0}) EXPECT_EQ(h.percentile(p), reference(samples, p)) << p;
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  auto samples = lognormal_samples(100000, 11);
  LatencyHistogram whole, parts[4];
  for (std::size_t i = 0; i < samples.size(); ++i) {
    whole.record(samples[i]);
    parts[i % 4].record(samples[i]);
  }
  LatencyHistogram merged;
  for (const auto& p : parts) merged.merge(p);
  EXPECT_EQ(merged.count(), whole.count());
  EXPECT_EQ(merged.min(), whole.min());
  EXPECT_EQ(merged.max(), whole.max());
  EXPECT_DOUBLE_EQ(merged.mean(), whole.mean());
  for (double p = 0; p <= 100.0; p += 0.5)
    EXPECT_EQ(merged.percentile(p), whole.percentile(p)) << p;
  std::sort(samples.begin(), samples.end());
  expect_close_to_reference(merged, samples);
  // Merging an empty one changes nothing; reset empties.
  merged.merge(LatencyHistogram{});
  EXPECT_EQ(merged.count(), whole.count());
  merged.reset();
  EXPECT_EQ(merged.count(), 0u);
  EXPECT_EQ(merged.percentile(99), 0);
}

TEST(LatencyHistogram, EdgesAreSafe) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.mean(), 0.0);
  h.record(-5);  // a negative difference counts as 0
  EXPECT_EQ(h.min(), 0);
  h.record(LatencyHistogram::kMaxTrackable + 1000, 3);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.clamped(), 3u);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxTrackable);
  EXPECT_EQ(h.percentile(100), LatencyHistogram::kMaxTrackable);
  EXPECT_EQ(h.percentile(25), 0);
}

}  // namespace
}  // namespace sb::loadgen

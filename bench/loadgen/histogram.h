// LatencyHistogram: an HDR-style, log-bucketed histogram of latencies in
// microseconds. Values below 128 us are counted exactly; above, every power of
// two is split into 128 equal buckets, so a reported percentile is at most
// 1/128 (0.8 %) above the true value. Fixed size (3840 counters, 30 KiB), no
// allocation on record, and mergeable: each thread records into its own and
// the report adds them up. Not thread-safe; one writer at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sb::loadgen {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::int64_t kSubBuckets = std::int64_t{1} << kSubBucketBits;
  // About 19 hours in microseconds; larger values are clamped (and counted).
  static constexpr int kMaxValueBits = 36;
  static constexpr std::int64_t kMaxTrackable = (std::int64_t{1} << kMaxValueBits) - 1;

  LatencyHistogram();

  // Negative values (clock skew between threads) count as 0.
  void record(std::int64_t micros, std::uint64_t times = 1);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return total_; }
  std::uint64_t clamped() const { return clamped_; }
  std::int64_t min() const { return total_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }
  double mean() const;

  // The value at percentile `p` (0..100): the smallest recorded value such
  // that at least p % of the samples are <= it, reported as the upper edge of
  // its bucket (never above max()). 0 when empty.
  std::int64_t percentile(double p) const;

  // Bucket layout, exposed for tests.
  static std::size_t bucket_of(std::int64_t micros);
  static std::int64_t bucket_low(std::size_t bucket);
  static std::int64_t bucket_high(std::size_t bucket);
  static std::size_t bucket_count();

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t clamped_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace sb::loadgen

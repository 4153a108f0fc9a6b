#include "bench/loadgen/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sb::loadgen {

namespace {
// Octaves above the exact range: [2^7, 2^8), ..., [2^35, 2^36).
constexpr std::size_t kOctaves = LatencyHistogram::kMaxValueBits - LatencyHistogram::kSubBucketBits;
constexpr std::size_t kBuckets =
    static_cast<std::size_t>(LatencyHistogram::kSubBuckets) * (kOctaves + 1);
}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

std::size_t LatencyHistogram::bucket_count() { return kBuckets; }

std::size_t LatencyHistogram::bucket_of(std::int64_t v) {
  if (v < kSubBuckets) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(static_cast<std::uint64_t>(v));
  const int shift = msb - kSubBucketBits;                 // bucket width is 2^shift in this octave
  const auto sub = static_cast<std::size_t>(v >> shift);  // in [kSubBuckets, 2 * kSubBuckets)
  return static_cast<std::size_t>(kSubBuckets) * static_cast<std::size_t>(shift) + sub;
}

std::int64_t LatencyHistogram::bucket_low(std::size_t bucket) {
  const auto sub_buckets = static_cast<std::size_t>(kSubBuckets);
  if (bucket < 2 * sub_buckets) return static_cast<std::int64_t>(bucket);
  const std::size_t shift = bucket / sub_buckets - 1;
  const std::size_t sub = bucket % sub_buckets + sub_buckets;
  return static_cast<std::int64_t>(sub) << shift;
}

std::int64_t LatencyHistogram::bucket_high(std::size_t bucket) {
  const auto sub_buckets = static_cast<std::size_t>(kSubBuckets);
  if (bucket < 2 * sub_buckets) return static_cast<std::int64_t>(bucket);
  const std::size_t shift = bucket / sub_buckets - 1;
  return bucket_low(bucket) + (std::int64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::int64_t micros, std::uint64_t times) {
  if (times == 0) return;
  if (micros < 0) micros = 0;
  if (micros > kMaxTrackable) {
    micros = kMaxTrackable;
    clamped_ += times;
  }
  counts_[bucket_of(micros)] += times;
  if (total_ == 0 || micros < min_) min_ = micros;
  if (micros > max_) max_ = micros;
  total_ += times;
  sum_ += static_cast<long double>(micros) * static_cast<long double>(times);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.total_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = total_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  total_ += other.total_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return total_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(total_));
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (total_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Rank of the sample (1-based) that the percentile names.
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  rank = std::clamp<std::uint64_t>(rank, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
  }
  return max_;
}

}  // namespace sb::loadgen

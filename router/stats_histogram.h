// StatsHistogram: counts of observed values in fixed buckets, for /metrics
// (adapters/metrics.cc renders them as Prometheus histograms).
//
// Any thread may observe and any thread read a snapshot (at scrape time),
// without a lock: relaxed atomic adds. A snapshot taken during an observation
// may count it in its bucket but not yet in the sum, which a scrape
// tolerates; nothing else depends on the values. An observation is a binary
// search of at most kMaxBounds bounds and two atomic adds: cheap next to what
// it measures (a group commit, an HTTP request).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace sb::router {

class StatsHistogram {
 public:
  static constexpr std::size_t kMaxBounds = 24;

  // Inclusive upper bounds, ascending; values above the last go to +Inf.
  // Bounds beyond kMaxBounds are ignored (a programming error caught by the
  // unit test of every histogram the daemon declares).
  StatsHistogram(std::initializer_list<std::uint64_t> upper_bounds) {
    for (auto b : upper_bounds) {
      if (n_ == kMaxBounds) break;
      bounds_[n_++] = b;
    }
  }
  StatsHistogram(const StatsHistogram&) = delete;
  StatsHistogram& operator=(const StatsHistogram&) = delete;

  void observe(std::uint64_t value) {
    const std::uint64_t* first = bounds_.data();
    const auto i = static_cast<std::size_t>(std::lower_bound(first, first + n_, value) - first);
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::size_t bounds = 0;  // buckets are bounds + 1: the last is +Inf
    std::array<std::uint64_t, kMaxBounds> upper_bounds{};
    std::array<std::uint64_t, kMaxBounds + 1> counts{};  // per bucket, not cumulative
    std::uint64_t sum = 0;
    std::uint64_t count() const {
      std::uint64_t n = 0;
      for (std::size_t i = 0; i <= bounds; ++i) n += counts[i];
      return n;
    }
  };

  Snapshot snapshot() const {
    Snapshot s;
    s.bounds = n_;
    s.upper_bounds = bounds_;
    for (std::size_t i = 0; i <= n_; ++i) s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::array<std::uint64_t, kMaxBounds> bounds_{};
  std::size_t n_ = 0;
  std::array<std::atomic<std::uint64_t>, kMaxBounds + 1> counts_{};
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace sb::router

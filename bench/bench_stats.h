// Shared by every micro-benchmark: with --benchmark_repetitions=N, also report
// the min and max over the repetitions next to Google Benchmark's own mean,
// median and stddev, so docs/performance.md can give the spread of a figure
// on a noisy machine. Apply with BENCHMARK(...)->Apply(sb::bench::with_min_max).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

namespace sb::bench {

inline double min_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}
inline double max_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

inline void with_min_max(benchmark::internal::Benchmark* b) {
  b->ComputeStatistics("min", &min_of)->ComputeStatistics("max", &max_of);
}

}  // namespace sb::bench

// RateLimiter: a per-key rate limit (GCRA, the generic cell rate algorithm):
// `per_second` sustained with bursts of `burst`. One atomic per key and
// lock-free look-ups, so it can sit on the webhook path. Keys (tenants) are
// created on first use. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace sb::adapters {

class RateLimiter {
 public:
  // per_second <= 0: unlimited.
  RateLimiter(double per_second, double burst);
  // 0 if the request may pass; otherwise how long to wait, in ms (>= 1).
  std::int64_t acquire(const std::string& key, std::int64_t now_ns);
  std::uint64_t limited() const { return limited_.load(std::memory_order_relaxed); }

 private:
  struct Cell {
    std::atomic<std::int64_t> tat{0};  // theoretical arrival time, ns
  };
  using Map = std::unordered_map<std::string, std::shared_ptr<Cell>>;
  std::shared_ptr<Cell> cell(const std::string& key);

  std::int64_t interval_ns_ = 0;
  std::int64_t tolerance_ns_ = 0;
  std::atomic<std::shared_ptr<const Map>> cells_;
  std::atomic<std::uint64_t> limited_{0};
};

}  // namespace sb::adapters

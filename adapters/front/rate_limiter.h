// RateLimiter: a per-key rate limit (GCRA, the generic cell rate algorithm):
// `per_second` sustained with bursts of `burst`. One atomic per key and
// lock-free look-ups, so it can sit on the webhook path. Keys (tenants) are
// created on first use. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "adapters/http/message.h"

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

// Charges one request to `key`'s budget: nullopt if it may pass, else the
// 429 `rate_limited` answer with Retry-After in whole seconds. `what` names
// the budget in the message. (Inline: the config fuzzer links the limiter
// without the HTTP helpers.)
inline std::optional<http::HttpResponse> rate_limited(RateLimiter& limiter, const std::string& key,
                                                      std::string_view what) {
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  const auto wait_ms = limiter.acquire(key, now_ns);
  if (wait_ms <= 0) return std::nullopt;
  auto r = http::json_error(429, "rate_limited",
                            std::string(what) + "; retry after Retry-After seconds");
  r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
  return r;
}

}  // namespace sb::adapters

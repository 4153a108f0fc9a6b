#include "adapters/front/rate_limiter.h"

#include <algorithm>

namespace sb::adapters {

RateLimiter::RateLimiter(double per_second, double burst) : cells_(std::make_shared<const Map>()) {
  if (per_second > 0) {
    interval_ns_ = static_cast<std::int64_t>(1e9 / per_second);
    tolerance_ns_ =
        static_cast<std::int64_t>(static_cast<double>(interval_ns_) * std::max(burst, 1.0));
  }
}

std::shared_ptr<RateLimiter::Cell> RateLimiter::cell(const std::string& key) {
  auto map = cells_.load(std::memory_order_acquire);
  for (;;) {
    if (auto it = map->find(key); it != map->end()) return it->second;
    auto next = std::make_shared<Map>(*map);
    auto c = std::make_shared<Cell>();
    next->emplace(key, c);
    std::shared_ptr<const Map> frozen = std::move(next);
    if (cells_.compare_exchange_weak(map, frozen, std::memory_order_acq_rel)) return c;
  }
}

std::int64_t RateLimiter::acquire(const std::string& key, std::int64_t now_ns) {
  if (interval_ns_ == 0) return 0;
  auto c = cell(key);
  std::int64_t tat = c->tat.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t start = std::max(tat, now_ns);
    const std::int64_t wait = start + interval_ns_ - tolerance_ns_ - now_ns;
    if (wait > 0) {
      limited_.fetch_add(1, std::memory_order_relaxed);
      return std::max<std::int64_t>(1, (wait + 999999) / 1000000);
    }
    if (c->tat.compare_exchange_weak(tat, start + interval_ns_, std::memory_order_relaxed))
      return 0;
  }
}

}  // namespace sb::adapters

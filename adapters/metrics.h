// Metrics: the daemon's Prometheus registry (names prefixed switchboard_),
// rendered in the text format by our own HTTP server (no second port).
// Request counters are created up front so that the hot path only does atomic
// increments; shard counters are read at scrape time. Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
class Collectable;
class Counter;
}  // namespace prometheus

namespace sb::router {
class ShardSet;
class StatsHistogram;
}  // namespace sb::router

namespace sb::adapters {

struct OutboxStats;
class StreamHub;

enum class Route : int { kWebhook, kEvents, kAdmin, kHealth, kMetrics, kOther, kWebchat, kCount };

class Metrics {
 public:
  explicit Metrics(router::ShardSet& shards);
  ~Metrics();

  void observe(Route route, int status, double seconds);
  // Also report the outbox's delivery counters and the open stream count.
  void watch(const OutboxStats* outbox, const StreamHub* hub);
  // A value read at scrape time (the source must outlive the Metrics).
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  void add_counter(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  static constexpr int kRoutes = static_cast<int>(Route::kCount);
  static constexpr int kClasses = 5;  // 1xx..5xx
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> shard_collector_;
  struct Probe {
    std::string name, help;
    bool counter;
    std::function<double()> read;
  };
  std::vector<Probe> probes_;
  const OutboxStats* outbox_ = nullptr;
  const StreamHub* hub_ = nullptr;
  std::array<std::array<prometheus::Counter*, kClasses>, kRoutes> requests_{};
  std::array<std::unique_ptr<router::StatsHistogram>, kRoutes> latency_;
};

}  // namespace sb::adapters

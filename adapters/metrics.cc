#include "adapters/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <sstream>

#include "adapters/outbound/outbox.h"
#include "adapters/stream/hub.h"
#include "router/shard_set.h"
#include "router/stats_histogram.h"

namespace sb::adapters {

namespace {
constexpr const char* kRouteNames[] = {"webhook", "events", "admin",  "health",
                                       "metrics", "other",  "webchat"};

// One series of a Prometheus histogram from a StatsHistogram; `per_unit` is
// how many of its integer units make one of the metric's (1e6 microseconds a
// second). Divided, not multiplied by 1e-6, so that bounds print as written
// (100 us is le="0.0001", not "9.999999999999999e-05").
prometheus::ClientMetric client_histogram(const router::StatsHistogram& h, double per_unit,
                                          prometheus::ClientMetric::Label label) {
  const auto snap = h.snapshot();
  prometheus::ClientMetric m;
  m.label.push_back(std::move(label));
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= snap.bounds; ++i) {
    cumulative += snap.counts[i];
    const double le = i < snap.bounds ? static_cast<double>(snap.upper_bounds[i]) / per_unit
                                      : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back({cumulative, le});
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = static_cast<double>(snap.sum) / per_unit;
  return m;
}

// Reads the shards' relaxed atomic counters at scrape time.
class ShardCollector final : public prometheus::Collectable {
 public:
  explicit ShardCollector(router::ShardSet& shards) : shards_(shards) {}

  // A StatsHistogram of every shard as one Prometheus histogram family.
  template <class Get>
  void histogram(std::vector<prometheus::MetricFamily>& out, const char* name, const char* help,
                 double per_unit, Get get) const {
    prometheus::MetricFamily f{name, help, prometheus::MetricType::Histogram, {}};
    for (const auto& s : shards_.shards()) {
      f.metric.push_back(
          client_histogram(get(*s), per_unit, {"shard", std::to_string(s->index())}));
    }
    out.push_back(std::move(f));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    auto family = [&](const char* name, const char* help, prometheus::MetricType type, auto get) {
      prometheus::MetricFamily f{name, help, type, {}};
      for (const auto& s : shards_.shards()) {
        prometheus::ClientMetric m;
        m.label.push_back({"shard", std::to_string(s->index())});
        const double v = get(*s);
        if (type == prometheus::MetricType::Counter)
          m.counter.value = v;
        else
          m.gauge.value = v;
        f.metric.push_back(std::move(m));
      }
      out.push_back(std::move(f));
    };
    using MT = prometheus::MetricType;
    auto rd = [](const std::atomic<std::uint64_t>& a) {
      return static_cast<double>(a.load(std::memory_order_relaxed));
    };
    family("switchboard_events_stored_total", "Customer events made durable", MT::Counter,
           [&](const router::Shard& s) { return rd(s.stats().events_stored); });
    family("switchboard_duplicates_total", "Platform retries absorbed by dedup", MT::Counter,
           [&](const router::Shard& s) { return rd(s.stats().duplicates); });
    family("switchboard_commands_total", "Commands applied by shards", MT::Counter,
           [&](const router::Shard& s) { return rd(s.stats().commands); });
    family("switchboard_group_commits_total", "RocksDB batches written (one fsync each)",
           MT::Counter, [&](const router::Shard& s) { return rd(s.stats().batches); });
    family("switchboard_commit_failures_total", "Group commits that failed", MT::Counter,
           [&](const router::Shard& s) { return rd(s.stats().commit_failures); });
    family("switchboard_commit_seconds_total", "Time spent in group commits", MT::Counter,
           [&](const router::Shard& s) { return rd(s.stats().commit_micros_total) / 1e6; });
    family("switchboard_shard_rejected_total", "Commands refused because a shard queue was full",
           MT::Counter, [&](const router::Shard& s) { return rd(s.stats().rejected_full); });
    family("switchboard_outbound_pending", "Replies waiting for delivery (pending outbox items)",
           MT::Gauge, [&](const router::Shard& s) { return rd(s.stats().outbound_pending); });
    family(
        "switchboard_outbound_refused_total",
        "Replies refused because their channel had limits.max_pending_outbound_per_channel waiting",
        MT::Counter, [&](const router::Shard& s) { return rd(s.stats().outbound_refused); });
    family("switchboard_shard_queue_depth", "Commands waiting in a shard queue", MT::Gauge,
           [&](const router::Shard& s) { return static_cast<double>(s.queue_depth()); });
    histogram(
        out, "switchboard_commit_duration_seconds",
        "One group commit's RocksDB write, fsync included", 1e6,
        [](const router::Shard& s) -> const auto& { return s.stats().commit_micros; });
    histogram(
        out, "switchboard_shard_queue_wait_seconds",
        "Time a command waited in its shard's queue before the shard took it into a batch", 1e6,
        [](const router::Shard& s) -> const auto& { return s.stats().queue_wait_micros; });
    histogram(
        out, "switchboard_commit_batch_commands", "Commands carried by one group commit", 1.0,
        [](const router::Shard& s) -> const auto& { return s.stats().commit_commands; });
    return out;
  }

 private:
  router::ShardSet& shards_;
};
}  // namespace

Metrics::Metrics(router::ShardSet& shards) : registry_(std::make_shared<prometheus::Registry>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("switchboard_http_requests_total")
                       .Help("HTTP requests answered, by route and status class")
                       .Register(*registry_);
  for (int r = 0; r < kRoutes; ++r) {
    for (int c = 0; c < kClasses; ++c) {
      requests_[r][c] =
          &requests.Add({{"route", kRouteNames[r]}, {"code", std::to_string(c + 1) + "xx"}});
    }
    // Microseconds. Finer where webhook acks fall (a group commit is 0.2-2 ms
    // on common disks), so that a p99 objective of a few milliseconds can be
    // read off. Not prometheus::Histogram: its Observe() takes a mutex, and
    // the shard thread observes every webhook it answers.
    latency_[r] = std::make_unique<router::StatsHistogram>(std::initializer_list<std::uint64_t>{
        250, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 25000, 50000, 100000,
        250000, 500000, 1000000, 2500000});
  }
  shard_collector_ = std::make_shared<ShardCollector>(shards);
}

Metrics::~Metrics() = default;

void Metrics::observe(Route route, int status, double seconds) {
  const int r = static_cast<int>(route);
  int c = status / 100 - 1;
  if (c < 0 || c >= kClasses) c = kClasses - 1;
  requests_[r][c]->Increment();
  latency_[r]->observe(seconds > 0 ? static_cast<std::uint64_t>(seconds * 1e6 + 0.5) : 0);
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  probes_.push_back(Probe{std::move(name), std::move(help), false, std::move(read)});
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  probes_.push_back(Probe{std::move(name), std::move(help), true, std::move(read)});
}

void Metrics::watch(const OutboxStats* outbox, const StreamHub* hub) {
  outbox_ = outbox;
  hub_ = hub;
}

namespace {
prometheus::MetricFamily single(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f{name, help, type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}
}  // namespace

std::string Metrics::render() const {
  std::ostringstream out;
  auto families = registry_->Collect();
  for (auto& f : shard_collector_->Collect()) families.push_back(std::move(f));
  {
    prometheus::MetricFamily f{"switchboard_http_request_duration_seconds",
                               "Time from a complete request to its response, by route",
                               prometheus::MetricType::Histogram,
                               {}};
    for (int r = 0; r < kRoutes; ++r) {
      f.metric.push_back(client_histogram(*latency_[r], 1e6, {"route", kRouteNames[r]}));
    }
    families.push_back(std::move(f));
  }
  using MT = prometheus::MetricType;
  if (outbox_ != nullptr) {
    auto rd = [](const auto& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
    families.push_back(single("switchboard_outbox_attempts_total", "Reply delivery attempts",
                              MT::Counter, rd(outbox_->attempts)));
    families.push_back(single("switchboard_outbox_delivered_total", "Replies delivered",
                              MT::Counter, rd(outbox_->delivered)));
    families.push_back(single("switchboard_outbox_retries_total", "Attempts that will be retried",
                              MT::Counter, rd(outbox_->retried)));
    families.push_back(single("switchboard_outbox_failed_total", "Replies given up on", MT::Counter,
                              rd(outbox_->failed)));
    families.push_back(single("switchboard_outbox_in_flight", "Delivery requests in flight",
                              MT::Gauge, rd(outbox_->in_flight)));
  }
  for (const auto& p : probes_) {
    families.push_back(
        single(p.name.c_str(), p.help.c_str(), p.counter ? MT::Counter : MT::Gauge, p.read()));
  }
  if (hub_ != nullptr) {
    families.push_back(single("switchboard_stream_connections", "Open stream connections",
                              MT::Gauge, static_cast<double>(hub_->connections())));
  }
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace sb::adapters

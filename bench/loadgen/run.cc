#include "bench/loadgen/run.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <ctime>
#include <mutex>
#include <thread>

#include "bench/loadgen/daemon_metrics.h"
#include "bench/loadgen/http_conn.h"
#include "bench/loadgen/operators.h"
#include "bench/loadgen/platform_sink.h"
#include "bench/loadgen/proc_stats.h"
#include "bench/loadgen/report.h"

namespace sb::loadgen {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// One io_context per thread, each with its own Recorder: nothing a thread
// measures is shared with another until the main thread reads it. The first
// `senders` threads send webhooks; operator clients run on `operator_threads`
// threads of their own, or share the senders' threads when that is 0.
class LoadThreads {
 public:
  LoadThreads(int senders, int operator_threads)
      : senders_(static_cast<std::size_t>(senders)),
        operators_(static_cast<std::size_t>(operator_threads)) {
    for (std::size_t i = 0; i < senders_ + operators_; ++i) {
      contexts_.push_back(std::make_unique<net::io_context>(1));
      recorders_.push_back(std::make_unique<Recorder>());
    }
  }
  ~LoadThreads() { stop_and_join(); }

  void start() {
    for (auto& ioc : contexts_) {
      guards_.emplace_back(net::make_work_guard(*ioc));
      threads_.emplace_back([&ioc = *ioc] { ioc.run(); });
    }
  }
  void stop_and_join() {
    for (auto& ioc : contexts_) ioc->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    guards_.clear();
  }
  std::size_t size() const { return contexts_.size(); }  // every thread (recorder_at)
  std::size_t senders() const { return senders_; }
  net::io_context& context(std::size_t i) { return *contexts_[i % senders_]; }
  Recorder& recorder(std::size_t i) { return *recorders_[i % senders_]; }
  net::io_context& operator_context(std::size_t i) {
    return operators_ == 0 ? context(i) : *contexts_[senders_ + i % operators_];
  }
  Recorder& operator_recorder(std::size_t i) {
    return operators_ == 0 ? recorder(i) : *recorders_[senders_ + i % operators_];
  }
  Recorder& recorder_at(std::size_t k) { return *recorders_[k]; }

 private:
  std::size_t senders_;
  std::size_t operators_;
  // Recorders outlive the contexts, whose pending handlers own the clients.
  std::vector<std::unique_ptr<Recorder>> recorders_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

// Waits (bounded) until `done` reaches `want`.
bool wait_for(const std::atomic<std::size_t>& done, std::size_t want,
              std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (done.load() < want) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Streams open, then online; "" or the first operator's failure.
std::string start_operators(const RunConfig& cfg, const SetupOutcome& setup, LoadThreads& pool,
                            Tracker& tracker, std::vector<std::shared_ptr<OperatorClient>>& out) {
  const OperatorBehaviour behaviour{std::chrono::milliseconds(cfg.accept_think_ms),
                                    std::chrono::milliseconds(cfg.resolve_think_ms),
                                    std::chrono::milliseconds(cfg.timeout_ms)};
  std::atomic<std::size_t> answered{0};
  std::mutex error_mu;
  std::string first_error;
  for (std::size_t i = 0; i < setup.operators.size(); ++i) {
    auto op = std::make_shared<OperatorClient>(pool.operator_context(i), cfg.server,
                                               setup.operators[i], behaviour, tracker,
                                               pool.operator_recorder(i), cfg.seed * 7919 + i);
    out.push_back(op);
    net::post(pool.operator_context(i), [op, &answered, &error_mu, &first_error] {
      op->start([&](const std::string& error) {
        if (!error.empty()) {
          std::lock_guard lock(error_mu);
          if (first_error.empty()) first_error = error;
        }
        answered.fetch_add(1);
      });
    });
  }
  // The callbacks refer to locals of this frame: wait for all of them or stop.
  if (!wait_for(answered, out.size(), 15s)) {
    pool.stop_and_join();
    return "operators did not come online within 15 s";
  }
  std::lock_guard lock(error_mu);
  return first_error;
}

// Each thread gets a share of the connections and of the rate.
std::vector<std::shared_ptr<WebhookLoad>> start_loads(const RunConfig& cfg, LoadThreads& pool,
                                                      Tracker& tracker, PayloadFactory& payloads,
                                                      Clock::time_point start,
                                                      Clock::time_point stop) {
  const auto threads =
      std::min<std::size_t>(pool.senders(), static_cast<std::size_t>(cfg.connections));
  std::vector<std::shared_ptr<WebhookLoad>> loads;
  for (std::size_t i = 0; i < threads; ++i) {
    LoadShape shape;
    shape.open_loop = cfg.open_loop;
    shape.rate = cfg.rate / static_cast<double>(threads);
    // Threads interleave in one schedule instead of sending in lockstep.
    shape.phase = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(i) / cfg.rate));
    shape.connections = cfg.connections / static_cast<int>(threads) +
                        (i < static_cast<std::size_t>(cfg.connections) % threads ? 1 : 0);
    shape.timeout = std::chrono::milliseconds(cfg.timeout_ms);
    shape.retry_fraction = cfg.retry_fraction;
    shape.burst = cfg.burst;
    auto load = std::make_shared<WebhookLoad>(pool.context(i), cfg.server, shape, tracker, payloads,
                                              pool.recorder(i), cfg.seed * 104729 + i);
    loads.push_back(load);
    net::post(pool.context(i), [load, start, stop] { load->run(start, stop); });
  }
  return loads;
}

// The daemon's commit figures so far (nullopt: no /metrics or no histograms).
std::optional<CommitMetrics> scrape_commits(const net::ip::tcp::endpoint& server) {
  BlockingHttp http(server, std::chrono::seconds(2));
  auto r = http.call(boost::beast::http::verb::get, "/metrics", "", {});
  if (r.failure != Failure::kNone || r.status != 200) return std::nullopt;
  return parse_commit_metrics(r.body);
}

// Once a second until `stop`: the interval's figures, the daemon's CPU and
// RSS, a progress line. Fills the report's timeline and daemon fields.
void watch(const RunConfig& cfg, int pid, LoadThreads& pool, Tracker& tracker,
           Clock::time_point start, Clock::time_point stop, RunReport& report) {
  const auto daemon_start = pid > 0 ? sample_process(pid) : std::nullopt;
  const auto self_start = sample_self();
  const auto threads_start = pid > 0 ? sample_threads(pid) : std::nullopt;
  const auto self_threads_start = sample_threads_in("/proc/self");
  const auto commits_start = scrape_commits(cfg.server);
  auto previous_cpu = daemon_start;
  std::int64_t rss_peak = daemon_start ? daemon_start->rss_kb : -1;
  Counters previous;
  auto previous_tick = start;
  for (int second = 1;; ++second) {
    const auto tick = std::min(stop, start + std::chrono::seconds(second));
    std::this_thread::sleep_until(tick);
    LatencyHistogram ack, offer;
    Counters now;
    for (std::size_t k = 0; k < pool.size(); ++k)
      pool.recorder_at(k).take_interval(ack, offer, now);
    IntervalSample s;
    s.t_s = seconds_between(start, tick);
    s.seconds = seconds_between(previous_tick, tick);
    s.acked = now.webhooks_acked - previous.webhooks_acked;
    s.offers = now.offers_received - previous.offers_received;
    s.errors = now.error_total() - previous.error_total();
    s.ack_p50_us = ack.percentile(50);
    s.ack_p99_us = ack.percentile(99);
    s.ack_max_us = ack.max();
    s.offer_p50_us = offer.percentile(50);
    s.offer_p99_us = offer.percentile(99);
    s.operators_busy = tracker.held();
    report.operator_peak_busy = std::max(report.operator_peak_busy, s.operators_busy);
    if (auto cpu = pid > 0 ? sample_process(pid) : std::nullopt;
        cpu && previous_cpu && s.seconds > 0) {
      s.daemon_cpu_pct = 100.0 * (cpu->cpu_seconds - previous_cpu->cpu_seconds) / s.seconds;
      s.daemon_rss_kb = cpu->rss_kb;
      rss_peak = std::max(rss_peak, cpu->rss_kb);
      previous_cpu = cpu;
    }
    if (cfg.progress) print_progress(s, now, stderr);
    report.timeline.push_back(s);
    previous = now;
    previous_tick = tick;
    tracker.prune(Clock::now(), 10s);
    if (tick >= stop) break;
  }
  const auto daemon_end = pid > 0 ? sample_process(pid) : std::nullopt;
  const auto self_end = sample_self();
  const auto threads_end = pid > 0 ? sample_threads(pid) : std::nullopt;
  const auto self_threads_end = sample_threads_in("/proc/self");
  if (threads_start && threads_end)
    report.daemon_threads = threads_between(*threads_start, *threads_end);
  if (self_threads_start && self_threads_end && cfg.duration_s > 0) {
    std::uint64_t waiting_ns = 0;
    for (const auto& t : threads_between(*self_threads_start, *self_threads_end))
      waiting_ns += t.waiting_ns;
    report.loadgen_waiting_pct = percent_of_window(waiting_ns, cfg.duration_s);
  }
  if (auto commits_end = commits_start ? scrape_commits(cfg.server) : std::nullopt) {
    report.commits = commits_between(*commits_start, *commits_end);
  }
  report.daemon_pid = pid;
  if (daemon_start && daemon_end) {
    report.daemon_cpu_seconds = daemon_end->cpu_seconds - daemon_start->cpu_seconds;
    report.daemon_cpu_pct = 100.0 * report.daemon_cpu_seconds / cfg.duration_s;
    report.daemon_rss_start_kb = daemon_start->rss_kb;
    report.daemon_rss_end_kb = daemon_end->rss_kb;
    report.daemon_rss_peak_kb = std::max(rss_peak, daemon_end->rss_kb);
  }
  if (self_start && self_end) {
    report.loadgen_cpu_pct =
        100.0 * (self_end->cpu_seconds - self_start->cpu_seconds) / cfg.duration_s;
  }
}

void describe_config(const RunConfig& cfg, const SetupOutcome& setup, RunReport& report) {
  report.target = fmt::format("{}:{}", cfg.server.address().to_string(), cfg.server.port());
  report.mode = cfg.open_loop ? "open" : "closed";
  report.rate = cfg.open_loop ? cfg.rate : 0;
  report.connections = cfg.connections;
  report.threads = cfg.threads;
  report.operator_threads = cfg.operator_threads;
  report.duration_s = cfg.duration_s;
  report.tenants = setup.tenants.size();
  report.customers = cfg.customers;
  report.operators = static_cast<int>(setup.operators.size());
  // Operators take `capacity` chats and as many mails at once.
  report.operator_slots = static_cast<std::int64_t>(setup.operators.size()) *
                          cfg.operator_capacity * (cfg.mix.uses(ChannelKind::kEmail) ? 2 : 1);
  report.retry_fraction = cfg.retry_fraction;
  report.channel_mix = describe(cfg.mix);
  report.burst = cfg.burst_text;
  report.body_bytes = cfg.body_bytes;
  report.accept_think_ms = cfg.accept_think_ms;
  report.resolve_think_ms = cfg.resolve_think_ms;
}

}  // namespace

int run_loadgen(const RunConfig& cfg) {
  LoadThreads pool(cfg.threads, cfg.operator_threads);
  auto fail = [&](const std::string& why) {
    fmt::print(stderr, "sb_loadgen: {}\n", why);
    pool.stop_and_join();
    return 1;
  };
  PlatformSink sink(pool.context(0));
  if (auto e = sink.start(); !e.empty()) return fail(e);
  pool.start();

  // Set-up over the admin API.
  if (auto e = wait_until_ready(cfg.server, 10s); !e.empty()) return fail(e);
  SetupPlan plan;
  plan.tenants = cfg.tenants;
  plan.offer_timeout_s = cfg.offer_timeout_s;
  plan.operators_per_tenant = cfg.operators_per_tenant;
  plan.operator_capacity = cfg.operator_capacity;
  plan.mix = cfg.mix;
  plan.sink_port = sink.port();
  plan.timeout = std::chrono::milliseconds(cfg.timeout_ms);
  const auto setup = set_up(cfg.server, plan);
  if (!setup.error.empty()) return fail(setup.error);

  const auto run_id_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  PayloadFactory payloads(setup.tenants, static_cast<std::size_t>(cfg.body_bytes), run_id_ms,
                          cfg.mix);
  Tracker tracker(cfg.customers);
  std::vector<std::shared_ptr<OperatorClient>> operators;
  if (auto e = start_operators(cfg, setup, pool, tracker, operators); !e.empty()) return fail(e);

  const int pid =
      cfg.daemon_pid > 0 ? cfg.daemon_pid : find_listening_pid(cfg.server.port()).value_or(0);
  const auto start = Clock::now() + 20ms;
  const auto stop = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(cfg.duration_s));
  const auto loads = start_loads(cfg, pool, tracker, payloads, start, stop);
  RunReport report;
  report.started_at_utc = utc_now();
  watch(cfg, pid, pool, tracker, start, stop, report);

  // Let answers, offers and operator actions of the last sends arrive, then
  // count what is still unfinished and take the operators offline.
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.drain_s));
  std::atomic<std::size_t> finished{0};
  for (std::size_t i = 0; i < loads.size(); ++i) {
    net::post(pool.context(i), [load = loads[i], &finished] {
      load->account_unfinished();
      finished.fetch_add(1);
    });
  }
  for (std::size_t i = 0; i < operators.size(); ++i) {
    net::post(pool.operator_context(i), [op = operators[i], &finished] {
      op->finish([&finished] { finished.fetch_add(1); });
    });
  }
  const bool all_finished = wait_for(finished, loads.size() + operators.size(), 3s);
  net::post(pool.context(0), [&sink] { sink.stop(); });
  report.replies_delivered = sink.deliveries();
  report.awaiting_offer_at_end = tracker.awaiting_offer();
  pool.stop_and_join();
  if (!all_finished) fmt::print(stderr, "sb_loadgen: some operators did not sign off within 3 s\n");

  for (std::size_t k = 0; k < pool.size(); ++k)
    pool.recorder_at(k).snapshot(report.counters, report.latencies);
  describe_config(cfg, setup, report);
  print_table(report, stdout);
  int status = 0;
  for (const auto& [path, write] :
       {std::pair{cfg.json_path, &write_json}, std::pair{cfg.svg_path, &write_svg}}) {
    if (path.empty()) continue;
    if (auto e = write(report, path); !e.empty()) {
      fmt::print(stderr, "sb_loadgen: {}\n", e);
      status = 1;
    } else {
      fmt::print(stdout, "wrote {}\n", path);
    }
  }
  return status;
}

}  // namespace sb::loadgen

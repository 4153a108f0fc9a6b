// The run's results: a table on stdout, a JSON file and an SVG plot (written
// by svg_plot.cc). Everything here is computed from the merged per-thread
// recorders and the per-second samples.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/loadgen/daemon_metrics.h"
#include "bench/loadgen/proc_stats.h"
#include "bench/loadgen/stats.h"

namespace sb::loadgen {

struct RunReport {
  // What ran.
  std::string target;
  std::string mode;  // "open" or "closed"
  double rate = 0;   // open loop, webhooks/s
  int connections = 0;
  int threads = 0;
  int operator_threads = 0;
  double duration_s = 0;
  std::size_t tenants = 0;
  int customers = 0;
  int operators = 0;  // over all tenants
  double retry_fraction = 0;
  std::string channel_mix;  // "telegram 35%, whatsapp 25%, ..."
  std::string burst;        // "" when off
  int body_bytes = 0;
  int accept_think_ms = 0;
  int resolve_think_ms = 0;
  std::string started_at_utc;

  // What happened.
  Counters counters;
  Latencies latencies;
  std::vector<IntervalSample> timeline;
  std::uint64_t replies_delivered = 0;  // seen by the local platform sink
  std::int64_t operator_slots = 0;      // operators x capacity
  std::int64_t operator_peak_busy = 0;  // most conversations held at a once-a-second look
  std::size_t awaiting_offer_at_end = 0;

  // The daemon from /proc over the load window (-1: not measured).
  int daemon_pid = 0;
  double daemon_cpu_seconds = -1;
  double daemon_cpu_pct = -1;  // 100 = one core busy
  std::int64_t daemon_rss_start_kb = -1;
  std::int64_t daemon_rss_end_kb = -1;
  std::int64_t daemon_rss_peak_kb = -1;
  double loadgen_cpu_pct = -1;
  // Per thread name over the load window (empty: not measured). On a shared
  // machine an ack's tail is often a thread waiting for a core, not working.
  std::vector<ThreadTimes> daemon_threads;
  // sb_loadgen's threads summed: the time they waited for a core, % of the
  // window (-1: not measured). It is part of the open loop's send lag.
  double loadgen_waiting_pct = -1;
  // The daemon's group commits over the load window, from its /metrics
  // (nullopt: not scraped, e.g. a daemon without the commit histograms).
  std::optional<CommitMetrics> commits;

  double acked_per_s() const;
};

void print_table(const RunReport& r, std::FILE* out);
// The once-a-second line while the load runs; `cumulative` counts since the start.
void print_progress(const IntervalSample& s, const Counters& cumulative, std::FILE* out);
// "" or why the file could not be written.
std::string write_json(const RunReport& r, const std::string& path);
std::string write_svg(const RunReport& r, const std::string& path);

// "0.84 ms" style, for tables and progress lines.
std::string format_micros(std::int64_t us);

}  // namespace sb::loadgen

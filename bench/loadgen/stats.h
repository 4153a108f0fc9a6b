// What one load thread measured. Each thread owns a Recorder and records into
// it without contention; the main thread reads it once a second (interval
// histograms for the time series, counters for the progress line) and merges
// all of them at the end. The mutex is uncontended but for that read.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "bench/loadgen/histogram.h"

namespace sb::loadgen {

// An offer delivered this late (its arrival minus its "at") is counted per
// operator in Counters::late_offers.
constexpr std::int64_t kLateOfferMs = 20;

struct Counters {
  std::uint64_t webhooks_sent = 0;
  std::uint64_t webhooks_acked = 0;       // 2xx
  std::uint64_t messages_stored = 0;      // 2xx with "status":"stored"
  std::uint64_t duplicates_absorbed = 0;  // 2xx with "status":"duplicate"
  std::uint64_t retries_sent = 0;         // platform retries (same update again)
  std::uint64_t new_conversations = 0;
  std::uint64_t offers_received = 0;    // conversation.offered frames for our operators
  std::uint64_t offers_matched = 0;     // ... matched to the webhook that caused them
  std::uint64_t offers_before_ack = 0;  // the frame beat the webhook's own 200
  std::uint64_t accepted = 0;
  std::uint64_t replied = 0;
  std::uint64_t resolved = 0;
  std::uint64_t backlog_dropped = 0;  // open loop: sends the generator could not even queue
  std::map<std::string, std::uint64_t> errors;  // kind -> count
  // Operator -> offers that arrived kLateOfferMs or more after the daemon
  // routed them (offer_delivery): whether late offers gather on a few
  // streams (one connection stalling) or spread over all of them.
  std::map<std::string, std::uint64_t> late_offers;

  void add(const Counters& o);
  std::uint64_t error_total() const;
};

struct Latencies {
  LatencyHistogram ack;  // webhook: from scheduled (open) / sent (closed) to the 2xx
  // Open loop only, the ack in two: from the schedule to the request's write
  // (this tool late: no idle connection, or its thread not running) and from
  // the write to the 2xx (the daemon, the sockets, and this tool's reading).
  LatencyHistogram send_lag;
  LatencyHistogram ack_rtt;
  LatencyHistogram webhook_to_offer;  // same start, to the offered frame on the operator's stream
  LatencyHistogram offer_after_ack;   // offered frame minus the 2xx (0 when the frame came first)
  // The offered frame's arrival minus its "at" (the daemon's wall clock when
  // it routed the conversation; ms resolution): the write, the hand-off to the
  // connection's I/O thread, the socket and this tool's own reading. Tells a
  // late offer that was routed late from one that was delivered late.
  LatencyHistogram offer_delivery;
  LatencyHistogram accept_rtt;   // POST accept round trip
  LatencyHistogram reply_rtt;    // POST messages round trip
  LatencyHistogram resolve_rtt;  // POST resolve round trip

  void merge(const Latencies& o);
};

// One second of the run, merged over threads.
struct IntervalSample {
  double t_s = 0;  // end of the interval, seconds since the load started
  double seconds = 0;
  std::uint64_t acked = 0;
  std::uint64_t offers = 0;
  std::uint64_t errors = 0;
  std::int64_t ack_p50_us = 0, ack_p99_us = 0, ack_max_us = 0;
  std::int64_t offer_p50_us = 0, offer_p99_us = 0;
  std::int64_t operators_busy = 0;  // conversations our operators held at the end of it
  double daemon_cpu_pct = -1;       // -1: not measured
  std::int64_t daemon_rss_kb = -1;
};

class Recorder {
 public:
  // Counters and the whole-run histograms, under the lock.
  template <class F>
  void update(F&& f) {
    std::lock_guard lock(mu_);
    f(counters_, totals_);
  }
  // A 2xx to a webhook: whole-run and interval histograms.
  void ack(std::int64_t micros);
  // A matched offer; `after_ack_us` < 0 when the frame arrived before the 2xx.
  void offer(std::int64_t to_offer_us, std::int64_t after_ack_us);
  void error(const std::string& kind);

  // Main thread: this thread's interval histograms (then reset) and counters.
  void take_interval(LatencyHistogram& ack, LatencyHistogram& offer, Counters& counters);
  void snapshot(Counters& counters, Latencies& totals);

 private:
  std::mutex mu_;
  Counters counters_;
  Latencies totals_;
  LatencyHistogram interval_ack_, interval_offer_;
};

}  // namespace sb::loadgen

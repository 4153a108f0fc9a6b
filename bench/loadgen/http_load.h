// WebhookLoad: one thread's share of the customers' webhooks.
//
// Open loop (--rate): sends are due on a fixed schedule whatever the daemon
// does; a due send waits for a free connection, and its latency counts from
// the time it was due, so a stalled daemon cannot hide behind fewer requests
// (no coordinated omission). Closed loop (--connections): every connection
// sends its next webhook as soon as the previous one is answered, and latency
// counts from the write. A share of sends are platform retries: a webhook
// already answered 2xx sent again byte for byte, which must come back
// "duplicate". All calls on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "bench/loadgen/http_conn.h"
#include "bench/loadgen/payloads.h"
#include "bench/loadgen/stats.h"
#include "bench/loadgen/tracker.h"

namespace sb::loadgen {

// Optional on/off bursts: `on_s` seconds at `factor` x the rate, then `off_s`
// seconds at the rate, repeated.
struct BurstPattern {
  double on_s = 0;
  double off_s = 0;
  double factor = 1;
  bool enabled() const { return on_s > 0 && factor != 1; }
  double multiplier_at(double t_s) const;
};

struct LoadShape {
  bool open_loop = true;
  double rate = 0;          // webhooks/s for this thread (open loop)
  Clock::duration phase{};  // this thread's offset in the shared schedule
  int connections = 1;      // this thread's connections
  std::chrono::milliseconds timeout{5000};
  double retry_fraction = 0;
  BurstPattern burst;
};

class WebhookLoad : public std::enable_shared_from_this<WebhookLoad> {
 public:
  WebhookLoad(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint server, LoadShape shape,
              Tracker& tracker, PayloadFactory& payloads, Recorder& recorder, std::uint64_t seed);

  // Sends from `start` until `stop`; answers to sends in flight still count.
  void run(Clock::time_point start, Clock::time_point stop);
  // At the end of the drain: counts what never got sent or answered.
  void account_unfinished();

 private:
  struct InFlight {
    std::shared_ptr<const WebhookRequest> request;
    Tracker::Pick pick;
    bool retry = false;
    Clock::time_point due;  // open loop: the schedule's time; closed loop: unset
  };
  void on_schedule_tick();
  void dispatch();
  void send(std::size_t conn, Clock::time_point due);
  void on_answer(std::size_t conn, const InFlight& sent, HttpResult&& r);
  void record_answer(const InFlight& sent, const HttpResult& r, Clock::time_point base);
  // Advances the schedule by one send; returns the new due time.
  Clock::time_point advance_schedule();

  boost::asio::io_context& ioc_;
  LoadShape shape_;
  Tracker& tracker_;
  PayloadFactory& payloads_;
  Recorder& recorder_;
  std::mt19937_64 rng_;
  std::vector<std::shared_ptr<HttpConn>> conns_;
  std::deque<std::size_t> idle_;           // first in, first out: every connection stays warm
  std::deque<Clock::time_point> backlog_;  // open loop: due sends waiting for a connection
  boost::asio::steady_timer timer_;
  Clock::time_point start_{}, stop_{}, due_{};
  // The schedule in seconds since start_: computed, not accumulated in clock
  // ticks, so that rounding does not add or lose sends over a long run.
  std::uint64_t scheduled_ = 0;
  double due_s_ = 0;
  // Recent 2xx'd fresh webhooks, the pool platform retries are drawn from.
  std::vector<std::shared_ptr<const WebhookRequest>> retry_pool_;
  std::size_t retry_pool_next_ = 0;
};

}  // namespace sb::loadgen

#include "bench/loadgen/http_load.h"

#include <algorithm>
#include <cmath>

#include "bench/loadgen/json_peek.h"

namespace sb::loadgen {

namespace net = boost::asio;

namespace {
// Due sends held while every connection is busy; past this the daemon is so
// far behind that the run says so (backlog_dropped) instead of eating memory.
constexpr std::size_t kMaxBacklog = 1'000'000;
constexpr std::size_t kRetryPoolSize = 1024;
constexpr auto kReconnectPause = std::chrono::milliseconds(100);

std::string failure_kind(Failure f) {
  switch (f) {
    case Failure::kConnect:
      return "webhook_connect";
    case Failure::kTimeout:
      return "webhook_timeout";
    case Failure::kIo:
      return "webhook_io";
    case Failure::kNone:
      break;
  }
  return "none";
}
}  // namespace

double BurstPattern::multiplier_at(double t_s) const {
  if (!enabled()) return 1.0;
  return std::fmod(t_s, on_s + off_s) < on_s ? factor : 1.0;
}

WebhookLoad::WebhookLoad(net::io_context& ioc, net::ip::tcp::endpoint server, LoadShape shape,
                         Tracker& tracker, PayloadFactory& payloads, Recorder& recorder,
                         std::uint64_t seed)
    : ioc_(ioc),
      shape_(shape),
      tracker_(tracker),
      payloads_(payloads),
      recorder_(recorder),
      rng_(seed),
      timer_(ioc) {
  for (int i = 0; i < shape_.connections; ++i) {
    conns_.push_back(std::make_shared<HttpConn>(ioc, server, shape_.timeout));
    idle_.push_back(static_cast<std::size_t>(i));
  }
}

void WebhookLoad::run(Clock::time_point start, Clock::time_point stop) {
  start_ = start;
  stop_ = stop;
  due_s_ = std::chrono::duration<double>(shape_.phase).count();
  due_ = start + shape_.phase;
  timer_.expires_at(shape_.open_loop ? due_ : start);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (self->shape_.open_loop) return self->on_schedule_tick();
    const auto now = Clock::now();
    while (!self->idle_.empty()) {
      const auto conn = self->idle_.front();
      self->idle_.pop_front();
      self->send(conn, now);
    }
  });
}

void WebhookLoad::account_unfinished() {
  timer_.cancel();
  std::uint64_t unanswered = 0;
  for (const auto& c : conns_) unanswered += c->busy() ? 1 : 0;
  const auto unsent = static_cast<std::uint64_t>(backlog_.size());
  recorder_.update([&](Counters& c, Latencies&) {
    if (unsent > 0) c.errors["webhook_unsent_at_end"] += unsent;
    if (unanswered > 0) c.errors["webhook_unanswered_at_end"] += unanswered;
  });
  backlog_.clear();
  for (const auto& c : conns_) c->close();
}

Clock::time_point WebhookLoad::advance_schedule() {
  ++scheduled_;
  const double phase_s = std::chrono::duration<double>(shape_.phase).count();
  if (shape_.burst.enabled()) {
    due_s_ += 1.0 / (shape_.rate * shape_.burst.multiplier_at(due_s_ - phase_s));
  } else {
    due_s_ = phase_s + static_cast<double>(scheduled_) / shape_.rate;
  }
  return start_ +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(due_s_));
}

void WebhookLoad::on_schedule_tick() {
  const auto now = Clock::now();
  std::uint64_t dropped = 0;
  while (due_ <= now && due_ < stop_) {
    if (backlog_.size() < kMaxBacklog) {
      backlog_.push_back(due_);
    } else {
      ++dropped;
    }
    due_ = advance_schedule();
  }
  if (dropped > 0) recorder_.update([&](Counters& c, Latencies&) { c.backlog_dropped += dropped; });
  dispatch();
  if (due_ >= stop_) return;
  timer_.expires_at(due_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_schedule_tick();
  });
}

void WebhookLoad::dispatch() {
  while (!backlog_.empty() && !idle_.empty()) {
    const auto conn = idle_.front();
    idle_.pop_front();
    const auto due = backlog_.front();
    backlog_.pop_front();
    send(conn, due);
  }
}

void WebhookLoad::send(std::size_t conn, Clock::time_point due) {
  InFlight f;
  f.due = due;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  f.retry = shape_.retry_fraction > 0 && !retry_pool_.empty() && unit(rng_) < shape_.retry_fraction;
  if (f.retry) {
    f.request =
        retry_pool_[std::uniform_int_distribution<std::size_t>(0, retry_pool_.size() - 1)(rng_)];
  } else {
    f.pick = tracker_.pick(rng_);
    f.request = payloads_.message(payloads_.customer(f.pick.customer), f.pick.message_no);
  }
  recorder_.update([&](Counters& c, Latencies&) {
    c.webhooks_sent += 1;
    if (f.retry) c.retries_sent += 1;
  });
  HttpCall call{boost::beast::http::verb::post, f.request->target, f.request->body,
                f.request->headers};
  conns_[conn]->send(std::move(call), [self = shared_from_this(), conn, f](HttpResult&& r) {
    self->on_answer(conn, f, std::move(r));
  });
}

void WebhookLoad::on_answer(std::size_t conn, const InFlight& sent, HttpResult&& r) {
  record_answer(sent, r, shape_.open_loop ? sent.due : r.write_started);
  if (shape_.open_loop) {
    idle_.push_back(conn);
    return dispatch();
  }
  if (Clock::now() >= stop_) return idle_.push_back(conn);
  if (r.failure == Failure::kConnect) {
    // Closed loop against a daemon that refuses connections: do not spin.
    auto pause = std::make_shared<net::steady_timer>(ioc_, kReconnectPause);
    pause->async_wait(
        [self = shared_from_this(), pause, conn](const boost::system::error_code& ec) {
          if (!ec) self->send(conn, Clock::now());
        });
    return;
  }
  send(conn, Clock::now());
}

void WebhookLoad::record_answer(const InFlight& sent, const HttpResult& r, Clock::time_point base) {
  if (r.failure != Failure::kNone || r.status / 100 != 2) {
    recorder_.error(r.failure != Failure::kNone ? failure_kind(r.failure)
                                                : "webhook_http_" + std::to_string(r.status));
    if (!sent.retry) tracker_.on_failed(sent.pick);
    return;
  }
  recorder_.ack(std::chrono::duration_cast<std::chrono::microseconds>(r.completed - base).count());
  if (shape_.open_loop) {
    auto us = [](Clock::duration d) {
      return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    recorder_.update([&](Counters&, Latencies& l) {
      l.send_lag.record(std::max<std::int64_t>(0, us(r.write_started - sent.due)));
      l.ack_rtt.record(us(r.completed - r.write_started));
    });
  }
  const auto answer = parse_webhook_answer(r.body);
  recorder_.update([&](Counters& c, Latencies&) {
    c.webhooks_acked += 1;
    if (!answer) {
      c.errors["webhook_unreadable_2xx"] += 1;
      return;
    }
    c.messages_stored += answer->accepted;
    c.duplicates_absorbed += answer->duplicates;
    if (answer->new_conversation) c.new_conversations += 1;
    // Both are daemon bugs: a retry stored twice, or a fresh event taken for a retry.
    if (sent.retry && answer->duplicates == 0) c.errors["retry_not_deduplicated"] += 1;
    if (!sent.retry && answer->duplicates > 0) c.errors["fresh_event_called_duplicate"] += 1;
  });
  if (sent.retry) return;
  if (!answer || answer->accepted == 0 || answer->conversation.empty()) {
    return tracker_.on_failed(sent.pick);
  }
  tracker_.on_stored(sent.pick, sent.request->tenant, answer->conversation, base, r.completed,
                     recorder_);
  if (retry_pool_.size() < kRetryPoolSize) {
    retry_pool_.push_back(sent.request);
  } else {
    retry_pool_[retry_pool_next_++ % kRetryPoolSize] = sent.request;
  }
}

}  // namespace sb::loadgen

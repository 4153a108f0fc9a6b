#include "bench/loadgen/operators.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "bench/loadgen/json_peek.h"

namespace sb::loadgen {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {
constexpr int kMaxReconnects = 10;
constexpr auto kReconnectDelay = std::chrono::milliseconds(200);

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::kConnect:
      return "connect";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kIo:
      return "io";
    case Failure::kNone:
      break;
  }
  return "none";
}

template <class F>
void after(net::io_context& ioc, std::chrono::milliseconds delay, F&& f) {
  auto timer = std::make_shared<net::steady_timer>(ioc, delay);
  timer->async_wait([timer, f = std::forward<F>(f)](const boost::system::error_code& ec) {
    if (!ec) f();
  });
}
}  // namespace

OperatorClient::OperatorClient(net::io_context& ioc, net::ip::tcp::endpoint server,
                               OperatorAccount account, OperatorBehaviour behaviour,
                               Tracker& tracker, Recorder& recorder, std::uint64_t seed)
    : ioc_(ioc),
      server_(server),
      account_(std::move(account)),
      behaviour_(behaviour),
      tracker_(tracker),
      recorder_(recorder),
      rng_(seed),
      api_(std::make_shared<HttpConn>(ioc, server, behaviour.timeout)) {}

Headers OperatorClient::auth() const {
  return {{"Authorization", "Bearer " + account_.token}, {"Content-Type", "application/json"}};
}

void OperatorClient::start(Ready ready) {
  ready_ = std::move(ready);
  open_stream();
}

void OperatorClient::open_stream() {
  ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
  beast::get_lowest_layer(*ws_).expires_after(behaviour_.timeout);
  beast::get_lowest_layer(*ws_).async_connect(
      server_, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->on_stream_lost("connect: " + ec.message());
        auto& ws = *self->ws_;
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws.set_option(websocket::stream_base::decorator(
            [token = self->account_.token](websocket::request_type& req) {
              req.set(beast::http::field::authorization, "Bearer " + token);
            }));
        // Resuming after a drop: replay what we missed, so no offer goes unseen.
        std::string target = "/v1/stream";
        if (self->last_seq_ > 0) target += "?since=" + std::to_string(self->last_seq_);
        ws.async_handshake(
            self->handshake_response_, "127.0.0.1", target, [self](beast::error_code hec) {
              if (hec) {
                return self->on_stream_lost("handshake: HTTP " +
                                            std::to_string(self->handshake_response_.result_int()) +
                                            " " + hec.message());
              }
              self->read_next();
            });
      });
}

void OperatorClient::read_next() {
  ws_->async_read(frame_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->on_stream_lost("read: " + ec.message());
    const auto data = self->frame_buffer_.cdata();
    self->on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    self->frame_buffer_.consume(self->frame_buffer_.size());
    self->read_next();
  });
}

void OperatorClient::on_stream_lost(const std::string& why) {
  if (finishing_) return;
  if (!online_) {
    if (ready_) std::exchange(ready_, nullptr)("operator " + account_.id + " stream " + why);
    return;
  }
  recorder_.error("operator_stream_lost");
  if (reconnects_++ >= kMaxReconnects) return;
  after(ioc_, kReconnectDelay, [self = shared_from_this()] {
    if (!self->finishing_) self->open_stream();
  });
}

void OperatorClient::on_frame(std::string_view text) {
  const auto arrived = Clock::now();
  auto frame = parse_stream_frame(text);
  if (!frame) return recorder_.error("bad_stream_frame");
  last_seq_ = std::max(last_seq_, frame->seq);
  if (frame->type == "stream.ready" && ready_ && !online_) {
    // Online only now: offers made from here on reach this stream.
    return set_status("online", [self = shared_from_this()](bool ok) {
      self->online_ = ok;
      if (self->ready_) {
        std::exchange(self->ready_, nullptr)(
            ok ? "" : "operator " + self->account_.id + ": PUT /v1/me/status failed");
      }
    });
  }
  if (frame->type != "conversation.offered" || frame->operator_id != account_.id) return;
  if (frame->conversation.empty()) return recorder_.error("offer_without_conversation");
  // Both clocks are this machine's wall clock: the daemon runs beside us.
  const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  recorder_.update([&](Counters& c, Latencies& l) {
    c.offers_received += 1;
    if (frame->at_ms >= 0) {
      const auto delivery_ms = std::max<std::int64_t>(0, wall_ms - frame->at_ms);
      l.offer_delivery.record(delivery_ms * 1000);
      if (delivery_ms >= kLateOfferMs) c.late_offers[account_.id] += 1;
    }
  });
  tracker_.on_offer(account_.tenant, frame->conversation, arrived, recorder_);
  work_on(frame->conversation);
}

std::chrono::milliseconds OperatorClient::jitter(std::chrono::milliseconds mean) {
  // People are not metronomes: uniform in [0.5, 1.5] x the mean.
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(mean.count()) * spread(rng_)));
}

void OperatorClient::work_on(const std::string& conversation) {
  auto self = shared_from_this();
  // The slot this conversation takes, as the loadgen sees it, until resolved or dropped.
  tracker_.hold(+1);
  auto release = [self] { self->tracker_.hold(-1); };
  after(ioc_, jitter(behaviour_.accept_think), [self, conversation, release] {
    self->act(conversation, "accept", "{}", [self, conversation, release](bool accepted) {
      if (!accepted) return release();
      self->act(conversation, "messages", R"({"text":"Hello! Let me check that for you."})",
                [self, conversation, release](bool replied) {
                  if (!replied) return release();
                  after(self->ioc_, self->jitter(self->behaviour_.resolve_think),
                        [self, conversation, release] {
                          self->act(conversation, "resolve", "{}",
                                    [self, conversation, release](bool resolved) {
                                      if (resolved)
                                        self->tracker_.on_resolved(self->account_.tenant,
                                                                   conversation);
                                      release();
                                    });
                        });
                });
    });
  });
}

void OperatorClient::act(const std::string& conversation, const std::string& action,
                         std::string body, std::function<void(bool)> then) {
  if (finishing_) return;
  HttpCall call{beast::http::verb::post, "/v1/conversations/" + conversation + "/" + action,
                std::move(body), auth()};
  api_->send(
      std::move(call), [self = shared_from_this(), action, then = std::move(then)](HttpResult&& r) {
        if (r.failure != Failure::kNone) {
          self->recorder_.error(std::string("operator_") + failure_name(r.failure));
          return then(false);
        }
        if (r.status != 200 && r.status != 201) {
          // 409 on accept: the offer expired or moved on before we answered.
          self->recorder_.error(action + "_http_" + std::to_string(r.status));
          return then(false);
        }
        const auto rtt =
            std::chrono::duration_cast<std::chrono::microseconds>(r.completed - r.write_started)
                .count();
        self->recorder_.update([&](Counters& c, Latencies& l) {
          if (action == "accept") {
            c.accepted += 1;
            l.accept_rtt.record(rtt);
          } else if (action == "messages") {
            c.replied += 1;
            l.reply_rtt.record(rtt);
          } else {
            c.resolved += 1;
            l.resolve_rtt.record(rtt);
          }
        });
        then(true);
      });
}

void OperatorClient::set_status(const std::string& status, std::function<void(bool)> then) {
  HttpCall call{beast::http::verb::put, "/v1/me/status", R"({"status":")" + status + R"("})",
                auth()};
  api_->send(std::move(call), [then = std::move(then)](HttpResult&& r) {
    then(r.failure == Failure::kNone && r.status == 200);
  });
}

void OperatorClient::finish(std::function<void()> done) {
  finishing_ = true;
  set_status("offline", [self = shared_from_this(), done = std::move(done)](bool) {
    if (!self->ws_ || !self->ws_->is_open()) return done();
    self->ws_->async_close(websocket::close_code::normal,
                           [self, done](beast::error_code) { done(); });
  });
}

}  // namespace sb::loadgen

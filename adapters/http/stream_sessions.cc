#include "adapters/http/stream_sessions.h"

#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "adapters/deferred_post.h"
#include "adapters/http/message.h"
#include "proto/json_writer.h"

namespace sb::http::detail {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

namespace {

// What both kinds share: a bounded queue of encoded frames written one at a
// time on the connection's I/O thread. `pending_` is counted before posting, so a
// slow reader cannot make us buffer more than the limit, however fast frames
// arrive.
template <class Derived>
class QueuedSink : public StreamSink, public std::enable_shared_from_this<Derived> {
 public:
  QueuedSink(std::shared_ptr<StreamSource> source, StreamLimits limits)
      : source_(std::move(source)), limits_(limits) {}

  bool send(std::uint64_t seq, std::string json) override {
    if (closed_.load(std::memory_order_acquire)) return false;
    std::string wire = self().encode(seq, json);
    const auto size = wire.size();
    if (pending_.fetch_add(size, std::memory_order_acq_rel) + size > limits_.send_buffer_bytes) {
      pending_.fetch_sub(size, std::memory_order_acq_rel);
      close("slow consumer: send buffer full; reconnect with ?since=<last seq>");
      return false;
    }
    // Frames and closes are often handed over from a shard thread amid a
    // group commit: gathered there, in order (adapters/deferred_post.h).
    adapters::DeferredPosts::post(
        self().executor(), [me = this->shared_from_this(), wire = std::move(wire)]() mutable {
          me->enqueue(std::move(wire));
        });
    return true;
  }

  void post(std::function<void()> fn) override {
    adapters::DeferredPosts::post(self().executor(), std::move(fn));
  }

  void close(std::string reason) override {
    if (closed_.exchange(true, std::memory_order_acq_rel)) return;
    adapters::DeferredPosts::post(self().executor(),
                                  [me = this->shared_from_this(), reason = std::move(reason)] {
                                    me->self().do_close(reason);
                                  });
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  // Frames of our own (heartbeats, the close event) are counted like others.
  void push(std::string wire) {
    pending_.fetch_add(wire.size(), std::memory_order_acq_rel);
    enqueue(std::move(wire));
  }

  void enqueue(std::string wire) {
    if (finished_) {
      pending_.fetch_sub(wire.size(), std::memory_order_acq_rel);
      return;
    }
    queue_.push_back(std::move(wire));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty() || finished_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    self().async_write_frame(
        queue_.front(), [me = this->shared_from_this()](beast::error_code ec, std::size_t) {
          me->pending_.fetch_sub(me->queue_.front().size(), std::memory_order_acq_rel);
          me->queue_.pop_front();
          if (ec) return me->finish();
          me->write_next();
        });
  }

  // The connection is gone: tell the source once, and let go of it. The
  // source holds this sink, so keeping it would keep both alive, and with
  // them the socket and the connection's slot, for the daemon's lifetime.
  void finish() {
    if (finished_) return;
    finished_ = true;
    closed_.store(true, std::memory_order_release);
    auto source = std::move(source_);
    source->stop();
  }

  std::shared_ptr<StreamSource> source_;
  StreamLimits limits_;

 public:
  std::shared_ptr<void> guard_;  // counts this connection while it lives

 protected:
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> pending_{0};
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool finished_ = false;
};

// `Stream`: beast::tcp_stream, or TlsStream after the TLS handshake (wss).
template <class Stream>
class WebSocketSession final : public QueuedSink<WebSocketSession<Stream>> {
  using bhttp_request = beast::http::request<beast::http::string_body>;
  using Base = QueuedSink<WebSocketSession<Stream>>;
  using Base::closed_;
  using Base::finished_;
  using Base::limits_;
  using Base::shared_from_this;
  using Base::source_;

 public:
  WebSocketSession(Stream&& stream, std::shared_ptr<StreamSource> source, StreamLimits limits)
      : Base(std::move(source), limits), ws_(std::move(stream)) {}

  void run(bhttp_request&& upgrade) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own timeouts
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = limits_.heartbeat * 2;  // no traffic, not even a pong: drop it
    t.keep_alive_pings = true;               // we ping at idle_timeout / 2
    ws_.set_option(t);
    limit_client_messages(ws_, limits_);
    ws_.text(true);
    ws_.async_accept(upgrade, [me = shared_from_this()](beast::error_code ec) {
      if (ec || me->finished_) return me->finish();
      me->source_->start(me);
      me->do_read();
    });
  }

  net::any_io_executor executor() { return ws_.get_executor(); }
  std::string encode(std::uint64_t, std::string& json) { return std::move(json); }

  template <class Handler>
  void async_write_frame(const std::string& wire, Handler&& h) {
    ws_.async_write(net::buffer(wire), std::forward<Handler>(h));
  }

  void do_close(const std::string& reason,
                websocket::close_code code = websocket::close_code::policy_error) {
    if (finished_) return;
    websocket::close_reason cr(code);
    cr.reason = reason.substr(0, 120);  // a close frame's reason must fit 123 bytes
    ws_.async_close(cr, [me = shared_from_this()](beast::error_code) { me->finish(); });
  }

 private:
  void do_read() {
    ws_.async_read(in_, [me = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || me->finished_) return me->finish();  // finished: the source is gone
      auto message = beast::buffers_to_string(me->in_.data());
      if (me->ws_.got_text() && !sb::http::is_valid_utf8(message)) {
        // RFC 6455 7.4.1: 1007 for a text message that is not UTF-8.
        if (!me->closed_.exchange(true, std::memory_order_acq_rel)) {
          me->do_close("text message is not UTF-8", websocket::close_code::bad_payload);
        }
        return;
      }
      me->source_->on_client_message(std::move(message));
      me->in_.consume(me->in_.size());
      me->do_read();
    });
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer in_;
};

// `Stream`: beast::tcp_stream, or TlsStream after the TLS handshake.
template <class Stream>
class SseSession final : public QueuedSink<SseSession<Stream>> {
  using Base = QueuedSink<SseSession<Stream>>;
  using Base::finished_;
  using Base::limits_;
  using Base::push;
  using Base::shared_from_this;
  using Base::source_;

 public:
  SseSession(Stream&& stream, std::shared_ptr<StreamSource> source, StreamLimits limits)
      : Base(std::move(source), limits),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()) {}

  void run() {
    tcp().expires_never();
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nServer: switchboard\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
        // A page of another origin may read a stream: it needs a token anyway
        // (website chat visitors' EventSource, operator frontends).
        "Access-Control-Allow-Origin: *\r\n\r\n"
        "retry: 1000\n\n");
    net::async_write(stream_, net::buffer(*head),
                     [me = shared_from_this(), head](beast::error_code ec, std::size_t) {
                       if (ec || me->finished_) return me->finish();
                       me->source_->start(me);
                       me->watch_peer();
                       me->heartbeat();
                     });
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  std::string encode(std::uint64_t seq, const std::string& json) {
    std::string wire = "id: " + std::to_string(seq) + "\ndata: ";
    wire += json;  // frames are single-line JSON
    wire += "\n\n";
    return wire;
  }

  template <class Handler>
  void async_write_frame(const std::string& wire, Handler&& h) {
    tcp().expires_after(limits_.heartbeat * 2);  // a writer stuck that long is gone
    net::async_write(stream_, net::buffer(wire), std::forward<Handler>(h));
  }

  void do_close(const std::string& reason) {
    std::string event = "event: close\ndata: {\"type\":\"stream.closed\",\"reason\":";
    proto::append_json_string(event, reason);
    event += "}\n\n";
    push(std::move(event));
    closing_ = true;
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([me = shared_from_this()](beast::error_code) {
      beast::error_code ec;
      me->tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
      me->tcp().close();
      me->finish();
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // SSE clients send nothing after the request: a read completing means the
  // peer closed (or misbehaves); either way the stream ends. Plain TCP reads
  // the socket itself (no stream timeout on this read); TLS must read through
  // the TLS layer, which is started while the stream has no timeout either.
  void watch_peer() {
    auto on_read = [me = shared_from_this()](beast::error_code, std::size_t) {
      me->timer_.cancel();
      me->finish();
    };
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().async_read_some(net::buffer(scratch_), std::move(on_read));
    } else {
      stream_.async_read_some(net::buffer(scratch_), std::move(on_read));
    }
  }

  void heartbeat() {
    timer_.expires_after(limits_.heartbeat);
    timer_.async_wait([me = shared_from_this()](beast::error_code ec) {
      if (ec || me->finished_ || me->closing_) return;
      me->push(": ping\n\n");
      me->heartbeat();
    });
  }

  Stream stream_;
  net::steady_timer timer_;
  std::array<char, 256> scratch_{};
  bool closing_ = false;
};

template <class Stream>
void start_websocket_on(Stream&& stream, beast::http::request<beast::http::string_body>&& upgrade,
                        std::shared_ptr<StreamSource> source, StreamLimits limits,
                        std::shared_ptr<void> guard) {
  auto s = std::make_shared<WebSocketSession<Stream>>(std::move(stream), std::move(source), limits);
  s->guard_ = std::move(guard);
  s->run(std::move(upgrade));
}

template <class Stream>
void start_sse_on(Stream&& stream, std::shared_ptr<StreamSource> source, StreamLimits limits,
                  std::shared_ptr<void> guard) {
  auto s = std::make_shared<SseSession<Stream>>(std::move(stream), std::move(source), limits);
  s->guard_ = std::move(guard);
  s->run();
}

}  // namespace

void start_websocket(beast::tcp_stream&& stream,
                     beast::http::request<beast::http::string_body>&& upgrade,
                     std::shared_ptr<StreamSource> source, StreamLimits limits,
                     std::shared_ptr<void> guard) {
  start_websocket_on(std::move(stream), std::move(upgrade), std::move(source), limits,
                     std::move(guard));
}

void start_sse(beast::tcp_stream&& stream, std::shared_ptr<StreamSource> source,
               StreamLimits limits, std::shared_ptr<void> guard) {
  start_sse_on(std::move(stream), std::move(source), limits, std::move(guard));
}

void start_websocket(TlsStream&& stream, beast::http::request<beast::http::string_body>&& upgrade,
                     std::shared_ptr<StreamSource> source, StreamLimits limits,
                     std::shared_ptr<void> guard) {
  start_websocket_on(std::move(stream), std::move(upgrade), std::move(source), limits,
                     std::move(guard));
}

void start_sse(TlsStream&& stream, std::shared_ptr<StreamSource> source, StreamLimits limits,
               std::shared_ptr<void> guard) {
  start_sse_on(std::move(stream), std::move(source), limits, std::move(guard));
}

}  // namespace sb::http::detail

#include "adapters/http/server.h"

#include "adapters/http/request_parser.h"
#include "adapters/http/stream_sessions.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <array>
#include <optional>
#include <thread>
#include <vector>

namespace sb::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  ServerOptions opts;
  HttpHandler& handler;
  // Declared before the io_context: sessions destroyed with it still count down.
  std::atomic<std::int64_t> connections{0};
  std::atomic<std::uint64_t> rejected{0};
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<std::int64_t> in_flight{0};
  std::uint16_t bound_port = 0;

  Impl(ServerOptions o, HttpHandler& h)
      : opts(std::move(o)),
        handler(h),
        ioc(opts.io_threads),
        work(net::make_work_guard(ioc)),
        acceptor(net::make_strand(ioc)) {}

  void do_accept();
};

namespace {

// One connection. Reads a request, hands it to the handler, writes the answer
// when the Responder is called (possibly from a shard thread: it is posted
// back onto this session's strand), then reads the next one.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `guard` counts the connection until the last owner (this session, or the
  // stream session it becomes) lets go of it.
  Session(tcp::socket&& socket, HttpServer::Impl& server, std::shared_ptr<void> guard)
      : stream_(std::move(socket)), server_(server), guard_(std::move(guard)) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    detail::start_request(parser_, server_.opts.body_limit, server_.opts.header_limit);
    stream_.expires_after(server_.opts.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return do_close();
    }
    if (ec == beast::error::timeout) {
      server_.handler.on_rejected(408);
      return;  // the stream already closed the socket
    }
    if (ec == bhttp::error::body_limit) {
      server_.handler.on_rejected(413);
      return send_and_close(json_error(413, "body_too_large", "request body exceeds the limit"));
    }
    if (ec == bhttp::error::header_limit) {
      server_.handler.on_rejected(431);
      return send_and_close(json_error(431, "headers_too_large", "request headers exceed the limit"));
    }
    if (ec) {
      if (detail::is_http_parse_error(ec)) {
        server_.handler.on_rejected(400);
        return send_and_close(json_error(400, "bad_request", "malformed HTTP request: " + ec.message()));
      }
      return do_close();
    }

    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    if (boost::beast::websocket::is_upgrade(msg)) {
      upgrade_ = msg;  // headers only: the handshake is answered if the route streams
    }
    HttpRequest req = detail::to_http_request(msg);
    beast::error_code ep_ec;
    auto ep = stream_.socket().remote_endpoint(ep_ec);
    if (!ep_ec) req.remote = ep.address().to_string();

    stream_.expires_never();  // the handler's latency is not the client's fault
    server_.in_flight.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    server_.handler.handle(std::move(req), [self](HttpResponse r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        self->server_.in_flight.fetch_sub(1, std::memory_order_relaxed);
        self->send(std::move(r), !self->keep_alive_ ||
                                     self->server_.draining.load(std::memory_order_relaxed));
      });
    });
  }

  // Errors are answered before the client finished sending (a body over the
  // limit): close gracefully and discard what still arrives for a moment, so
  // that the peer reads our answer instead of a connection reset.
  void send_and_close(HttpResponse r) {
    lingering_ = true;
    send(std::move(r), true);
  }

  void linger() {
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->linger();
                            });
  }

  void send(HttpResponse r, bool close) {
    if (r.stream) {
      // The connection leaves HTTP: it becomes a WebSocket or an SSE stream.
      detail::StreamLimits limits;
      limits.send_buffer_bytes = server_.opts.stream_send_buffer;
      // Cap what the kernel buffers for this connection too: the limit is
      // about memory, and a socket's own buffer can grow to megabytes.
      beast::error_code ec;
      stream_.socket().set_option(
          net::socket_base::send_buffer_size(static_cast<int>(limits.send_buffer_bytes)), ec);
      limits.heartbeat = server_.opts.stream_heartbeat;
      if (upgrade_) {
        detail::start_websocket(std::move(stream_), std::move(*upgrade_), std::move(r.stream), limits,
                                guard_);
      } else {
        detail::start_sse(std::move(stream_), std::move(r.stream), limits, guard_);
      }
      return;
    }
    upgrade_.reset();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "switchboard");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(!close);
    res->prepare_payload();
    stream_.expires_after(server_.opts.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, close](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         if (close) return self->do_close();
                         self->do_read();
                       });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (lingering_) linger();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  HttpServer::Impl& server_;
  bool keep_alive_ = false;
  bool lingering_ = false;
  std::optional<bhttp::request<bhttp::string_body>> upgrade_;
  std::shared_ptr<void> guard_;
  std::array<char, 4096> scratch_{};
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && !draining.load(std::memory_order_relaxed)) {
      if (connections.load(std::memory_order_relaxed) >= static_cast<std::int64_t>(opts.max_connections)) {
        rejected.fetch_add(1, std::memory_order_relaxed);
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: refuse early, before any work
      } else {
        connections.fetch_add(1, std::memory_order_relaxed);
        // Frames and small responses go out at once: with Nagle's algorithm a
        // frame queued behind an unacknowledged one waits for the peer's
        // delayed ACK (~40 ms), which showed in the webhook-to-offer tail.
        beast::error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        std::shared_ptr<void> guard(static_cast<void*>(this), [](void* p) {
          static_cast<Impl*>(p)->connections.fetch_sub(1, std::memory_order_relaxed);
        });
        std::make_shared<Session>(std::move(socket), *this, std::move(guard))->run();
      }
    }
    do_accept();
  });
}

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() { shutdown(); }

Status HttpServer::start() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->opts.host, ec);
  if (ec) return Status::invalid("bad listen address '" + impl_->opts.host + "': " + ec.message());
  tcp::endpoint ep(addr, impl_->opts.port);
  auto& a = impl_->acceptor;
  if (a.open(ep.protocol(), ec); ec) return Status::io_error("open: " + ec.message());
  if (a.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return Status::io_error("reuse_address: " + ec.message());
  }
  if (a.bind(ep, ec); ec) return Status::io_error("bind " + impl_->opts.host + ": " + ec.message());
  if (a.listen(net::socket_base::max_listen_connections, ec); ec) {
    return Status::io_error("listen: " + ec.message());
  }
  impl_->bound_port = a.local_endpoint().port();
  impl_->do_accept();
  const int n = impl_->opts.io_threads < 1 ? 1 : impl_->opts.io_threads;
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return Status::ok();
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::wait_for_signal(const std::function<void()>& on_signal) {
  net::io_context sig_ioc;
  net::signal_set signals(sig_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& ec, int) {
    if (!ec) on_signal();
  });
  sig_ioc.run();
}

void HttpServer::stop_accepting() {
  impl_->draining.store(true);
  net::dispatch(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
}

std::int64_t HttpServer::in_flight() const { return impl_->in_flight.load(); }
std::int64_t HttpServer::connections() const { return impl_->connections.load(); }
std::uint64_t HttpServer::rejected_connections() const { return impl_->rejected.load(); }

void HttpServer::shutdown() {
  if (impl_->threads.empty()) return;
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace sb::http

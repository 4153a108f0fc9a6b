#include "adapters/http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "adapters/deferred_post.h"
#include "adapters/http/request_parser.h"
#include "adapters/http/response_head.h"
#include "adapters/http/stream_sessions.h"
#include "proto/thread_name.h"

namespace sb::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  ServerOptions opts;
  HttpHandler& handler;
  // Declared before the io_context: sessions destroyed with it still count down.
  std::atomic<std::int64_t> connections{0};
  std::atomic<std::uint64_t> rejected{0};
  // One io_context per I/O thread (a session lives on one for its whole life,
  // so its handlers never race without a strand). One shared io_context run
  // by several threads cost a futex wake per posted answer: the idle thread
  // waits on a condition variable that every post signals.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::atomic<std::size_t> next_ioc{0};
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<std::int64_t> in_flight{0};
  std::uint16_t bound_port = 0;
  std::unique_ptr<ssl::context> tls;  // set by start() when HTTPS is configured

  Impl(ServerOptions o, HttpHandler& h)
      : opts(std::move(o)), handler(h), iocs(make_iocs(opts.io_threads)), acceptor(*iocs[0]) {
    for (auto& ioc : iocs) work.push_back(net::make_work_guard(*ioc));
  }

  static std::vector<std::unique_ptr<net::io_context>> make_iocs(int n) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (int i = 0; i < (n < 1 ? 1 : n); ++i) v.push_back(std::make_unique<net::io_context>(1));
    return v;
  }

  // Connections are spread round-robin over the I/O threads.
  net::io_context& pick_ioc() {
    return *iocs[next_ioc.fetch_add(1, std::memory_order_relaxed) % iocs.size()];
  }

  void do_accept();
};

namespace {

// An answer of the HTTP layer itself (malformed request, body or headers over
// the limit), sent before any route saw the request. Any page may read it:
// it carries nothing but the reason, and a browser client (the website chat)
// would otherwise see an opaque network error instead of e.g. body_too_large.
HttpResponse rejection(int status, std::string_view code, std::string_view message) {
  auto r = json_error(status, code, message);
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

// One connection. Reads a request, hands it to the handler, writes the answer
// when the Responder is called (possibly from a shard thread: it is posted
// back onto this session's I/O thread), then reads the next one.
// `Stream` is beast::tcp_stream (plain HTTP) or detail::TlsStream (HTTPS: the
// TLS handshake comes first, under the read timeout; a failed one, e.g. a
// plain-HTTP client, closes the connection without an answer).
constexpr std::size_t kReadBufferBytes = 4096;
// The most of an answer's buffer a connection keeps for the next answer.
constexpr std::size_t kKeptAnswerBytes = kReadBufferBytes;

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  // `guard` counts the connection until the last owner (this session, or the
  // stream session it becomes) lets go of it.
  Session(Stream&& stream, HttpServer::Impl& server, std::shared_ptr<void> guard)
      : stream_(std::move(stream)), server_(server), guard_(std::move(guard)) {
    // Beast reads max(512, free capacity) bytes at a time: with its default
    // 512-byte start, every ~700-byte webhook took two recvmsg calls. 4 KiB
    // holds a typical webhook in one read (40 MiB at 10,000 connections).
    buffer_.reserve(kReadBufferBytes);
    buffer_.max_size(detail::connection_buffer_limit(server_.opts.header_limit));
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_handshake, shared_from_this()));
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void do_handshake() {
    if constexpr (kTls) {
      tcp().expires_after(server_.opts.read_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
    } else {
      do_read();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      tcp().socket().close(ignored);
      return;
    }
    do_read();
  }

  void do_read() {
    http10_ = false;  // until the next request says otherwise (a malformed one says nothing)
    head_request_ = false;
    detail::start_request(parser_, server_.opts.body_limit, server_.opts.header_limit);
    tcp().expires_after(server_.opts.read_timeout);
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
      return send_and_close(rejection(413, "body_too_large", "request body exceeds the limit"));
    }
    if (ec == bhttp::error::header_limit) {
      server_.handler.on_rejected(431);
      return send_and_close(
          rejection(431, "headers_too_large", "request headers exceed the limit"));
    }
    if (ec) {
      if (detail::is_http_parse_error(ec)) {
        server_.handler.on_rejected(400);
        return send_and_close(
            rejection(400, "bad_request", "malformed HTTP request: " + ec.message()));
      }
      return do_close();
    }

    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    http10_ = msg.version() == 10;
    head_request_ = msg.method() == bhttp::verb::head;
    if (const auto bad = detail::framing_error(msg); !bad.empty()) {
      server_.handler.on_rejected(400);
      return send_and_close(
          rejection(400, "bad_request", "malformed HTTP request: " + std::string(bad)));
    }
    if (boost::beast::websocket::is_upgrade(msg)) {
      upgrade_ = msg;  // headers only: the handshake is answered if the route streams
    }
    HttpRequest req = detail::to_http_request(msg);
    if (!remote_known_) {  // once per connection, not a getpeername() per request
      remote_known_ = true;
      beast::error_code ep_ec;
      auto ep = tcp().socket().remote_endpoint(ep_ec);
      if (!ep_ec) remote_ = ep.address().to_string();
    }
    req.remote = remote_;

    tcp().expires_never();  // the handler's latency is not the client's fault
    server_.in_flight.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    server_.handler.handle(std::move(req), [self](HttpResponse r) {
      // Usually called on a shard thread amid a group commit's completions.
      adapters::DeferredPosts::post(
          self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
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

  // Over TLS this reads the raw socket: after our close_notify only the
  // discarded bytes matter.
  void linger() {
    tcp().expires_after(std::chrono::seconds(2));
    tcp().async_read_some(net::buffer(scratch_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (!ec) self->linger();
                          });
  }

  void send(HttpResponse r, bool close) {
    // The Responder is called exactly once per request (message.h); a second
    // answer while one is being written would reuse its buffer under it.
    if (writing_) return;
    if (r.stream) {
      // The connection leaves HTTP: it becomes a WebSocket or an SSE stream.
      detail::StreamLimits limits;
      limits.send_buffer_bytes = server_.opts.stream_send_buffer;
      // Cap what the kernel buffers for this connection too: the limit is
      // about memory, and a socket's own buffer can grow to megabytes.
      beast::error_code ec;
      tcp().socket().set_option(
          net::socket_base::send_buffer_size(static_cast<int>(limits.send_buffer_bytes)), ec);
      limits.heartbeat = server_.opts.stream_heartbeat;
      if (upgrade_) {
        detail::start_websocket(std::move(stream_), std::move(*upgrade_), std::move(r.stream),
                                limits, guard_);
      } else {
        detail::start_sse(std::move(stream_), std::move(r.stream), limits, guard_);
      }
      return;
    }
    upgrade_.reset();
    // One buffer, head and body: one send for the usual short answer. (Not
    // a std::array of the two: over TLS, Boost 1.81's async_write then ends
    // after the head of an answer over 16 KiB; docs/performance-history.md,
    // session 15.)
    detail::Framing framing;
    framing.close = close;
    framing.keep_alive = !close && http10_;
    framing.head = head_request_;
    if (detail::write_response_head(r, framing, out_)) out_.append(r.body);
    writing_ = true;
    tcp().expires_after(server_.opts.read_timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       // A large answer (a long conversation) does not stay
                       // allocated for the rest of a keep-alive connection.
                       if (self->out_.capacity() > kKeptAnswerBytes) std::string().swap(self->out_);
                       if (ec) return;
                       if (close) return self->do_close();
                       self->do_read();
                     });
  }

  // TLS first sends its close_notify (and waits briefly for the peer's).
  void do_close() {
    if constexpr (kTls) {
      if (!tls_closed_) {
        tls_closed_ = true;
        tcp().expires_after(std::chrono::seconds(2));
        stream_.async_shutdown(
            [self = shared_from_this()](beast::error_code) { self->do_close(); });
        return;
      }
    }
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (lingering_) linger();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  HttpServer::Impl& server_;
  bool keep_alive_ = false;
  bool http10_ = false;        // the current request's version: 1.0 is told keep-alive
  bool head_request_ = false;  // the current request is HEAD: its answer goes without a body
  bool writing_ = false;       // out_ is being written
  bool remote_known_ = false;
  std::string remote_;
  bool lingering_ = false;
  bool tls_closed_ = false;
  std::optional<bhttp::request<bhttp::string_body>> upgrade_;
  // The answer being written: at most one at a time per connection (the next
  // request is read only once it is out). Its capacity is reused.
  std::string out_;
  std::shared_ptr<void> guard_;
  std::array<char, 4096> scratch_{};
};

// HTTPS: TLS 1.2 and 1.3 only; for 1.2 forward-secret AEAD suites (1.3's are
// all such); no renegotiation or compression; the server's preference.
// Encrypted keys are refused (no passphrase prompt on a daemon's terminal).
Status load_tls_context(const ServerOptions& o, std::unique_ptr<ssl::context>& out) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return Status::ok();
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return Status::invalid("TLS needs both a certificate file and a key file");
  }
  for (const auto* path : {&o.tls_cert_file, &o.tls_key_file}) {
    if (::access(path->c_str(), R_OK) != 0) {
      return Status::invalid("cannot read " + *path + ": " + std::strerror(errno));
    }
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (ec ||
      SSL_CTX_set_cipher_list(native,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    return Status::invalid("TLS context set-up failed");
  }
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  if (ctx->use_certificate_chain_file(o.tls_cert_file, ec); ec) {
    return Status::invalid("certificate " + o.tls_cert_file + " (PEM expected): " + ec.message());
  }
  if (ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec); ec) {
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
      return Status::invalid("private key " + o.tls_key_file + " does not match certificate " +
                             o.tls_cert_file);
    }
    return Status::invalid("private key " + o.tls_key_file +
                           " (unencrypted PEM expected): " + ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Status::invalid("private key " + o.tls_key_file + " does not match certificate " +
                           o.tls_cert_file);
  }
  out = std::move(ctx);
  return Status::ok();
}

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(
      pick_ioc().get_executor(), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec && !draining.load(std::memory_order_relaxed)) {
          if (connections.load(std::memory_order_relaxed) >=
              static_cast<std::int64_t>(opts.max_connections)) {
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
            if (tls) {
              std::make_shared<Session<detail::TlsStream>>(
                  detail::TlsStream(std::move(socket), *tls), *this, std::move(guard))
                  ->run();
            } else {
              std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                           *this, std::move(guard))
                  ->run();
            }
          }
        }
        do_accept();
      });
}

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() { shutdown(); }

Status HttpServer::start() {
  if (auto st = load_tls_context(impl_->opts, impl_->tls); !st.is_ok()) return st;
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
  for (std::size_t i = 0; i < impl_->iocs.size(); ++i) {
    impl_->threads.emplace_back([ioc = impl_->iocs[i].get(), i] {
      proto::name_this_thread("sb-io-" + std::to_string(i));
      ioc->run();
    });
  }
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
  impl_->work.clear();
  for (auto& ioc : impl_->iocs) ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace sb::http

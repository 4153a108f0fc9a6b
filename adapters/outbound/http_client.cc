#include "adapters/outbound/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include "adapters/http/message.h"
#include "adapters/outbound/connection_pool.h"
#include "proto/thread_name.h"

namespace sb::outbound {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Done = std::function<void(Result<OutboundResponse>)>;

namespace {

bool is_ctl_or_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// RFC 9110 token characters, for header names.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Status bad_url(std::string_view why) { return Status::invalid("bad URL: " + std::string(why)); }

}  // namespace

// Errors never quote the URL: its path may hold a token.
Result<Url> parse_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad_url("expected http:// or https://");
  const std::string scheme = http::ascii_lower(url.substr(0, sep));
  Url u;
  if (scheme == "https") {
    u.tls = true;
    u.port = 443;
  } else if (scheme == "http") {
    u.port = 80;
  } else {
    return bad_url("scheme must be http or https");
  }
  const auto rest = url.substr(sep + 3);
  for (char c : rest) {
    if (is_ctl_or_space(c)) return bad_url("contains a space or a control character");
  }
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  auto tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad_url("user info is not supported");

  std::string_view host, port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    for (char c : host) {
      if (!is_ipv6_char(c)) return bad_url("invalid IPv6 literal");
    }
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad_url("junk after the IPv6 literal");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    for (char c : host) {
      if (!is_host_char(c)) return bad_url("invalid character in the host");
    }
  }
  if (host.empty()) return bad_url("no host");
  if (has_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return bad_url("port must be a number from 1 to 65535");
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  u.host = std::string(host);
  tail = tail.substr(0, tail.find('#'));
  if (tail.empty())
    u.target = "/";
  else if (tail.front() == '?')
    u.target = "/" + std::string(tail);
  else
    u.target = std::string(tail);
  return u;
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void abort() = 0;
};

// Idle connections are kept this long at most, and this many per origin:
// platforms' servers keep idle connections for a minute or more (nginx's
// default is 75 s), and replies to one channel rarely need more at once.
constexpr std::chrono::seconds kMaxIdle{30};
constexpr std::size_t kMaxIdlePerOrigin = 16;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct HttpClient::Impl {
  HttpClientOptions opts;
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> live;  // client thread only
  std::uint64_t next_id = 0;                                 // client thread only
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work{net::make_work_guard(ioc)};
  ssl::context tls{ssl::context::tls_client};
  // Declared after ioc and tls: destroyed before them (their sockets and SSL
  // objects belong to those).
  ConnectionPool<PlainStream> plain_pool{kMaxIdlePerOrigin, kMaxIdle};  // client thread only
  ConnectionPool<TlsStream> tls_pool{kMaxIdlePerOrigin, kMaxIdle};      // client thread only
  template <bool kTls>
  auto& pool() {
    if constexpr (kTls) {
      return tls_pool;
    } else {
      return plain_pool;
    }
  }
  Status tls_status;  // non-ok: every https request fails with it
  HttpClientStats stats;
  std::mutex mu;  // orders send() against stop()
  std::atomic<bool> stopping{false};
  std::mutex join_mu;
  std::thread thread;

  explicit Impl(HttpClientOptions o) : opts(std::move(o)) {
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    if (!opts.verify_peer) {
      tls.set_verify_mode(ssl::verify_none, ec);
    } else if (tls.set_verify_mode(ssl::verify_peer, ec); !ec) {
      tls.set_default_verify_paths(ec);
      if (!ec && !opts.ca_file.empty()) tls.load_verify_file(opts.ca_file, ec);
    }
    if (ec) tls_status = Status::invalid("TLS set-up failed: " + ec.message());
  }

  void start(OutboundRequest r, Clock::time_point deadline, Done done);
  void abort_all() {
    std::vector<std::shared_ptr<SessionBase>> sessions;
    for (auto& [id, w] : live) {
      if (auto s = w.lock()) sessions.push_back(std::move(s));
    }
    for (auto& s : sessions) s->abort();
    plain_pool.clear();
    tls_pool.clear();
  }
};

namespace {

// One request: on an idle pooled connection to the origin, or on a new one
// (resolve, connect, [TLS handshake]); then write, read, and give the
// connection back to the pool or close it. Runs on the client's single
// thread, so it needs no strand.
template <bool kTls>
class Session : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, TlsStream, PlainStream>;

 public:
  Session(HttpClient::Impl& client, Url url, bhttp::request<bhttp::string_body> req,
          Clock::time_point deadline, std::chrono::milliseconds timeout, Done done)
      : client_(client),
        url_(std::move(url)),
        req_(std::move(req)),
        deadline_(deadline),
        timeout_(timeout),
        done_(std::move(done)),
        origin_(std::string(url_.tls ? "https://" : "http://") + where()),
        resolver_(client.ioc),
        resolve_timer_(client.ioc) {}

  void run() {
    id_ = client_.next_id++;
    client_.live.emplace(id_, this->weak_from_this());
    if ((stream_ = client_.template pool<kTls>().take(origin_, Clock::now()))) {
      reused_ = true;
      client_.stats.reused.fetch_add(1, std::memory_order_relaxed);
      return do_write();
    }
    stream_ = make_stream(client_);
    do_resolve();
  }

  void abort() override { finish(Status::unavailable("HTTP client stopped")); }

 private:
  static std::unique_ptr<Stream> make_stream(HttpClient::Impl& client) {
    if constexpr (kTls) {
      return std::make_unique<Stream>(client.ioc, client.tls);
    } else {
      return std::make_unique<Stream>(client.ioc);
    }
  }

  std::string where() const {
    const bool v6 = url_.host.find(':') != std::string::npos;
    return (v6 ? "[" + url_.host + "]" : url_.host) + ":" + std::to_string(url_.port);
  }

  // The resolver has no deadline of its own: a timer finishes the request
  // (a lookup already running in the background still has to return).
  void do_resolve() {
    resolve_timer_.expires_at(deadline_);
    resolve_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->done_) return;
      self->resolver_.cancel();
      self->fail(beast::error::timeout, "resolve");
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        beast::bind_front_handler(&Session::on_resolve, this->shared_from_this()));
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (!done_) return;
    resolve_timer_.cancel();
    if (ec) return fail(ec, "resolve");
    if (!arm("connect")) return;
    beast::get_lowest_layer(*stream_).async_connect(
        results, beast::bind_front_handler(&Session::on_connect, this->shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (!done_) return;
    if (ec) return fail(ec, "connect to");
    client_.stats.connections_opened.fetch_add(1, std::memory_order_relaxed);
    if constexpr (kTls) {
      do_handshake();
    } else {
      do_write();
    }
  }

  // OpenSSL checks the name during verification (SSL_set1_host semantics), so
  // a mismatch is reported as such ("hostname mismatch"), not as a bare failure.
  void do_handshake() {
    SSL* ssl = stream_->native_handle();
    beast::error_code ip_ec;
    net::ip::make_address(url_.host, ip_ec);
    const bool is_ip = !ip_ec;
    // SNI carries host names only (RFC 6066).
    bool ok = is_ip || SSL_set_tlsext_host_name(ssl, url_.host.c_str()) == 1;
    if (ok && client_.opts.verify_peer) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) == 1
                 : X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), 0) == 1;
    }
    if (!ok) return finish(Status{Code::kInternal, "cannot set up TLS for " + where()});
    if (!arm("TLS handshake")) return;
    stream_->async_handshake(ssl::stream_base::client,
                             [self = this->shared_from_this()](beast::error_code ec) {
                               if (!self->done_) return;
                               if (ec) return self->fail(ec, "TLS handshake with");
                               self->do_write();
                             });
  }

  // Why verification failed, e.g. ": self-signed certificate"; "" otherwise.
  std::string verify_error() {
    if constexpr (kTls) {
      const long v = SSL_get_verify_result(stream_->native_handle());
      if (v != X509_V_OK) return std::string(": ") + X509_verify_cert_error_string(v);
    }
    return {};
  }

  void do_write() {
    if (!arm("send")) return;
    bhttp::async_write(*stream_, req_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!self->done_) return;
                         if (ec) return self->fail(ec, "send request to");
                         self->do_read();
                       });
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(client_.opts.max_response_body);
    parser_->header_limit(static_cast<std::uint32_t>(client_.opts.max_response_header));
    if (req_.method() == bhttp::verb::head) parser_->skip(true);  // no body follows
    if (!arm("read")) return;
    bhttp::async_read(*stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (!done_) return;
    if (ec) return fail(ec, "read response from");
    auto& msg = parser_->get();
    OutboundResponse res;
    res.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg)
      res.headers.emplace_back(http::ascii_lower(f.name_string()), std::string(f.value()));
    res.body = std::move(msg.body());
    // The connection can carry the next request unless either side said
    // close, the body was framed by the end of the stream (the parser's
    // keep_alive() knows), or bytes beyond the response arrived: nothing may
    // be left unread, in our buffer or, over TLS, in OpenSSL's record buffer
    // or the BIO that feeds it (e.g. a close_notify in the same segment).
    bool reusable = parser_->keep_alive() && buffer_.size() == 0;
    if constexpr (kTls) {
      SSL* ssl = stream_->native_handle();
      reusable = reusable && SSL_has_pending(ssl) == 0 && BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0;
    }
    finish(std::move(res),
           reusable ? idle_limit(res.header("keep-alive")) : Clock::duration::zero());
  }

  // Stream timeouts count down what is left of the request's total budget.
  bool arm(const char* phase) {
    const auto left = deadline_ - Clock::now();
    if (left <= Clock::duration::zero()) {
      fail(beast::error::timeout, phase);
      return false;
    }
    beast::get_lowest_layer(*stream_).expires_after(left);
    return true;
  }

  void fail(beast::error_code ec, const char* phase) {
    if (stale_reuse(ec) && Clock::now() < deadline_) return retry_on_new_connection();
    if (ec == beast::error::timeout || Clock::now() >= deadline_) {
      return finish(Status::unavailable("request to " + where() + " timed out after " +
                                        std::to_string(timeout_.count()) + " ms (" + phase + ")"));
    }
    if (ec == bhttp::error::body_limit) {
      return finish(Status{Code::kTooLarge, "response body from " + where() + " exceeds " +
                                                std::to_string(client_.opts.max_response_body) +
                                                " bytes"});
    }
    if (ec == bhttp::error::header_limit) {
      return finish(Status{Code::kTooLarge, "response headers from " + where() + " are too large"});
    }
    finish(Status::unavailable(std::string(phase) + " " + where() + ": " + ec.message() +
                               verify_error()));
  }

  // A pooled connection that the peer closed while this request was being
  // written or awaited, before any byte of an answer: the server's idle
  // timeout raced us, and the request most likely never reached it. Resent
  // once on a new connection, but only if resending is safe anyway (an
  // idempotent method, or an Idempotency-Key the receiver deduplicates by);
  // otherwise it fails as a transport failure and the caller decides.
  bool stale_reuse(beast::error_code ec) const {
    if (!reused_ || (parser_ && parser_->got_some())) return false;
    const bool closed = ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                        ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                        ec == ssl::error::stream_truncated;
    if (!closed) return false;
    switch (req_.method()) {
      case bhttp::verb::get:
      case bhttp::verb::head:
      case bhttp::verb::put:
      case bhttp::verb::delete_:
      case bhttp::verb::options:
        return true;
      default:
        return req_.find("Idempotency-Key") != req_.end();
    }
  }

  void retry_on_new_connection() {
    client_.stats.resent.fetch_add(1, std::memory_order_relaxed);
    beast::get_lowest_layer(*stream_).close();
    stream_ = make_stream(client_);
    reused_ = false;
    parser_.reset();
    buffer_.clear();
    do_resolve();
  }

  // How long an idle connection may wait in the pool: the pool's limit, or
  // a second less than the server's `Keep-Alive: timeout=N` (zero: do not
  // keep it).
  static Clock::duration idle_limit(std::string_view keep_alive) {
    const auto at = http::ascii_lower(keep_alive).find("timeout=");
    if (at == std::string::npos) return kMaxIdle;
    std::int64_t seconds = 0;
    const auto digits = keep_alive.substr(at + 8);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    if (ec != std::errc() || end == digits.data()) return kMaxIdle;
    if (seconds <= 1) return Clock::duration::zero();
    return std::min<Clock::duration>(kMaxIdle, std::chrono::seconds(seconds - 1));
  }

  // `keep_for` > 0: the connection is idle and may carry another request
  // for that long (it goes to the pool). Else it is closed (no TLS
  // close_notify: that exchange would only hold the socket longer) and
  // pending operations end with operation_aborted.
  void finish(Result<OutboundResponse> r, Clock::duration keep_for = Clock::duration::zero()) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    client_.live.erase(id_);
    resolver_.cancel();
    resolve_timer_.cancel();
    if (stream_) {
      if (keep_for > Clock::duration::zero() && !client_.stopping.load()) {
        beast::get_lowest_layer(*stream_).expires_never();
        client_.template pool<kTls>().put(origin_, std::move(stream_), Clock::now(), keep_for);
      } else {
        beast::get_lowest_layer(*stream_).close();
      }
    }
    done(std::move(r));
  }

  HttpClient::Impl& client_;
  Url url_;
  bhttp::request<bhttp::string_body> req_;
  Clock::time_point deadline_;
  std::chrono::milliseconds timeout_;
  Done done_;  // empty once finished
  std::uint64_t id_ = 0;
  std::string origin_;  // the pool's key
  tcp::resolver resolver_;
  net::steady_timer resolve_timer_;
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;  // per attempt
  bool reused_ = false;                                               // stream_ came from the pool
};

Result<bhttp::request<bhttp::string_body>> build_request(OutboundRequest& r, const Url& u,
                                                         const HttpClientOptions& opts) {
  std::string method = r.method;
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown)
    return Status::invalid("unsupported HTTP method '" + method + "'");
  bhttp::request<bhttp::string_body> req{verb, u.target, 11};
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) return Status::invalid("bad header name '" + name + "'");
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return Status::invalid("header '" + name + "' contains a line break");
      }
    }
    req.insert(name, value);
  }
  if (req.find(bhttp::field::host) == req.end()) {
    const bool v6 = u.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + u.host + "]" : u.host;
    if (u.port != (u.tls ? 443 : 80)) host += ":" + std::to_string(u.port);
    req.set(bhttp::field::host, host);
  }
  if (req.find(bhttp::field::user_agent) == req.end())
    req.set(bhttp::field::user_agent, opts.user_agent);
  req.keep_alive(true);
  req.body() = std::move(r.body);
  req.prepare_payload();
  return req;
}

}  // namespace

void HttpClient::Impl::start(OutboundRequest r, Clock::time_point deadline, Done done) {
  if (stopping.load()) return done(Status::unavailable("HTTP client stopped"));
  auto url = parse_url(r.url);
  if (!url) return done(url.status());
  if (url->tls && !tls_status.is_ok()) return done(tls_status);
  auto req = build_request(r, *url, opts);
  if (!req) return done(req.status());
  if (url->tls) {
    std::make_shared<Session<true>>(*this, std::move(*url), std::move(*req), deadline, r.timeout,
                                    std::move(done))
        ->run();
  } else {
    std::make_shared<Session<false>>(*this, std::move(*url), std::move(*req), deadline, r.timeout,
                                     std::move(done))
        ->run();
  }
}

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] {
    proto::name_this_thread("sb-http-out");
    impl->ioc.run();
  });
}

HttpClient::~HttpClient() { stop(); }

Status HttpClient::tls_status() const { return impl_->tls_status; }

const HttpClientStats& HttpClient::stats() const { return impl_->stats; }

void HttpClient::send(OutboundRequest request, Done done) {
  // A day is far beyond any platform API; the cap keeps now() + timeout finite.
  request.timeout = std::clamp(request.timeout, std::chrono::milliseconds(0),
                               std::chrono::milliseconds(std::chrono::hours(24)));
  const auto deadline = Clock::now() + request.timeout;
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping.load()) {
    lock.unlock();
    return done(Status::unavailable("HTTP client stopped"));
  }
  // Posted under the lock, so it runs before stop()'s abort_all() and is aborted by it.
  net::post(impl_->ioc,
            [impl = impl_.get(), r = std::move(request), deadline, d = std::move(done)]() mutable {
              impl->start(std::move(r), deadline, std::move(d));
            });
}

void HttpClient::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping.exchange(true)) {
      net::post(impl_->ioc, [impl = impl_.get()] { impl->abort_all(); });
      impl_->work.reset();  // run() returns once the aborted sessions unwind
    }
  }
  std::lock_guard join(impl_->join_mu);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace sb::outbound

#include "tests/support/fake_platform.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include "tests/support/self_signed.h"
#include "tests/support/temp_dir.h"

namespace sb::test {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string RecordedRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

namespace {

// The raw JSON text of a top-level key's string or number value in a compact
// body (what our JsonWriter produces); "" if absent. Enough for a fake.
std::string raw_value(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  auto pos = body.find(needle);
  if (pos == std::string::npos) return {};
  pos += needle.size();
  auto end = pos;
  if (end < body.size() && body[end] == '"') {
    for (++end; end < body.size() && body[end] != '"'; ++end) {
      if (body[end] == '\\') ++end;
    }
    ++end;
  } else {
    while (end < body.size() && body[end] != ',' && body[end] != '}') ++end;
  }
  return end <= body.size() ? body.substr(pos, end - pos) : std::string{};
}

}  // namespace

CannedResponse telegram_send_message_ok(const RecordedRequest& req, std::int64_t message_id) {
  std::string chat = raw_value(req.body, "chat_id");
  std::string text = raw_value(req.body, "text");
  CannedResponse r;
  r.body = "{\"ok\":true,\"result\":{\"message_id\":" + std::to_string(message_id) +
           ",\"from\":{\"id\":1,\"is_bot\":true,\"first_name\":\"Fake\"}" +
           ",\"chat\":{\"id\":" + (chat.empty() ? "0" : chat) + ",\"type\":\"private\"}" +
           ",\"date\":" + std::to_string(std::time(nullptr)) +
           ",\"text\":" + (text.empty() ? "\"\"" : text) + "}}";
  return r;
}

struct FakePlatform::Impl {
  FakePlatformOptions opts;
  TempDir dir;
  std::string ca_file;
  ssl::context tls{ssl::context::tls_server};
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mu;
  mutable std::condition_variable arrived;
  std::vector<RecordedRequest> recorded;
  std::deque<CannedResponse> queue;
  Responder responder;
  std::int64_t next_message_id = 1;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> closed{0};

  // Records the request and picks its answer.
  CannedResponse take(RecordedRequest req) {
    std::unique_lock lock(mu);
    recorded.push_back(req);
    arrived.notify_all();
    if (!queue.empty()) {
      auto r = std::move(queue.front());
      queue.pop_front();
      return r;
    }
    if (responder) {
      auto custom = responder;  // called unlocked: it may call back into the fake
      lock.unlock();
      return custom(req);
    }
    return telegram_send_message_ok(req, next_message_id++);
  }

  void do_accept();
};

namespace {

template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, FakePlatform::Impl& fake)
      : stream_(make_stream(std::move(socket), fake)),
        timer_(fake.ioc),
        fake_(fake),
        connection_(++fake.accepted) {}

  void run() {
    if constexpr (!kTls) {
      do_read();
    } else {
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return self->do_close();
            const char* sni =
                SSL_get_servername(self->stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
            if (sni != nullptr) self->server_name_ = sni;
            self->do_read();
          });
    }
  }

 private:
  static Stream make_stream(tcp::socket&& socket, FakePlatform::Impl& fake) {
    if constexpr (kTls) {
      return Stream(std::move(socket), fake.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(16 << 20);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return do_close();
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    RecordedRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.tls_server_name = server_name_;
    req.connection = connection_;
    answer_ = fake_.take(std::move(req));
    if (answer_.delay.count() <= 0) return do_answer();
    timer_.expires_after(answer_.delay);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code tec) {
      if (!tec) self->do_answer();
    });
  }

  void do_answer() {
    if (answer_.hang_up) return do_close();
    for (const auto& [k, v] : answer_.headers) {
      if (beast::iequals(k, "connection") && beast::iequals(v, "close")) keep_alive_ = false;
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(answer_.status));
    res->set(bhttp::field::server, "fake-platform");
    res->set(bhttp::field::content_type, answer_.content_type);
    for (const auto& [k, v] : answer_.headers) res->insert(k, v);
    res->body() = std::move(answer_.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                         if (ec || !self->keep_alive_ || self->answer_.close_after_answer) {
                           return self->do_close();
                         }
                         self->do_read();
                       });
  }

  // No TLS close_notify: the clients under test do not wait for one.
  void do_close() {
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    if (!socket.is_open()) return;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    fake_.closed.fetch_add(1);
  }

  Stream stream_;
  net::steady_timer timer_;
  FakePlatform::Impl& fake_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  CannedResponse answer_;
  std::string server_name_;
  bool keep_alive_ = false;
  std::uint64_t connection_;
};

}  // namespace

void FakePlatform::Impl::do_accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && opts.tls) std::make_shared<Session<true>>(std::move(socket), *this)->run();
    if (!ec && !opts.tls) std::make_shared<Session<false>>(std::move(socket), *this)->run();
    do_accept();
  });
}

FakePlatform::FakePlatform(FakePlatformOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opts = options;
  if (options.tls) {
    const auto cert = make_self_signed_cert(impl_->dir.path(), "fake-platform");
    impl_->ca_file = cert.cert_file;
    beast::error_code ec;
    impl_->tls.use_certificate_file(cert.cert_file, ssl::context::pem, ec);
    if (!ec) impl_->tls.use_private_key_file(cert.key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("FakePlatform: certificate set-up failed: " + ec.message());
  }
  beast::error_code ec;
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  auto& a = impl_->acceptor;
  if (a.open(ep.protocol(), ec); !ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("FakePlatform cannot listen: " + ec.message());
  impl_->port = a.local_endpoint().port();
  impl_->do_accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

FakePlatform::~FakePlatform() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::uint16_t FakePlatform::port() const { return impl_->port; }

std::string FakePlatform::base_url() const {
  return (impl_->opts.tls ? "https://localhost:" : "http://127.0.0.1:") +
         std::to_string(impl_->port);
}

std::string FakePlatform::ca_file() const { return impl_->ca_file; }

std::size_t FakePlatform::connections_accepted() const { return impl_->accepted.load(); }
std::size_t FakePlatform::connections_closed() const { return impl_->closed.load(); }

void FakePlatform::script(std::vector<CannedResponse> responses) {
  std::lock_guard lock(impl_->mu);
  for (auto& r : responses) impl_->queue.push_back(std::move(r));
}

void FakePlatform::set_default(Responder responder) {
  std::lock_guard lock(impl_->mu);
  impl_->responder = std::move(responder);
}

std::vector<RecordedRequest> FakePlatform::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->recorded;
}

std::size_t FakePlatform::count(std::string_view path_substring) const {
  std::lock_guard lock(impl_->mu);
  std::size_t n = 0;
  for (const auto& r : impl_->recorded) {
    if (r.target.find(path_substring) != std::string::npos) ++n;
  }
  return n;
}

bool FakePlatform::wait_for_requests(std::size_t n, std::chrono::milliseconds max) const {
  std::unique_lock lock(impl_->mu);
  return impl_->arrived.wait_for(lock, max, [&] { return impl_->recorded.size() >= n; });
}

}  // namespace sb::test

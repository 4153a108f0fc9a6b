#include "tests/support/stream_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <optional>

namespace sb::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// One of the two streams, made by connect() or connect_tls(); `with` runs
// a generic function on whichever it is.
struct WsClient::Impl {
  net::io_context ioc;
  std::optional<ssl::context> tls_ctx;  // made by connect_tls() only
  std::optional<websocket::stream<tcp::socket>> plain;
  std::optional<websocket::stream<beast::ssl_stream<tcp::socket>>> tls;
  bool open = false;

  template <class F>
  auto with(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }
};

namespace {

// Opens the TCP connection with a small receive buffer, so that a client
// that stops reading is visible to the server quickly (the kernel would
// otherwise absorb megabytes).
bool open_small_buffered(tcp::socket& s, std::uint16_t port) {
  beast::error_code ec;
  s.open(tcp::v4(), ec);
  s.set_option(net::socket_base::receive_buffer_size(16 << 10), ec);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

// The WebSocket handshake; 101, the HTTP status of a refusal, or -1.
template <class Ws>
int ws_handshake(Ws& ws, const std::string& host, const std::string& target,
                 const Headers& headers) {
  beast::error_code ec;
  websocket::response_type res;
  ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  ws.handshake(res, host, target, ec);
  if (ec) return static_cast<int>(res.result_int()) == 0 ? -1 : static_cast<int>(res.result_int());
  return 101;
}

}  // namespace

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { close(); }

int WsClient::connect(std::uint16_t port, const std::string& target, const Headers& headers) {
  auto& ws = impl_->plain.emplace(impl_->ioc);
  if (!open_small_buffered(ws.next_layer(), port)) return 0;
  const int status = ws_handshake(ws, "127.0.0.1", target, headers);
  impl_->open = status == 101;
  return status;
}

int WsClient::connect_tls(std::uint16_t port, const TlsTarget& tls, const std::string& target,
                          const Headers& headers) {
  beast::error_code ec;
  auto& ctx = impl_->tls_ctx.emplace(ssl::context::tls_client);
  ctx.load_verify_file(tls.ca_file, ec);
  if (ec) return -1;
  ctx.set_verify_mode(ssl::verify_peer);
  auto& ws = impl_->tls.emplace(impl_->ioc, ctx);
  if (!open_small_buffered(beast::get_lowest_layer(ws), port)) return 0;
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), tls.server_name.c_str());
  SSL_set1_host(ws.next_layer().native_handle(), tls.server_name.c_str());
  ws.next_layer().handshake(ssl::stream_base::client, ec);
  if (ec) return -1;
  const int status = ws_handshake(ws, tls.server_name, target, headers);
  impl_->open = status == 101;
  return status;
}

std::optional<std::string> WsClient::read(int timeout_ms) {
  if (!impl_->open) return std::nullopt;
  return impl_->with([&](auto& ws) -> std::optional<std::string> {
    // An asynchronous read run for at most the timeout: Beast may already
    // hold the next message in its own buffer (read along with the
    // handshake), so polling the socket would not see it.
    beast::flat_buffer buffer;
    bool done = false;
    beast::error_code result;
    ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::milliseconds(timeout_ms));
    if (!done) {
      // Timed out: the stream is unusable after a cancelled read; drop it.
      beast::error_code ignored;
      beast::get_lowest_layer(ws).close(ignored);
      impl_->ioc.restart();
      impl_->ioc.run();
      impl_->open = false;
      return std::nullopt;
    }
    if (result) {
      impl_->open = false;
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer.data());
  });
}

void WsClient::send(const std::string& text) {
  if (!impl_->plain && !impl_->tls) return;
  impl_->with([&](auto& ws) {
    beast::error_code ec;
    ws.text(true);
    ws.write(net::buffer(text), ec);
  });
}

void WsClient::close() {
  if (!impl_->open) return;
  impl_->with([](auto& ws) {
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  });
  impl_->open = false;
}

std::string WsClient::close_reason() const {
  if (!impl_->plain && !impl_->tls) return {};
  return impl_->with([](auto& ws) { return std::string(ws.reason().reason.c_str()); });
}

SseClient::~SseClient() { close(); }

int SseClient::connect(std::uint16_t port, const std::string& target, const Headers& headers) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    return 0;
  // Read the head.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return 0;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
  if (buffer_.compare(0, 9, "HTTP/1.1 ") != 0) return 0;
  const int status = std::atoi(buffer_.c_str() + 9);
  auto end = buffer_.find("\r\n\r\n");
  buffer_.erase(0, end == std::string::npos ? buffer_.size() : end + 4);
  return status;
}

std::optional<SseEvent> SseClient::read(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    // Complete events end with a blank line.
    auto end = buffer_.find("\n\n");
    while (end != std::string::npos) {
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent ev;
      std::size_t pos = 0;
      while (pos < block.size()) {
        auto eol = block.find('\n', pos);
        auto line = block.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        if (line.rfind("id: ", 0) == 0) ev.id = line.substr(4);
        if (line.rfind("data: ", 0) == 0) ev.data += line.substr(6);
        if (eol == std::string::npos) break;
        pos = eol + 1;
      }
      if (!ev.data.empty()) return ev;
      end = buffer_.find("\n\n");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[16384];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void SseClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string read_until_type(WsClient& ws, const std::string& type, int max_frames) {
  const std::string needle = R"("type":")" + type + '"';
  for (int i = 0; i < max_frames; ++i) {
    auto f = ws.read();
    if (!f) return {};
    if (f->find(needle) != std::string::npos) return *f;
  }
  return {};
}

}  // namespace sb::test

#include "tests/support/stream_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

namespace sb::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct WsClient::Impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  bool open = false;
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { close(); }

int WsClient::connect(std::uint16_t port, const std::string& target, const Headers& headers) {
  beast::error_code ec;
  // A small receive buffer, so that a client that stops reading is visible
  // to the server quickly (the kernel would otherwise absorb megabytes).
  impl_->ws.next_layer().open(tcp::v4(), ec);
  impl_->ws.next_layer().set_option(net::socket_base::receive_buffer_size(16 << 10), ec);
  impl_->ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0;
  websocket::response_type res;
  impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  impl_->ws.handshake(res, "127.0.0.1", target, ec);
  if (ec) return static_cast<int>(res.result_int()) == 0 ? -1 : static_cast<int>(res.result_int());
  impl_->open = true;
  return 101;
}

std::optional<std::string> WsClient::read(int timeout_ms) {
  if (!impl_->open) return std::nullopt;
  // An asynchronous read run for at most the timeout: Beast may already hold
  // the next message in its own buffer (read along with the handshake), so
  // polling the socket would not see it.
  beast::flat_buffer buffer;
  bool done = false;
  beast::error_code result;
  impl_->ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(std::chrono::milliseconds(timeout_ms));
  if (!done) {
    // Timed out: the stream is unusable after a cancelled read; drop it.
    beast::error_code ignored;
    impl_->ws.next_layer().close(ignored);
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
}

void WsClient::send(const std::string& text) {
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text), ec);
}

void WsClient::close() {
  if (!impl_->open) return;
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
  impl_->open = false;
}

std::string WsClient::close_reason() const { return std::string(impl_->ws.reason().reason.c_str()); }

SseClient::~SseClient() { close(); }

int SseClient::connect(std::uint16_t port, const std::string& target, const Headers& headers) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return 0;
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
                          deadline - std::chrono::steady_clock::now()).count();
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

}  // namespace sb::test

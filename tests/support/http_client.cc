#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <memory>

namespace sb::test {

namespace {

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until the peer closes or the deadline passes.
std::string read_all(int fd, int timeout_ms) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[16384];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Blocking reads and writes that give up at the deadline.
void set_io_timeout(int fd, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left < 1000) left = 1000;
  timeval tv{static_cast<time_t>(left / 1000000), static_cast<suseconds_t>(left % 1000000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// The TLS exchange on a connected socket: handshake with verification, send
// `data`, read until the server closes (close_notify or TCP) or the deadline.
// "" if the handshake or verification failed.
std::string tls_exchange(int fd, const TlsTarget& tls, const std::string& data, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1)
    return {};
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (!ssl) return {};
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), tls.server_name.c_str());
  SSL_set1_host(ssl.get(), tls.server_name.c_str());
  set_io_timeout(fd, deadline);
  if (SSL_connect(ssl.get()) != 1) return {};
  std::size_t off = 0;
  while (off < data.size()) {
    set_io_timeout(fd, deadline);
    const int n = SSL_write(ssl.get(), data.data() + off, static_cast<int>(data.size() - off));
    if (n <= 0) break;  // the answer may already be waiting (e.g. 413)
    off += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[16384];
  while (std::chrono::steady_clock::now() < deadline) {
    set_io_timeout(fd, deadline);
    const int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string format_request(const std::string& method, const std::string& target,
                           const std::string& body, const Headers& headers,
                           const std::string& host) {
  std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "content-type") == 0) has_type = true;
  }
  if (!body.empty() && !has_type) req += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  return req;
}

// The status line and headers of the answer starting at `from`; `head_end`
// is where its blank line starts. False if there is none.
bool parse_head(const std::string& raw, std::size_t from, HttpResult& r, std::size_t& head_end) {
  head_end = raw.find("\r\n\r\n", from);
  if (raw.compare(from, 5, "HTTP/") != 0 || head_end == std::string::npos) return false;
  auto sp = raw.find(' ', from);
  r.status = std::atoi(raw.c_str() + sp + 1);
  std::size_t pos = raw.find("\r\n", from) + 2;
  while (pos < head_end) {
    auto eol = raw.find("\r\n", pos);
    auto line = raw.substr(pos, eol - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(name, value);
    }
    pos = eol + 2;
  }
  return true;
}

HttpResult parse_response(const std::string& raw) {
  HttpResult r;
  std::size_t head_end = 0;
  if (!parse_head(raw, 0, r, head_end)) return HttpResult{};
  r.body = raw.substr(head_end + 4);
  return r;
}

std::vector<HttpResult> parse_responses(const std::string& raw,
                                        const std::vector<std::string>& methods) {
  std::vector<HttpResult> out;
  std::size_t at = 0;
  for (const auto& method : methods) {
    HttpResult r;
    std::size_t head_end = 0;
    if (!parse_head(raw, at, r, head_end)) break;
    const auto length_text = r.header("content-length");
    const bool bodyless = method == "HEAD" || r.status == 204 || r.status == 304;
    const std::size_t length = bodyless || length_text.empty() ? 0 : std::stoul(length_text);
    const std::size_t body_at = head_end + 4;
    if (raw.size() < body_at + length) break;
    r.body = raw.substr(body_at, length);
    at = body_at + length;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string HttpResult::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

HttpResult http_raw(std::uint16_t port, const std::string& raw, int timeout_ms) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  // Even if the server stopped reading (e.g. 413 before the whole body),
  // its answer may already be waiting.
  (void)send_all(fd, raw);
  HttpResult r = parse_response(read_all(fd, timeout_ms));
  ::close(fd);
  return r;
}

std::vector<HttpResult> http_pipelined(std::uint16_t port, const std::string& raw,
                                       const std::vector<std::string>& methods, int timeout_ms) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  (void)send_all(fd, raw);
  auto answers = parse_responses(read_all(fd, timeout_ms), methods);
  ::close(fd);
  return answers;
}

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers, int timeout_ms) {
  return http_raw(port, format_request(method, target, body, headers, "127.0.0.1"), timeout_ms);
}

HttpResult https_raw(std::uint16_t port, const TlsTarget& tls, const std::string& raw,
                     int timeout_ms) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  HttpResult r = parse_response(tls_exchange(fd, tls, raw, timeout_ms));
  ::close(fd);
  return r;
}

std::vector<HttpResult> https_pipelined(std::uint16_t port, const TlsTarget& tls,
                                        const std::string& raw,
                                        const std::vector<std::string>& methods, int timeout_ms) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  auto answers = parse_responses(tls_exchange(fd, tls, raw, timeout_ms), methods);
  ::close(fd);
  return answers;
}

HttpResult https_request(std::uint16_t port, const TlsTarget& tls, const std::string& method,
                         const std::string& target, const std::string& body, const Headers& headers,
                         int timeout_ms) {
  return https_raw(port, tls, format_request(method, target, body, headers, tls.server_name),
                   timeout_ms);
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace sb::test

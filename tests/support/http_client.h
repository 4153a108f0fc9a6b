// A small blocking HTTP/1.1 client over POSIX sockets for tests: one request
// per connection (Connection: close), Content-Length bodies. Also sends raw
// bytes for tests of broken HTTP. HTTPS through OpenSSL, verifying the
// server's certificate. Thread-compatible: use one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sb::test {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, reset, or closed)
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const Headers& headers = {},
                        int timeout_ms = 10000);
// Sends `raw` as is and reads until the server closes (or the timeout).
HttpResult http_raw(std::uint16_t port, const std::string& raw, int timeout_ms = 10000);

// Several requests written at once on one connection (HTTP/1.1 pipelining;
// the last should ask to close) and every answer read until the server
// closes. Each body is cut at its Content-Length; `methods` are the requests'
// methods in order, so that an answer to HEAD is read without a body.
// Answers the bytes do not hold whole are left out.
std::vector<HttpResult> http_pipelined(std::uint16_t port, const std::string& raw,
                                       const std::vector<std::string>& methods,
                                       int timeout_ms = 10000);

// HTTPS to 127.0.0.1: the server's certificate must chain to `ca_file` and
// name `server_name` (also sent as SNI and as the Host header). A failed
// handshake or verification is "no answer" (status 0).
struct TlsTarget {
  std::string ca_file;
  std::string server_name = "localhost";
};

HttpResult https_request(std::uint16_t port, const TlsTarget& tls, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         const Headers& headers = {}, int timeout_ms = 10000);
// Sends `raw` over TLS and reads until the server closes (or the timeout).
HttpResult https_raw(std::uint16_t port, const TlsTarget& tls, const std::string& raw,
                     int timeout_ms = 10000);
std::vector<HttpResult> https_pipelined(std::uint16_t port, const TlsTarget& tls,
                                        const std::string& raw,
                                        const std::vector<std::string>& methods,
                                        int timeout_ms = 10000);

// A port that was free a moment ago on 127.0.0.1.
std::uint16_t free_port();

}  // namespace sb::test

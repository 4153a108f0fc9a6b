// A small blocking HTTP/1.1 client over POSIX sockets for tests: one request
// per connection (Connection: close), Content-Length bodies. Also sends raw
// bytes for tests of broken HTTP. Thread-compatible: use one per thread.
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

// A port that was free a moment ago on 127.0.0.1.
std::uint16_t free_port();

}  // namespace sb::test

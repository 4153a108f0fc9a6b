// HttpClient: outbound HTTP/1.1 requests to platform APIs (Telegram's Bot API,
// ...), on Boost.Beast and OpenSSL. Beast is included only by http_client.cc.
//
// Contract:
// - http:// and https:// URLs. HTTPS sends SNI (for host names) and verifies
//   the peer's certificate chain against the system's default CA paths (plus
//   `ca_file` if set) and the host name. `verify_peer = false` exists for tests.
// - Keep-alive: a connection whose response was complete goes back to a pool
//   of idle connections per origin and carries a later request to the same
//   origin (connection_pool.h: at most 16 idle per origin, for 30 s or a
//   second less than the server's `Keep-Alive: timeout=`, checked for a
//   peer's close before reuse). If the peer drops a reused connection before
//   any byte of the answer (its idle timeout raced the request), the request
//   is resent once on a new connection when that is safe: an idempotent
//   method (GET, HEAD, PUT, DELETE, OPTIONS) or an Idempotency-Key header.
//   Any other request (e.g. Telegram's sendMessage) then fails as a
//   transport failure (kUnavailable), sent once; the caller's retry applies.
// - `timeout` bounds the whole request: DNS, connect, TLS, write and read.
// - Responses: any status is a value (the caller interprets 4xx/5xx); bodies
//   over `max_response_body` are Code::kTooLarge; redirects are not followed.
// - Transport failures (DNS, connect, TLS, timeout, a peer that hangs up or
//   sends malformed HTTP) are Code::kUnavailable; a bad URL, method or header
//   is Code::kInvalidArgument. Messages name host:port, never the target (it
//   may carry a secret, e.g. Telegram's /bot<token>/).
//
// Ownership and threads: the client owns one io_context and ONE thread, started
// by the constructor and joined by stop() (or the destructor). send() may be
// called from any thread; `done` is called exactly once, on the client's
// thread, so it must not block (hand results over to your own queue). stop()
// completes requests in flight with kUnavailable (it may still wait for a DNS
// lookup in progress to return: getaddrinfo cannot be interrupted); a send()
// after stop() calls `done` at once on the caller's thread. Do not call stop()
// or destroy the client from inside `done`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/status.h"

namespace sb::outbound {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct OutboundRequest {
  std::string method = "POST";
  std::string url;  // http[s]://host[:port][/path][?query]
  // Content-Length and Connection are set by the client; Host and User-Agent
  // unless given here.
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
};

struct OutboundResponse {
  int status = 0;
  HeaderList headers;  // names in lower case
  std::string body;
  // The first value of a header (name in lower case), "" if absent.
  std::string header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return {};
  }
};

struct HttpClientOptions {
  bool verify_peer = true;                  // false only in tests
  std::string ca_file;                      // extra trusted CAs (PEM); "" = system only
  std::size_t max_response_body = 1 << 20;  // larger bodies: kTooLarge
  std::size_t max_response_header = 64 << 10;
  std::string user_agent = "switchboard";
};

// A parsed http(s) URL. `host` has no brackets (IPv6 literals are bare);
// `target` is the path and query ("/" if empty), without the fragment.
struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string target;
};

// kInvalidArgument with the reason for anything but a plain http(s) URL
// (user info, bad ports, spaces and control characters are refused).
Result<Url> parse_url(std::string_view url);

// Counters for /metrics, updated on the client's thread, read from any.
struct HttpClientStats {
  std::atomic<std::uint64_t> connections_opened{0};  // TCP connections established
  std::atomic<std::uint64_t> reused{0};              // requests sent on a pooled connection
  std::atomic<std::uint64_t> resent{0};              // requests resent after a dropped reused one
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void send(OutboundRequest request, std::function<void(Result<OutboundResponse>)> done);

  // Non-ok if the TLS context could not be set up (e.g. an unreadable
  // ca_file); every https request then fails with it. Check it at start-up.
  Status tls_status() const;
  const HttpClientStats& stats() const;

  // Aborts requests in flight (their `done` sees kUnavailable), then joins the
  // thread. Idempotent.
  void stop();

  struct Impl;  // implementation detail, defined in http_client.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::outbound

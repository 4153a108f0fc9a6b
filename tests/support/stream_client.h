// Blocking stream clients for end-to-end tests: a real WebSocket client
// (Beast; also over TLS, wss) and a Server-Sent Events reader over a plain
// socket. Each read has a timeout so that a test fails instead of hanging.
// Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tests/support/http_client.h"

namespace sb::test {

class WsClient {
 public:
  WsClient();
  ~WsClient();
  // Connects to 127.0.0.1:port and performs the handshake for `target`.
  // Returns the HTTP status of a refused handshake, or 101.
  int connect(std::uint16_t port, const std::string& target, const Headers& headers = {});
  // The same over TLS (wss), verifying the server as https_request does.
  // -1 also when the TLS handshake or verification failed.
  int connect_tls(std::uint16_t port, const TlsTarget& tls, const std::string& target,
                  const Headers& headers = {});
  // The next text message; nullopt on timeout or when the server closed.
  std::optional<std::string> read(int timeout_ms = 10000);
  void send(const std::string& text);
  void close();
  // The server's close reason, once read() saw the close.
  std::string close_reason() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads frames until one of `type` ("message.delivered", ...); that frame, or
// "" when the stream ended, timed out or `max_frames` others came first.
std::string read_until_type(WsClient& ws, const std::string& type, int max_frames = 50);

struct SseEvent {
  std::string id;
  std::string data;
};

class SseClient {
 public:
  ~SseClient();
  // Sends the request; returns the response status (200 for a stream).
  int connect(std::uint16_t port, const std::string& target, const Headers& headers = {});
  // The next event with data (comments and heartbeats are skipped).
  std::optional<SseEvent> read(int timeout_ms = 10000);
  void close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace sb::test

// HttpServer: the HTTP/1.1 front on Boost.Beast (the only translation unit
// that includes Beast's HTTP headers). Async sessions on a pool of I/O threads,
// keep-alive, a body limit (413), a header limit, and a read timeout against
// slow clients; each session lives on one I/O thread (an io_context of its own),
// so its handlers never race. Connections are dealt to the threads round-robin
// and stay there: no work stealing, so one busy connection delays the others
// of its thread (handlers hand slow work to shards and the blocking pool).
// With a certificate and key (ServerOptions::tls_cert_file/tls_key_file) the
// listener speaks HTTPS only (TLS 1.2+), streams included (wss, SSE over
// https); the TLS handshake falls under the read timeout.
//
// Lifecycle: start() binds and spawns the I/O threads; stop_accepting() closes
// the listener and makes sessions close after their current response;
// shutdown() stops the I/O threads. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/http/message.h"
#include "proto/status.h"

namespace sb::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int io_threads = 2;
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::seconds read_timeout{15};     // whole request, headers and body
  std::chrono::seconds idle_timeout{60};     // between keep-alive requests
  std::size_t max_connections = 10000;       // beyond: new connections are closed at once
  std::size_t stream_send_buffer = 1 << 20;  // per stream connection, then "slow consumer"
  std::chrono::seconds stream_heartbeat{15};
  // PEM files; both set: HTTPS only, both empty: plain HTTP. start() fails
  // if only one is set or either cannot be loaded.
  std::string tls_cert_file;  // the certificate chain, leaf first
  std::string tls_key_file;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, HttpHandler& handler);
  ~HttpServer();

  Status start();
  std::uint16_t port() const;  // the bound port (useful with port 0)

  // Blocks until SIGTERM or SIGINT, then calls on_signal once and returns.
  void wait_for_signal(const std::function<void()>& on_signal);

  void stop_accepting();
  // Requests handed to the handler whose response has not been written yet.
  std::int64_t in_flight() const;
  // Open connections (HTTP and streams) and those refused over the limit.
  std::int64_t connections() const;
  std::uint64_t rejected_connections() const;
  void shutdown();

  struct Impl;  // implementation detail, defined in server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http

// OperatorClient: one operator, as a frontend would drive it. It holds a
// WebSocket on GET /v1/stream (Authorization: Bearer token), sets itself
// online once the stream is ready, and for every conversation.offered frame
// addressed to it: waits a think time, accepts, replies, waits another think
// time and resolves. Actions go over one keep-alive HTTP connection of its
// own. If the stream drops during the run it reconnects with ?since=<last seq>
// so no offer is missed. All calls on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "bench/loadgen/http_conn.h"
#include "bench/loadgen/stats.h"
#include "bench/loadgen/tracker.h"

namespace sb::loadgen {

struct OperatorAccount {
  std::size_t tenant = 0;
  std::string id;
  std::string token;
};

struct OperatorBehaviour {
  std::chrono::milliseconds accept_think{100};    // offer -> accept (and reply)
  std::chrono::milliseconds resolve_think{1000};  // reply -> resolve
  std::chrono::milliseconds timeout{5000};
};

class OperatorClient : public std::enable_shared_from_this<OperatorClient> {
 public:
  // `ready(error)`: once online ("" on success), called on this thread.
  using Ready = std::function<void(const std::string& error)>;

  OperatorClient(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint server,
                 OperatorAccount account, OperatorBehaviour behaviour, Tracker& tracker,
                 Recorder& recorder, std::uint64_t seed);

  void start(Ready ready);
  // After the run: go offline and close the stream; `done` when both are over.
  void finish(std::function<void()> done);

 private:
  void open_stream();
  void read_next();
  void on_stream_lost(const std::string& why);
  void on_frame(std::string_view text);
  void set_status(const std::string& status, std::function<void(bool)> then);
  void work_on(const std::string& conversation);
  void act(const std::string& conversation, const std::string& action, std::string body,
           std::function<void(bool)> then);
  std::chrono::milliseconds jitter(std::chrono::milliseconds mean);
  Headers auth() const;

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::endpoint server_;
  OperatorAccount account_;
  OperatorBehaviour behaviour_;
  Tracker& tracker_;
  Recorder& recorder_;
  std::mt19937_64 rng_;
  std::shared_ptr<HttpConn> api_;
  std::unique_ptr<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
  boost::beast::websocket::response_type handshake_response_;
  boost::beast::flat_buffer frame_buffer_;
  Ready ready_;
  std::uint64_t last_seq_ = 0;
  bool online_ = false;
  bool finishing_ = false;
  int reconnects_ = 0;
};

}  // namespace sb::loadgen

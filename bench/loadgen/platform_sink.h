// PlatformSink: where the daemon delivers the operators' replies during a run.
// The loadgen's channels point their outbound base_url at it (127.0.0.1, an
// ephemeral port), so replies go through the daemon's real outbox without
// leaving the machine: Telegram's sendMessage, WhatsApp's and Messenger's
// Graph sends and Viber's send_message get their platform's success answer,
// the api channel's reply webhook a 200. It counts what it received.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::loadgen {

class PlatformSink {
 public:
  explicit PlatformSink(boost::asio::io_context& ioc);
  // Binds 127.0.0.1:0 and starts accepting; "" or the error.
  std::string start();
  std::uint16_t port() const { return port_; }
  std::uint64_t deliveries() const { return counter_->load(std::memory_order_relaxed); }
  void stop();

 private:
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  // Shared with the sessions, which may outlive a stopped sink briefly.
  std::shared_ptr<std::atomic<std::uint64_t>> counter_;
};

}  // namespace sb::loadgen

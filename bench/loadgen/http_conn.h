// HttpConn: one keep-alive HTTP/1.1 client connection on an io_context,
// asynchronous (Beast). Requests queue and go one at a time (no pipelining,
// like the platforms' webhook senders); the connection is opened lazily and
// re-opened after an error, a `Connection: close`, or when it sat idle long
// enough for the server to have closed it (the daemon's read_timeout_s is 15 s
// by default): a stale keep-alive must not count as a daemon error. Failures come back as
// values: connect error, timeout, I/O error, or the HTTP status. Every call
// must come from the io_context's own thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "bench/loadgen/payloads.h"

namespace sb::loadgen {

using Clock = std::chrono::steady_clock;

enum class Failure { kNone, kConnect, kTimeout, kIo };

struct HttpResult {
  Failure failure = Failure::kNone;
  int status = 0;  // valid when failure == kNone
  std::string body;
  Clock::time_point write_started{};  // when the request began to go out
  Clock::time_point completed{};
};

struct HttpCall {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string target;
  std::string body;
  Headers headers;
};

class HttpConn : public std::enable_shared_from_this<HttpConn> {
 public:
  using Done = std::function<void(HttpResult&&)>;

  HttpConn(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint server,
           std::chrono::milliseconds timeout);

  void send(HttpCall call, Done done);
  bool busy() const { return busy_; }
  std::size_t queued() const { return queue_.size(); }
  // Drops the connection; queued calls are abandoned without callbacks.
  void close();

 private:
  struct Pending {
    HttpCall call;
    Done done;
  };
  void start_next();
  void write_current();
  void finish(Failure failure);
  void drop_socket();

  boost::asio::ip::tcp::endpoint server_;
  std::chrono::milliseconds timeout_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::string out_;  // the request being written; its capacity is reused
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::deque<Pending> queue_;
  Pending current_;
  HttpResult result_;
  Clock::time_point last_used_{};
  bool connected_ = false;
  bool busy_ = false;
  bool closed_ = false;
};

// One request at a time on a private io_context, blocking: for the set-up
// and for scraping /metrics, never for the load.
class BlockingHttp {
 public:
  BlockingHttp(const boost::asio::ip::tcp::endpoint& server, std::chrono::milliseconds timeout)
      : conn_(std::make_shared<HttpConn>(ioc_, server, timeout)) {}

  HttpResult call(boost::beast::http::verb method, std::string target, std::string body,
                  Headers headers) {
    HttpResult out;
    conn_->send(HttpCall{method, std::move(target), std::move(body), std::move(headers)},
                [&out](HttpResult&& r) { out = std::move(r); });
    ioc_.restart();
    ioc_.run();
    return out;
  }

 private:
  boost::asio::io_context ioc_;
  std::shared_ptr<HttpConn> conn_;
};

}  // namespace sb::loadgen

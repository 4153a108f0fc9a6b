#include "bench/loadgen/http_conn.h"

#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <string>

namespace sb::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
// Below the daemon's default idle timeout (read_timeout_s = 15).
constexpr auto kMaxIdle = std::chrono::seconds(10);
}  // namespace

HttpConn::HttpConn(net::io_context& ioc, net::ip::tcp::endpoint server,
                   std::chrono::milliseconds timeout)
    : server_(std::move(server)), timeout_(timeout), stream_(ioc) {}

void HttpConn::send(HttpCall call, Done done) {
  if (closed_) return;
  queue_.push_back(Pending{std::move(call), std::move(done)});
  if (!busy_) start_next();
}

void HttpConn::close() {
  closed_ = true;
  queue_.clear();
  drop_socket();
}

void HttpConn::drop_socket() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  connected_ = false;
}

void HttpConn::start_next() {
  if (closed_ || queue_.empty()) {
    busy_ = false;
    return;
  }
  busy_ = true;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  result_ = HttpResult{};
  result_.write_started = Clock::now();
  if (connected_ && result_.write_started - last_used_ > kMaxIdle) drop_socket();
  if (connected_) return write_current();
  stream_.expires_after(timeout_);
  stream_.async_connect(server_, [self = shared_from_this()](beast::error_code ec) {
    if (self->closed_) return;
    if (ec) {
      return self->finish(ec == beast::error::timeout ? Failure::kTimeout : Failure::kConnect);
    }
    beast::error_code ignored;
    self->stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->write_current();
  });
}

void HttpConn::write_current() {
  // The request's bytes written directly, as the daemon writes its answers:
  // Beast's serializer cost the generator CPU that the daemon beside it on
  // the same two cores then did not get. The headers are the generator's own.
  const auto& c = current_.call;
  out_.clear();
  out_.append(http::to_string(c.method)).append(" ").append(c.target).append(" HTTP/1.1\r\n");
  out_.append("Host: 127.0.0.1\r\n");
  for (const auto& [name, value] : c.headers) {
    // Host and the framing are this writer's own (Beast's set() replaced them).
    if (beast::iequals(name, "host") || beast::iequals(name, "content-length") ||
        beast::iequals(name, "transfer-encoding") || beast::iequals(name, "connection")) {
      continue;
    }
    out_.append(name).append(": ").append(value).append("\r\n");
  }
  // As Beast's prepare_payload: a length for any body, and for an empty
  // POST, PUT or OPTIONS.
  if (!c.body.empty() || c.method == http::verb::post || c.method == http::verb::put ||
      c.method == http::verb::options) {
    out_.append("Content-Length: ").append(std::to_string(c.body.size())).append("\r\n");
  }
  out_.append("\r\n").append(c.body);
  stream_.expires_after(timeout_);
  net::async_write(
      stream_, net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->finish(ec == beast::error::timeout ? Failure::kTimeout : Failure::kIo);
        self->response_ = {};
        self->stream_.expires_after(self->timeout_);
        http::async_read(self->stream_, self->buffer_, self->response_,
                         [self](beast::error_code rec, std::size_t) {
                           if (self->closed_) return;
                           if (rec) {
                             return self->finish(rec == beast::error::timeout ? Failure::kTimeout
                                                                              : Failure::kIo);
                           }
                           self->finish(Failure::kNone);
                         });
      });
}

void HttpConn::finish(Failure failure) {
  result_.failure = failure;
  result_.completed = Clock::now();
  last_used_ = result_.completed;
  if (failure == Failure::kNone) {
    result_.status = static_cast<int>(response_.result_int());
    result_.body = std::move(response_.body());
    if (!response_.keep_alive()) drop_socket();
  } else {
    buffer_.clear();
    drop_socket();
  }
  auto done = std::move(current_.done);
  auto result = std::move(result_);
  // The next call starts first, so that `done` may queue more behind it.
  busy_ = false;
  if (!queue_.empty()) start_next();
  if (done) done(std::move(result));
}

}  // namespace sb::loadgen

#include "bench/loadgen/http_conn.h"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

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
  request_ = {};
  request_.method(current_.call.method);
  request_.target(current_.call.target);
  request_.version(11);
  request_.set(http::field::host, "127.0.0.1");
  request_.keep_alive(true);
  for (const auto& [name, value] : current_.call.headers) request_.set(name, value);
  request_.body() = std::move(current_.call.body);
  request_.prepare_payload();
  stream_.expires_after(timeout_);
  http::async_write(
      stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
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

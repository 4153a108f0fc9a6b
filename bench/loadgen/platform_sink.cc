#include "bench/loadgen/platform_sink.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sb::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// One keep-alive connection from the daemon's outbound client.
class SinkSession : public std::enable_shared_from_this<SinkSession> {
 public:
  SinkSession(tcp::socket socket, std::shared_ptr<std::atomic<std::uint64_t>> deliveries)
      : stream_(std::move(socket)), deliveries_(std::move(deliveries)) {}

  void read_next() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       self->answer();
                     });
  }

 private:
  void answer() {
    const auto n = deliveries_->fetch_add(1, std::memory_order_relaxed) + 1;
    response_ = {};
    response_.version(request_.version());
    response_.result(http::status::ok);
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(request_.keep_alive());
    // Each platform's success answer, told apart by the send API's path; the
    // api channel only looks at the status.
    const std::string_view target = request_.target();
    if (target.find("/pa/send_message") != std::string_view::npos) {
      response_.body() =
          R"({"status":0,"status_message":"ok","message_token":)" + std::to_string(n) + "}";
    } else if (target.find("/me/messages") != std::string_view::npos) {
      response_.body() = R"({"recipient_id":"1","message_id":"m_)" + std::to_string(n) + R"("})";
    } else if (target.find("/v3/") != std::string_view::npos) {  // Mailgun's Messages API
      response_.body() = R"({"id":"<lg.)" + std::to_string(n) +
                         R"(@lg.example.com>","message":"Queued. Thank you."})";
    } else if (target.find("/v19.0/") != std::string_view::npos) {
      response_.body() = R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.)" +
                         std::to_string(n) + R"("}]})";
    } else {
      response_.body() = R"({"ok":true,"result":{"message_id":)" + std::to_string(n) +
                         R"(,"date":1763877600,"chat":{"id":1,"type":"private"}}})";
    }
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return;
                        self->read_next();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::shared_ptr<std::atomic<std::uint64_t>> deliveries_;
};

}  // namespace

PlatformSink::PlatformSink(net::io_context& ioc)
    : acceptor_(ioc), counter_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}

std::string PlatformSink::start() {
  beast::error_code ec;
  const tcp::endpoint local(net::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(local.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(local, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "platform sink on 127.0.0.1: " + ec.message();
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  return "";
}

void PlatformSink::accept_next() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // stopped
    std::make_shared<SinkSession>(std::move(socket), counter_)->read_next();
    accept_next();
  });
}

void PlatformSink::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace sb::loadgen

// Fuzzes the HTTP request path of the front without sockets: the bytes a
// client sends on one connection are read the way HttpServer's sessions read
// them (adapters/http/request_parser.h: Beast's request parser with our body
// and header limits, a fresh parser per request over the connection's buffer,
// keep-alive pipelining), and each request is converted into the HttpRequest
// the handlers see. Request line, headers, Content-Length and chunked bodies.
//
// Input: byte 0 picks the read size (how the bytes are split into reads, 1..63
// or all at once) and small or default limits; the rest is the connection.
//
// Invariants beyond "no crash, no leak, no UB":
// - every failure is one the server answers (413, 431, 400: Beast's HTTP
//   error category) or the end of the connection, never an unknown error the
//   session would drop silently;
// - an accepted body is within the body limit, the headers within the header
//   limit; a request that is not chunked has a body of exactly its
//   Content-Length; a Transfer-Encoding is chunked and never comes with a
//   Content-Length (request smuggling: the session answers 400 to what
//   detail::framing_error reports, as applied here); trailer fields of a
//   chunked body never reach the handlers (counted: they are discarded);
// - HttpRequest: header names lower-case, query = what follows the first '?'
//   of the target, path decoded from what precedes it, WebSocket upgrades are
//   GETs.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/request_parser.h"
#include "adapters/http/server.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using sb::http::detail::BeastRequest;
using sb::http::detail::RequestParser;

void check_request(const BeastRequest& msg, const sb::http::HttpRequest& req,
                   std::size_t body_limit, std::size_t header_limit) {
  FUZZ_CHECK(req.body.size() <= body_limit);
  std::size_t header_bytes = 0;
  std::size_t content_lengths = 0;
  bool transfer_encoding = false;
  for (const auto& [name, value] : req.headers) {
    header_bytes += name.size() + value.size();
    for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    if (name == "content-length") ++content_lengths;
    if (name == "transfer-encoding") transfer_encoding = true;
  }
  FUZZ_CHECK(header_bytes <= header_limit);
  FUZZ_CHECK(!(content_lengths > 0 && transfer_encoding));
  if (transfer_encoding) FUZZ_CHECK(msg.chunked());
  if (!msg.chunked()) {
    const auto len = msg.payload_size();
    FUZZ_CHECK(len.has_value() ? *len == req.body.size() : req.body.empty());
  }
  FUZZ_CHECK(!req.method.empty());
  const auto q = req.target.find('?');
  FUZZ_CHECK(q == std::string::npos ? req.query.empty() : req.query == req.target.substr(q + 1));
  FUZZ_CHECK(req.path ==
             sb::http::percent_decode(std::string_view(req.target).substr(0, q), false));
  if (req.websocket_upgrade) FUZZ_CHECK(req.method == "GET");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const sb::http::ServerOptions defaults;
  const std::size_t body_limit = (mode & 1) ? 64 : defaults.body_limit;
  const std::size_t header_limit = (mode & 2) ? 256 : defaults.header_limit;
  const std::size_t read_size =
      (mode >> 2) == 0 ? std::numeric_limits<std::size_t>::max() : (mode >> 2);

  net::io_context ioc;
  beast::test::stream conn(ioc,
                           std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  conn.read_size(read_size);
  conn.close_remote();  // the client is done sending: EOF after its bytes

  beast::flat_buffer buffer;  // per connection, as in a session
  buffer.max_size(sb::http::detail::connection_buffer_limit(header_limit));
  std::optional<RequestParser> parser;
  for (int i = 0; i < 64; ++i) {
    sb::http::detail::start_request(parser, body_limit, header_limit);
    beast::error_code ec;
    bhttp::read(conn, buffer, *parser, ec);
    if (ec) {
      FUZZ_CHECK(ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                 sb::http::detail::is_http_parse_error(ec));
      break;
    }
    auto msg = parser->release();
    if (!sb::http::detail::framing_error(msg).empty()) break;  // 400, closed
    const bool keep_alive = msg.keep_alive();
    const BeastRequest head = msg;  // before the body is moved out
    auto req = sb::http::detail::to_http_request(msg);
    check_request(head, req, body_limit, header_limit);
    if (!keep_alive) break;
  }
  return 0;
}

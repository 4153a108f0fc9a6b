// Internal to the HTTP server: how a request is read off a connection (Beast's
// parser with our body and header limits) and what the handlers get from it
// (the Beast-free HttpRequest). Header-only, so that server.cc stays the one
// TU of the daemon that compiles Beast's HTTP parser; the fuzz target
// tests/fuzz/http_request_fuzz.cc includes it to run the same code without
// sockets.
#pragma once

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/message.h"

namespace sb::http::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
// Beast's request parser with two repairs, both found by
// tests/fuzz/http_request_fuzz.cc:
// - Beast applies its header limit to each read's window rather than to the
//   whole header section: fields parsed from the read that also held the
//   request line are consumed, and the rest of the section gets a fresh
//   limit. So the fields are counted here too, against the same limit (name,
//   value, colon and CRLF: never more than the bytes Beast counts, so nothing
//   Beast accepts in one read is refused).
// - Beast adds the trailer fields of a chunked body to the message's headers,
//   outside any limit. RFC 9110 6.5.1 lets a recipient discard trailers, and
//   no handler of ours expects one; merged, a field could arrive after the
//   body it vouches for (a Telegram secret token in a trailer was accepted).
//   Discarded, and counted against the header limit like headers.
// Either excess is answered like oversized headers (431).
class RequestParser : public boost::beast::http::request_parser<boost::beast::http::string_body> {
 public:
  // Sets Beast's limit too: the two counts stay the same number.
  explicit RequestParser(std::size_t header_limit) : header_limit_(header_limit) {
    this->header_limit(static_cast<std::uint32_t>(header_limit));
  }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    const bool trailer = is_header_done();
    std::size_t& used = trailer ? trailer_bytes_ : header_bytes_;
    used += name_string.size() + value.size() + 3;
    if (used > header_limit_) {
      ec = boost::beast::http::error::header_limit;
      return;
    }
    if (!trailer) get().insert(name, name_string, value);
  }

  std::size_t header_limit_;
  std::size_t header_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
};

// The most a connection buffers of what it has not parsed yet. Headers,
// trailers and chunk-size lines are parsed only once complete, so without a
// bound a client could grow the buffer for as long as it kept sending one
// line; body bytes are consumed as they arrive and need no more than one
// read's worth. Beast fails the read with http::error::buffer_overflow (a
// 400) when the buffer is full and the parser still needs more.
inline std::size_t connection_buffer_limit(std::size_t header_limit) {
  return header_limit + (64u << 10);
}

// A fresh parser for the next request of a connection, with our limits.
inline void start_request(std::optional<RequestParser>& parser, std::size_t body_limit,
                          std::size_t header_limit) {
  parser.emplace(header_limit);
  parser->body_limit(body_limit);
}

// A malformed request (answered 400), as opposed to a transport error.
inline bool is_http_parse_error(const boost::system::error_code& ec) {
  namespace bhttp = boost::beast::http;
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// Framing that Beast accepts but RFC 9112 (6.1, 6.3) does not: a
// Transfer-Encoding whose final coding is not chunked (Beast then reads the
// body by Content-Length or to the end), or Transfer-Encoding together with
// Content-Length. Either is a request-smuggling shape when a proxy in front
// reads the body differently; such requests are answered 400 and the
// connection closed. Empty when the framing is sound. (Found by
// tests/fuzz/http_request_fuzz.cc.)
inline std::string_view framing_error(const BeastRequest& msg) {
  namespace bhttp = boost::beast::http;
  if (msg.count(bhttp::field::transfer_encoding) == 0) return {};
  if (!msg.chunked()) return "Transfer-Encoding must end with chunked";
  if (msg.count(bhttp::field::content_length) > 0) {
    return "Content-Length and Transfer-Encoding together";
  }
  return {};
}

// What the handlers see of a parsed request: method, target split into the
// decoded path and the raw query, headers with lower-case names, the body
// (moved out of `msg`). `remote` is the caller's to fill.
inline HttpRequest to_http_request(BeastRequest& msg) {
  HttpRequest req;
  req.websocket_upgrade = boost::beast::websocket::is_upgrade(msg);
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = percent_decode(std::string_view(req.target).substr(0, q), false);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(8);
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.body = std::move(msg.body());
  return req;
}

}  // namespace sb::http::detail

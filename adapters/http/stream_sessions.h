// Internal to the HTTP server: the WebSocket and SSE sessions a connection
// becomes when a handler answers with a stream, over plain TCP or over TLS
// (wss, SSE over https) with the same logic. Included by server.cc and
// stream_sessions.cc only (it exposes Beast types; the TLS stream is only
// declared here, so that includers do not compile OpenSSL's headers).
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>

#include "adapters/http/stream.h"

namespace boost::beast {
template <class NextLayer>
class ssl_stream;  // <boost/beast/ssl/ssl_stream.hpp>
}  // namespace boost::beast

namespace sb::http::detail {

// A connection after its TLS handshake (server side).
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct StreamLimits {
  std::size_t send_buffer_bytes = 1 << 20;  // queued, unwritten bytes per connection
  std::size_t max_client_message = 64 << 10;
  std::chrono::seconds heartbeat{15};
};

// How a WebSocket session reads client messages (what it accepts of them).
// A template over the stream so that the fuzz target applies exactly this to
// a websocket::stream over an in-memory stream.
template <class WebSocketStream>
void limit_client_messages(WebSocketStream& ws, const StreamLimits& limits) {
  ws.read_message_max(limits.max_client_message);
}

// `guard` is held for as long as the connection lives (connection counting).
void start_websocket(boost::beast::tcp_stream&& stream,
                     boost::beast::http::request<boost::beast::http::string_body>&& upgrade,
                     std::shared_ptr<StreamSource> source, StreamLimits limits,
                     std::shared_ptr<void> guard);

void start_sse(boost::beast::tcp_stream&& stream, std::shared_ptr<StreamSource> source,
               StreamLimits limits, std::shared_ptr<void> guard);

// The same over TLS.
void start_websocket(TlsStream&& stream,
                     boost::beast::http::request<boost::beast::http::string_body>&& upgrade,
                     std::shared_ptr<StreamSource> source, StreamLimits limits,
                     std::shared_ptr<void> guard);

void start_sse(TlsStream&& stream, std::shared_ptr<StreamSource> source, StreamLimits limits,
               std::shared_ptr<void> guard);

}  // namespace sb::http::detail

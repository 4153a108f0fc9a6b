// Plain HTTP request/response types shared by the server (the only Beast
// translation unit) and the handlers (which never include Beast).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::http {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // as sent: path and query
  std::string path;                                          // decoded path, no query
  std::string query;                                         // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;              // peer address, for logs
  bool websocket_upgrade = false;  // a WebSocket handshake request

  // The first header with that (lower-case) name, or "".
  std::string_view header(std::string_view lower_name) const;
  // A query parameter, percent-decoded; nullopt-like "" with found=false.
  bool query_param(std::string_view name, std::string& out) const;
};

class StreamSource;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the connection becomes a stream (WebSocket or SSE) fed by it.
  std::shared_ptr<StreamSource> stream;
};

// Completes a request. Call exactly once, from any thread: the server moves
// the response onto the connection's own executor.
using Responder = std::function<void(HttpResponse)>;

// The application behind the server. handle() runs on an I/O thread and must
// not block: long work goes to shards, which call the Responder later.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void handle(HttpRequest&& request, Responder respond) = 0;
  // Called when the server itself rejects a request (too large, malformed,
  // timeout) so that metrics see it too. Any I/O thread.
  virtual void on_rejected(int /*status*/) {}
};

// {"error":{"code":...,"message":...}} with the given status.
HttpResponse json_error(int status, std::string_view code, std::string_view message);
HttpResponse json_ok(std::string body, int status = 200);

std::string percent_decode(std::string_view s, bool plus_is_space);

// ASCII case folding, for header names, media types and hex signatures.
std::string ascii_lower(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b);

// The credential of `Authorization: Bearer <credential>`; else, when
// `query_fallback` is not empty, that query parameter (browsers' EventSource
// and WebSocket cannot set headers); "" if neither.
std::string bearer_credential(const HttpRequest& req, std::string_view query_fallback);

// Strict UTF-8 (RFC 3629), for what the transport should have checked but may
// not have: Beast 1.81 can hand over a WebSocket text message that is not
// UTF-8 (stream sessions check again; tests/fuzz/websocket_fuzz.cc).
bool is_valid_utf8(std::string_view s);

}  // namespace sb::http

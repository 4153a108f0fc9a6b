// Internal to the HTTP server: the bytes of a response's status line and
// header section. Written by hand rather than with Beast's serializer, which
// walked a chain of buffer views over a field list allocated per response
// for what is one short, fixed-shape head (~14 % of an I/O thread's CPU at
// the wrk peak; docs/performance-history.md, session 15).
#pragma once

#include <string>

#include "adapters/http/message.h"

namespace sb::http::detail {

// What the request and the connection decide about an answer's framing.
struct Framing {
  bool close = false;       // `Connection: close`: the last answer on this connection
  bool keep_alive = false;  // `Connection: keep-alive`, for an HTTP/1.0 client that asked
  bool head = false;        // the request was HEAD: the same head, no body
};

// Replaces `out` with the head of `r` as HTTP/1.1: the status line, Server,
// Content-Type, Content-Length (none for 204 and 304, which have no body),
// the handler's headers, Connection as `framing` says, and the blank line.
// Returns whether the body follows the head: not for 204, 304 and HEAD,
// whatever the handler put in it.
// A status outside 200-599 is a handler bug (1xx are the stream's, 101, and
// never an answer's) and goes out as 500. Framing stays the server's: a
// handler header named Content-Length, Transfer-Encoding or Connection is
// left out, one named Server or Content-Type replaces the server's, and of
// two with the same name the last is kept (as Beast's fields::set did). A
// header whose name is not an RFC 9110 token, or whose value holds a control
// character other than HTAB, is left out as well: no handler can split the
// response or make it unreadable to a strict parser.
[[nodiscard]] bool write_response_head(const HttpResponse& r, const Framing& framing,
                                       std::string& out);

}  // namespace sb::http::detail

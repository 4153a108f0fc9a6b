// Internal to the HTTP server: the bytes of a response's status line and
// header section. Written by hand rather than with Beast's serializer, which
// walked a chain of buffer views over a field list allocated per response
// for what is one short, fixed-shape head (~14 % of an I/O thread's CPU at
// the wrk peak; docs/performance-history.md, session 15).
#pragma once

#include <string>

#include "adapters/http/message.h"

namespace sb::http::detail {

// Replaces `out` with the head of `r` as HTTP/1.1: the status line, Server,
// Content-Type, Content-Length (none for 1xx, 204 and 304, which have no
// body), the handler's headers, `Connection: close` when `close`, and the
// blank line. Returns whether the body follows the head: not for 1xx, 204
// and 304 (body_allowed()), whatever the handler put in it.
// Framing stays the server's: a handler header named Content-Length,
// Transfer-Encoding or Connection is left out, and one named Server or
// Content-Type replaces the server's. A header whose name is not an RFC 9110
// token, or whose value holds CR, LF or NUL, is left out as well, so that no
// handler can split the response.
[[nodiscard]] bool write_response_head(const HttpResponse& r, bool close, std::string& out);

// False for the statuses that never carry a body (1xx, 204, 304).
bool body_allowed(int status);

}  // namespace sb::http::detail

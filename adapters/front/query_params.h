// Parsers of the query parameters the API reads as numbers (untrusted input,
// pure functions): the stream's ?since= (or Last-Event-ID) and the listing
// routes' ?cursor=&limit=.
#pragma once

#include <cstdint>
#include <string_view>

#include "adapters/http/message.h"

namespace sb::adapters {

// A stream position: 1..20 decimal digits that fit 64 bits, nothing else.
bool parse_seq(std::string_view s, std::uint64_t& out);

// ?cursor=&limit=: an absent or empty cursor and an absent limit keep the
// caller's defaults; a limit is 1..500.
enum class PageError { kNone, kCursor, kLimit };
PageError parse_page_params(const http::HttpRequest& req, std::uint64_t& cursor,
                            std::uint64_t& limit);

}  // namespace sb::adapters

// Fuzzes WebSocket frames as a stream session reads them
// (adapters/http/stream_sessions.*): a server-side websocket::stream, with the
// session's read limits applied by the same helper (limit_client_messages),
// accepts a real upgrade request and then reads client messages from the
// input bytes (over an in-memory Beast test stream) until an error, as the
// session's read loop does. Masking, fragmentation, control frames, close
// frames, UTF-8 of text messages, sizes over the limit.
//
// Input: byte 0 picks the read size (1..127 or all at once) and the default
// or a small message limit; the rest is what the client sends after the
// handshake.
//
// Invariants beyond "no crash, no leak, no UB": no message handed to the
// application exceeds the limit, and every text message it takes is valid
// UTF-8. Beast 1.81 alone does not ensure that (found by this target): it
// skips its final UTF-8 check when a fragmented text message ends with an
// empty FIN frame, and the validator's state then leaks into the next
// message, which may start with continuation bytes
// (corpus/websocket/regress_utf8_empty_fin.bin, regress_utf8_leak.bin). So
// the session checks text messages again (http::is_valid_utf8) and closes
// with 1007; this target applies the same check, then verifies with its own
// strict validator.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "adapters/http/message.h"
#include "adapters/http/stream_sessions.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past U+10FFFF;
// a truncated last sequence passes (see above).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) {  // truncated at the end: only continuation bytes may follow
      for (std::size_t k = i + 1; k < s.size(); ++k) {
        if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return false;
      }
      return true;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// GET /v1/stream as a browser sends it (RFC 6455's sample key).
bhttp::request<bhttp::string_body> upgrade_request() {
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/v1/stream?since=0", 11};
  req.set(bhttp::field::host, "127.0.0.1:8080");
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::connection, "Upgrade");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(bhttp::field::sec_websocket_version, "13");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  sb::http::detail::StreamLimits limits;
  if (mode & 1) limits.max_client_message = 125;
  const std::size_t read_size =
      (mode >> 1) == 0 ? std::numeric_limits<std::size_t>::max() : (mode >> 1);

  net::io_context ioc;
  beast::test::stream client(ioc);
  websocket::stream<beast::test::stream> ws(ioc);
  ws.next_layer().connect(client);  // the handshake answer and pongs go to `client`
  sb::http::detail::limit_client_messages(ws, limits);
  ws.text(true);

  beast::error_code ec;
  ws.accept(upgrade_request(), ec);
  FUZZ_CHECK(!ec);
  ws.next_layer().append(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  ws.next_layer().read_size(read_size);
  ws.next_layer().close_remote();  // EOF after the client's bytes

  beast::flat_buffer in;
  for (int i = 0; i < 1024; ++i) {
    ws.read(in, ec);
    if (ec) break;
    const std::string message = beast::buffers_to_string(in.data());
    FUZZ_CHECK(message.size() <= limits.max_client_message);
    if (ws.got_text() && !sb::http::is_valid_utf8(message)) break;  // the session closes (1007)
    if (ws.got_text()) FUZZ_CHECK(valid_utf8(message));
    in.consume(in.size());
  }
  return 0;
}

// The hand-written response head (adapters/http/response_head.h), read back
// with Beast's response parser: what any HTTP/1.1 client would make of it.
#include "adapters/http/response_head.h"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <sstream>

namespace sb::http::detail {
namespace {

namespace bhttp = boost::beast::http;
using Parsed = bhttp::response<bhttp::string_body>;

// The bytes the server sends for `r`: the head, then the body if allowed.
std::string wire(const HttpResponse& r, bool close) {
  std::string out;
  Framing f;
  f.close = close;
  if (write_response_head(r, f, out)) out += r.body;
  return out;
}

Framing closing(bool close) {
  Framing f;
  f.close = close;
  return f;
}

// Parses `bytes` as one complete response; nullopt if Beast refuses them or
// needs more. (A 204's end is its head: no body follows.)
std::optional<Parsed> parse(const std::string& bytes, std::size_t* used = nullptr) {
  bhttp::response_parser<bhttp::string_body> p;
  p.eager(true);
  boost::beast::error_code ec;
  const auto n = p.put(boost::asio::buffer(bytes), ec);
  if (ec || !p.is_done()) return std::nullopt;
  if (used) *used = n;
  return p.release();
}

TEST(ResponseHead, AJsonAnswerReadsBackWithItsLengthAndKeepsTheConnection) {
  auto r = json_ok(R"({"ok":true})", 202);
  r.headers.emplace_back("Retry-After", "5");
  const auto bytes = wire(r, false);
  std::size_t used = 0;
  const auto m = parse(bytes, &used);
  ASSERT_TRUE(m) << bytes;
  EXPECT_EQ(used, bytes.size());
  EXPECT_EQ(m->result_int(), 202u);
  EXPECT_EQ(m->reason(), "Accepted");
  EXPECT_EQ(m->version(), 11u);
  EXPECT_EQ((*m)[bhttp::field::server], "switchboard");
  EXPECT_EQ((*m)[bhttp::field::content_type], "application/json");
  EXPECT_EQ((*m)[bhttp::field::content_length], "11");
  EXPECT_EQ((*m)["Retry-After"], "5");
  EXPECT_EQ(m->body(), R"({"ok":true})");
  EXPECT_TRUE(m->keep_alive());
}

TEST(ResponseHead, CloseSaysSo) {
  const auto m = parse(wire(json_error(400, "bad_request", "x"), true));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->result_int(), 400u);
  EXPECT_FALSE(m->keep_alive());
  EXPECT_EQ((*m)[bhttp::field::connection], "close");
}

TEST(ResponseHead, IsWhatBeastsSerializerWrote) {
  // The server wrote its answers with Beast's serializer before: the same
  // fields in the same order, so clients see no difference.
  HttpResponse r = json_error(429, "rate_limited", "slow down");
  r.headers.emplace_back("Retry-After", "1");
  for (bool close : {false, true}) {
    Parsed res;
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    res.set(bhttp::field::server, "switchboard");
    res.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.body() = r.body;
    res.keep_alive(!close);
    res.prepare_payload();
    std::ostringstream beast_bytes;
    beast_bytes << res;
    std::string ours;
    ASSERT_TRUE(write_response_head(r, closing(close), ours));
    ours += r.body;
    // Beast orders its fields by insertion; only the position of
    // Content-Length (set last by prepare_payload) differs.
    auto without_length = [](std::string s) {
      const auto at = s.find("Content-Length: ");
      const auto end = s.find("\r\n", at);
      return s.erase(at, end + 2 - at);
    };
    EXPECT_EQ(without_length(ours), without_length(beast_bytes.str())) << close;
    EXPECT_NE(ours.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
              std::string::npos);
  }
}

TEST(ResponseHead, NoContentHasNoLengthAndNoBody) {
  HttpResponse r;
  r.status = 204;
  r.body = "ignored";  // a handler mistake must not put bytes after a 204
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  std::string head;
  EXPECT_FALSE(write_response_head(r, Framing{}, head));
  const auto bytes = wire(r, false);
  EXPECT_EQ(bytes, head);
  EXPECT_EQ(bytes.find("Content-Length"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
  r.status = 304;
  EXPECT_FALSE(write_response_head(r, Framing{}, head));
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
}

TEST(ResponseHead, HeadGetsTheLengthOfTheBodyItDoesNotGet) {
  const auto r = json_error(404, "not_found", "no such route: HEAD /x");
  Framing f;
  f.head = true;
  std::string head;
  EXPECT_FALSE(write_response_head(r, f, head));
  EXPECT_NE(head.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos)
      << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ResponseHead, AnHttp10ClientThatAskedForKeepAliveIsToldSo) {
  Framing f;
  f.keep_alive = true;
  std::string head;
  EXPECT_TRUE(write_response_head(json_ok("{}"), f, head));
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos) << head;
  f.close = true;  // closing wins
  EXPECT_TRUE(write_response_head(json_ok("{}"), f, head));
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("keep-alive"), std::string::npos) << head;
}

TEST(ResponseHead, HandlerHeadersCannotSplitTheResponseOrChangeItsFraming) {
  HttpResponse r = json_ok("{}");
  r.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: x=1");
  r.headers.emplace_back("X-Nul", std::string("a\0b", 3));
  r.headers.emplace_back("X-Bell",
                         "a\x07"
                         "b");
  r.headers.emplace_back("X-Del", "a\x7f");
  r.headers.emplace_back("X-Tab", "a\tb");
  r.headers.emplace_back("Bad Name", "v");
  r.headers.emplace_back("Bad:Name", "v");
  r.headers.emplace_back("", "v");
  r.headers.emplace_back("Content-Length", "999");
  r.headers.emplace_back("transfer-encoding", "chunked");
  r.headers.emplace_back("Connection", "keep-alive");
  r.headers.emplace_back("X-Fine", "yes");
  const auto bytes = wire(r, true);
  const auto m = parse(bytes);
  ASSERT_TRUE(m) << bytes;
  EXPECT_EQ(bytes.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(bytes.find("X-Nul"), std::string::npos);
  EXPECT_EQ(bytes.find("X-Bell"), std::string::npos);
  EXPECT_EQ(bytes.find("X-Del"), std::string::npos);
  EXPECT_EQ((*m)["X-Tab"], "a\tb");
  EXPECT_EQ(bytes.find("Bad"), std::string::npos);
  EXPECT_EQ(bytes.find("999"), std::string::npos);
  EXPECT_EQ(bytes.find("chunked"), std::string::npos);
  EXPECT_EQ(bytes.find("keep-alive"), std::string::npos);
  EXPECT_EQ((*m)[bhttp::field::content_length], "2");
  EXPECT_EQ((*m)["X-Fine"], "yes");
  EXPECT_FALSE(m->keep_alive());
}

TEST(ResponseHead, HandlerServerAndContentTypeReplaceTheDefaults) {
  HttpResponse r = json_ok("ok");
  r.headers.emplace_back("content-type", "text/plain");
  r.headers.emplace_back("Server", "custom");
  const auto bytes = wire(r, false);
  const auto m = parse(bytes);
  ASSERT_TRUE(m) << bytes;
  EXPECT_EQ((*m)[bhttp::field::content_type], "text/plain");
  EXPECT_EQ((*m)[bhttp::field::server], "custom");
  EXPECT_EQ(m->count(bhttp::field::content_type), 1u);
  EXPECT_EQ(m->count(bhttp::field::server), 1u);
}

TEST(ResponseHead, AStatusOutsideTheAnswersRangeBecomesA500) {
  HttpResponse r = json_ok("{}");
  for (int status : {0, 42, 100, 101, 199, 600, 999, 1000, -1}) {
    r.status = status;
    const auto m = parse(wire(r, false));
    ASSERT_TRUE(m) << status;
    EXPECT_EQ(m->result_int(), 500u) << status;
  }
  r.status = 599;
  const auto m = parse(wire(r, false));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->result_int(), 599u);
}

TEST(ResponseHead, OfTwoHeadersWithOneNameTheLastIsKept) {
  HttpResponse r = json_ok("{}");
  r.headers.emplace_back("Retry-After", "1");
  r.headers.emplace_back("retry-after", "5");
  r.headers.emplace_back("Content-Type", "text/plain");
  r.headers.emplace_back("content-type", "text/csv");
  r.headers.emplace_back("X-Last-Unsafe", "kept");
  r.headers.emplace_back("X-Last-Unsafe",
                         "a\r\nb");  // an unusable last one does not hide the first
  const auto bytes = wire(r, false);
  const auto m = parse(bytes);
  ASSERT_TRUE(m) << bytes;
  EXPECT_EQ(m->count("Retry-After"), 1u) << bytes;
  EXPECT_EQ((*m)["Retry-After"], "5");
  EXPECT_EQ(m->count(bhttp::field::content_type), 1u) << bytes;
  EXPECT_EQ((*m)[bhttp::field::content_type], "text/csv");
  EXPECT_EQ((*m)["X-Last-Unsafe"], "kept");
}

TEST(ResponseHead, ReusesTheBufferWithoutLeftovers) {
  std::string out;
  EXPECT_TRUE(write_response_head(json_error(431, "headers_too_large", "a long message here"),
                                  closing(true), out));
  EXPECT_TRUE(write_response_head(json_ok("{}"), Framing{}, out));
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(out.find("431"), std::string::npos);
  EXPECT_EQ(out.find("close"), std::string::npos);
}

}  // namespace
}  // namespace sb::http::detail

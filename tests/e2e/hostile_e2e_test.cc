// A catalogue of hostile and broken inputs against the real binary, one
// table: each answer must be a clear JSON 4xx (or a closed connection where
// HTTP itself is broken), nothing of it may be stored, and a normal webhook
// must still be served right after it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "storage/db.h"
#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "hostile-secret-0123456789";
constexpr int kClosed = 0;  // expected: the server closed the connection

struct Case {
  std::string name;
  std::function<HttpResult()> send;
  int status;        // expected status, or kClosed
  std::string code;  // expected error code ("" for kClosed)
};

class HostileE2E : public ::testing::Test {
 protected:
  static std::string config(const TempDir& dir) {
    const auto path = dir.path() + "/sb.toml";
    std::ofstream(path) << "[server]\nread_timeout_s = 2\nbody_limit_bytes = 65536\n";
    return path;
  }

  void SetUp() override {
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/tg",
                       R"({"type":"telegram","secret":")" + std::string(kSecret) + R"("})",
                       daemon_.admin())
                  .status,
              200);
    ASSERT_EQ(
        daemon_
            .put("/v1/channels/api-1", R"({"type":"api","secret":"api-secret"})", daemon_.admin())
            .status,
        200);
    auto op = daemon_.put("/v1/operators/olena", R"({"capacity":{"chat":2}})", daemon_.admin());
    token_ = json_peek(op.body, "token");
  }

  HttpResult raw(const std::string& bytes) { return http_raw(daemon_.port(), bytes, 5000); }
  HttpResult hook(const std::string& body, const std::string& path = "/webhooks/demo/tg") {
    return daemon_.post(path, body, {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
  }
  HttpResult admin_put(const std::string& path, const std::string& body) {
    return daemon_.put(path, body, daemon_.admin());
  }
  HttpResult admin_post(const std::string& path, const std::string& body) {
    return daemon_.post(path, body, daemon_.admin());
  }
  HttpResult admin_get(const std::string& path) { return daemon_.get(path, daemon_.admin()); }

  int good_sent_ = 0;
  void normal_webhook_still_works(const std::string& after) {
    auto r = hook(telegram_text_update(900000 + good_sent_, 42, "still there?"));
    ++good_sent_;
    EXPECT_EQ(r.status, 200) << "after case '" << after << "': " << r.body;
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--config", config(dir_)}};
  std::string token_;
};

// What the HTTP layer refuses before routing can be read by a browser (the
// website chat posts from any page): a CORS header on 400, 413 and 431.
TEST_F(HostileE2E, RejectionsOfTheHttpLayerCarryCors) {
  const std::string post =
      "POST /webchat/demo/site/messages HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\n";
  const std::vector<std::pair<int, HttpResult>> answers = {
      {400, raw(post + "Content-Length: -5\r\n\r\n")},
      {413, raw(post + "Content-Length: 70000\r\n\r\n" + std::string(70000, ' '))},
      {431, raw("GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n")},
  };
  for (const auto& [status, r] : answers) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("access-control-allow-origin"), "*") << status;
  }
  normal_webhook_still_works("CORS rejections");
}

TEST_F(HostileE2E, CatalogueOfBrokenAndHostileInput) {
  const std::string good = telegram_text_update(1, 42, "x");
  const std::string post =
      "POST /webhooks/demo/tg HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: " +
      std::string(kSecret) + "\r\n";
  const auto chunk_size = [](const std::string& chunk) {
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", chunk.size());
    return std::string(line);
  };
  const std::string deep =
      R"({"update_id":5,"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  std::vector<Case> cases = {
      // Broken HTTP.
      {"garbage request line", [&] { return raw("GARBAGE\r\n\r\n"); }, 400, "bad_request"},
      {"unknown HTTP version", [&] { return raw("GET /healthz HTTP/9.9\r\n\r\n"); }, 400,
       "bad_request"},
      {"header without colon", [&] { return raw("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"); }, 400,
       "bad_request"},
      {"header with NUL",
       [&] { return raw(std::string("GET /healthz HTTP/1.1\r\nX: a\0b\r\n\r\n", 36)); }, 400,
       "bad_request"},
      {"oversized header",
       [&] { return raw("GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"); },
       431, "headers_too_large"},
      {"negative content-length", [&] { return raw(post + "Content-Length: -5\r\n\r\n"); }, 400,
       "bad_request"},
      {"two different content-lengths",
       [&] { return raw(post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"); }, 400,
       "bad_request"},
      {"content-length beyond the body",
       [&] { return raw(post + "Content-Length: 100\r\n\r\n{\"update_id\""); }, kClosed, ""},
      {"bad chunk size",
       [&] { return raw(post + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n"); },
       400, "bad_request"},
      {"chunk longer than said",
       [&] { return raw(post + "Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n"); }, 400,
       "bad_request"},
      {"chunked and content-length",
       [&] {
         return raw(post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n");
       },
       400, "bad_request"},
      // Found by tests/fuzz/http_request_fuzz.cc: Beast read these by Content-Length.
      {"transfer-encoding not chunked",
       [&] { return raw(post + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"); }, 400,
       "bad_request"},
      {"transfer-encoding chunked-ish",
       [&] { return raw(post + "Transfer-Encoding: chunkedx\r\nContent-Length: 2\r\n\r\n{}"); },
       400, "bad_request"},
      // Found by tests/fuzz/http_request_fuzz.cc: Beast merged trailer fields into the
      // headers, outside the header limit, and buffered an unfinished trailer without bound.
      {"secret only in a trailer",
       [&] {
         return raw(
             "POST /webhooks/demo/tg HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
             chunk_size(good) + good +
             "\r\n0\r\nX-Telegram-Bot-Api-Secret-Token: " + std::string(kSecret) + "\r\n\r\n");
       },
       401, "bad_signature"},
      {"trailer over the header limit",
       [&] {
         return raw(post + "Transfer-Encoding: chunked\r\n\r\n" + chunk_size(good) + good +
                    "\r\n0\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
       },
       431, "headers_too_large"},
      {"trailer without an end",
       [&] {
         return raw(post + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(200000, 'a'));
       },
       400, "bad_request"},
      {"body over the limit", [&] { return hook(std::string(70000, ' ')); }, 413, "body_too_large"},
      {"chunked body over the limit",
       [&] {
         std::string chunks;
         for (int i = 0; i < 20; ++i) chunks += "1000\r\n" + std::string(4096, 'a') + "\r\n";
         return raw(post + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n");
       },
       413, "body_too_large"},
      // Broken or hostile JSON in a correctly signed webhook.
      {"empty body", [&] { return hook(""); }, 400, "malformed_body"},
      {"null", [&] { return hook("null"); }, 400, "malformed_body"},
      {"array", [&] { return hook("[1,2]"); }, 400, "malformed_body"},
      {"truncated", [&] { return hook(good.substr(0, good.size() / 2)); }, 400, "malformed_body"},
      {"trailing garbage", [&] { return hook(good + "}{"); }, 400, "malformed_body"},
      {"invalid UTF-8",
       [&] { return hook("{\"update_id\":7,\"message\":{\"text\":\"\xc3\x28\"}}"); }, 400,
       "malformed_body"},
      {"overlong UTF-8",
       [&] { return hook("{\"update_id\":7,\"message\":{\"text\":\"\xc0\xaf\"}}"); }, 400,
       "malformed_body"},
      {"deeply nested", [&] { return hook(deep); }, 400, "malformed_body"},
      {"number beyond 64 bits",
       [&] { return hook(R"({"update_id":123456789012345678901234567890})"); }, 400,
       "malformed_body"},
      {"update_id as string", [&] { return hook(R"({"update_id":"8"})"); }, 400, "malformed_body"},
      {"update_id float", [&] { return hook(R"({"update_id":8.5})"); }, 400, "malformed_body"},
      {"missing update_id", [&] { return hook(R"({"message":{"message_id":1,"text":"x"}})"); }, 400,
       "malformed_body"},
      {"message not an object", [&] { return hook(R"({"update_id":9,"message":"hi"})"); }, 400,
       "malformed_body"},
      {"text not a string", [&] { return hook(R"({"update_id":9,"message":{"text":["a"]}})"); },
       400, "malformed_body"},
      {"from.id an object",
       [&] { return hook(R"({"update_id":9,"message":{"from":{"id":{}},"text":"a"}})"); }, 400,
       "malformed_body"},
      {"duplicate keys", [&] { return hook(R"({"update_id":10,"update_id":11})"); }, 400,
       "malformed_body"},
      {"bad escape", [&] { return hook(R"({"update_id":12,"message":{"text":"\q"}})"); }, 400,
       "malformed_body"},
      // Authentication and addressing.
      {"wrong secret",
       [&] {
         return daemon_.post("/webhooks/demo/tg", good,
                             {{"X-Telegram-Bot-Api-Secret-Token", "nope"}});
       },
       401, "bad_signature"},
      {"secret with a suffix",
       [&] {
         return daemon_.post("/webhooks/demo/tg", good,
                             {{"X-Telegram-Bot-Api-Secret-Token", std::string(kSecret) + "x"}});
       },
       401, "bad_signature"},
      {"api signature wrong",
       [&] {
         return daemon_.post("/webhooks/demo/api-1",
                             R"({"event_id":"e","contact":{"external_id":"c"},"text":"x"})",
                             {{"X-Switchboard-Signature", "sha256=00"}});
       },
       401, "bad_signature"},
      {"unknown tenant", [&] { return hook(good, "/webhooks/nobody/tg"); }, 404, "not_found"},
      {"unknown channel", [&] { return hook(good, "/webhooks/demo/nope"); }, 404, "not_found"},
      {"path traversal", [&] { return hook(good, "/webhooks/demo/..%2F..%2Fetc"); }, 404,
       "not_found"},
      {"control characters in id", [&] { return hook(good, "/webhooks/demo/t%01g"); }, 404,
       "not_found"},
      {"huge channel name", [&] { return hook(good, "/webhooks/demo/" + std::string(5000, 'a')); },
       404, "not_found"},
      {"control bytes in a token",
       [&] {
         return daemon_.get("/v1/channels", {{"Authorization", "Bearer \x01\x02garbage"}});
       },
       400, "bad_request"},
      {"garbage token",
       [&] {
         return daemon_.get("/v1/channels", {{"Authorization", "Bearer !!not-a-key-at-all!!"}});
       },
       401, "unauthenticated"},
      {"empty bearer",
       [&] {
         return daemon_.get("/v1/channels", {{"Authorization", "Bearer "}});
       },
       401, "unauthenticated"},
      {"basic auth instead of bearer",
       [&] {
         return daemon_.get("/v1/channels", {{"Authorization", "Basic YTpi"}});
       },
       401, "unauthenticated"},
      {"operator token on an admin route",
       [&] {
         return daemon_.put("/v1/queues/x", "{}", {{"Authorization", "Bearer " + token_}});
       },
       403, "forbidden"},
      {"unknown route", [&] { return admin_get("/v1/nothing-here"); }, 404, "not_found"},
      // API bodies.
      {"channel of unknown type", [&] { return admin_put("/v1/channels/x", R"({"type":"fax"})"); },
       400, "invalid_body"},
      {"channel name with a dot-dot",
       [&] { return admin_put("/v1/channels/..", R"({"type":"api"})"); }, 400, "invalid_name"},
      {"queue with bad strategy",
       [&] { return admin_put("/v1/queues/q", R"({"strategy":"random"})"); }, 400, "invalid_body"},
      {"queue with negative timeout",
       [&] { return admin_put("/v1/queues/q", R"({"offer_timeout_s":-1})"); }, 400, "invalid_body"},
      {"queue overflow without queue",
       [&] { return admin_put("/v1/queues/q", R"({"overflow":{"after_s":5}})"); }, 400,
       "invalid_body"},
      {"operator capacity negative",
       [&] { return admin_put("/v1/operators/o", R"({"capacity":{"chat":-1}})"); }, 400,
       "invalid_body"},
      {"operator capacity huge",
       [&] { return admin_put("/v1/operators/o", R"({"capacity":{"chat":99999999999}})"); }, 400,
       "invalid_body"},
      {"operator skills not names",
       [&] { return admin_put("/v1/operators/o", R"({"skills":["a/b"]})"); }, 400, "invalid_body"},
      {"status unknown",
       [&] {
         return daemon_.put("/v1/me/status", R"({"status":"dancing"})",
                            {{"Authorization", "Bearer " + token_}});
       },
       400, "invalid_body"},
      {"transfer to both",
       [&] {
         return admin_post("/v1/conversations/cv-1/transfer", R"({"operator":"a","queue":"b"})");
       },
       400, "invalid_body"},
      {"transfer to nothing", [&] { return admin_post("/v1/conversations/cv-1/transfer", "{}"); },
       400, "invalid_body"},
      {"reply with empty text",
       [&] {
         return daemon_.post("/v1/conversations/cv-1/messages", R"({"text":""})",
                             {{"Authorization", "Bearer " + token_}});
       },
       400, "invalid_body"},
      {"reply too long",
       [&] {
         return daemon_.post("/v1/conversations/cv-1/messages",
                             "{\"text\":\"" + std::string(20000, 'a') + "\"}",
                             {{"Authorization", "Bearer " + token_}});
       },
       400, "invalid_body"},
      {"note text not a string",
       [&] { return admin_post("/v1/conversations/cv-1/notes", R"({"text":5})"); }, 400,
       "invalid_body"},
      {"event without event_id",
       [&] {
         return admin_post("/v1/events",
                           R"({"channel":"api-1","contact":{"external_id":"c"},"text":"x"})");
       },
       400, "invalid_body"},
      {"event with huge id",
       [&] {
         return admin_post("/v1/events", R"({"channel":"api-1","event_id":")" +
                                             std::string(1000, 'e') +
                                             R"(","contact":{"external_id":"c"},"text":"x"})");
       },
       400, "invalid_body"},
      {"event on unknown channel",
       [&] {
         return admin_post(
             "/v1/events",
             R"({"channel":"zzz","event_id":"e","contact":{"external_id":"c"},"text":"x"})");
       },
       404, "not_found"},
      {"contact custom not a string",
       [&] { return admin_put("/v1/contacts/ct-1", R"({"custom":{"vip":true}})"); }, 400,
       "invalid_body"},
      {"timeline bad cursor", [&] { return admin_get("/v1/contacts/ct-1/timeline?cursor=abc"); },
       400, "invalid_cursor"},
      {"list limit too large", [&] { return admin_get("/v1/conversations?limit=100000"); }, 400,
       "invalid_limit"},
      {"stream since negative", [&] { return admin_get("/v1/stream?since=-1"); }, 400,
       "invalid_since"},
      {"stream since beyond the end",
       [&] { return admin_get("/v1/stream?since=18446744073709551615"); }, 400, "invalid_since"},
      {"stream since overflowing",
       [&] { return admin_get("/v1/stream?since=99999999999999999999999"); }, 400, "invalid_since"},
  };
  ASSERT_GE(cases.size(), 50u);
  for (const auto& c : cases) {
    auto r = c.send();
    if (c.status == kClosed) {
      EXPECT_EQ(r.status, 0) << c.name << ": expected a closed connection, got " << r.status << " "
                             << r.body;
    } else {
      EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
      EXPECT_EQ(r.header("content-type"), "application/json") << c.name;
      EXPECT_EQ(json_peek(r.body, "code"), c.code) << c.name << ": " << r.body;
      EXPECT_FALSE(json_peek(r.body, "message").empty()) << c.name;
    }
    normal_webhook_still_works(c.name);
  }
  // Nothing of the above was stored: only the normal webhooks left marks.
  ASSERT_EQ(daemon_.terminate(), 0);
  auto db = storage::Db::open(dir_.path() + "/db");
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ((*db)->count_dedup("demo").value(), static_cast<std::uint64_t>(good_sent_));
}

TEST_F(HostileE2E, SlowlorisIsClosedWhileOthersAreServed) {
  std::atomic<bool> closed{false};
  std::thread slow([&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(daemon_.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    const std::string head = "POST /webhooks/demo/tg HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    // One byte every 200 ms, for at most 10 s (the read timeout is 2 s).
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (::send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
        closed = true;
        break;
      }
      char b;
      if (::recv(fd, &b, 1, MSG_DONTWAIT) == 0) {
        closed = true;
        break;
      }
    }
    ::close(fd);
  });
  // Meanwhile everybody else is served.
  for (int i = 0; i < 5; ++i) {
    normal_webhook_still_works("slowloris in progress");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  slow.join();
  EXPECT_TRUE(closed.load()) << "the trickling connection must be closed after the read timeout";
}

// Found by tests/fuzz/http_request_fuzz.cc: Beast applies its header limit to
// each read's window, and the fields completed by the read that held the
// request line are consumed uncounted. The session's first read is at most
// 4 KiB, so these headers (16.9 KiB of fields) passed the 16 KiB limit. The
// daemon counts the whole section.
TEST_F(HostileE2E, HeadersOverTheLimitAreRefusedAlsoWhenSplitAcrossReads) {
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  const std::string first = "X-A: " + std::string(3900, 'a') + "\r\n";
  const std::string second = "X-B: " + std::string(13000, 'b') + "\r\n";
  auto r = http_raw(daemon_.port(), head + first + second + "\r\n");
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(json_peek(r.body, "code"), "headers_too_large") << r.body;
  // Each field alone is within the limit.
  EXPECT_EQ(http_raw(daemon_.port(), head + first + "\r\n").status, 200);
  EXPECT_EQ(http_raw(daemon_.port(), head + second + "\r\n").status, 200);
  normal_webhook_still_works("headers split across reads");
}

TEST_F(HostileE2E, WebSocketMessageOverTheLimitClosesTheStream) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", daemon_.admin()), 101);
  ASSERT_TRUE(ws.read().has_value());  // hello
  ws.send(std::string(100000, 'x'));
  std::optional<std::string> next;
  do {
    next = ws.read(5000);
  } while (next.has_value());
  normal_webhook_still_works("oversized websocket message");
}

}  // namespace
}  // namespace sb::test

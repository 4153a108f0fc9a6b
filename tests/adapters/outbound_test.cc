// The outbound building blocks: HttpClient against a FakePlatform on
// loopback, and the Telegram sendMessage request builder and response mapping.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "adapters/outbound/http_client.h"
#include "adapters/telegram/telegram_sender.h"
#include "tests/support/fake_platform.h"
#include "tests/support/http_client.h"

namespace sb::adapters {
namespace {

using namespace std::chrono_literals;
using outbound::HttpClient;
using outbound::HttpClientOptions;
using outbound::OutboundRequest;
using outbound::OutboundResponse;
using Kind = DeliveryResult::Kind;
using test::CannedResponse;
using test::FakePlatform;

// Waits for `done`; the bound is only there so that a lost callback fails the
// test instead of hanging it.
Result<OutboundResponse> send_sync(HttpClient& client, OutboundRequest req) {
  auto promise = std::make_shared<std::promise<Result<OutboundResponse>>>();
  auto future = promise->get_future();
  client.send(std::move(req),
              [promise](Result<OutboundResponse> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(120s) != std::future_status::ready) {
    ADD_FAILURE() << "done was never called";
    return Status{Code::kInternal, "no answer"};
  }
  return future.get();
}

OutboundRequest post(std::string url, std::string body = "{}") {
  OutboundRequest r;
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}};
  return r;
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// ---- HttpClient ----

TEST(HttpClient, PostRoundTrip) {
  FakePlatform fake;
  HttpClient client;
  auto req =
      post(fake.base_url() + "/bot123:ABC/sendMessage?x=1#frag", R"({"chat_id":5,"text":"hi"})");
  req.headers.emplace_back("X-Trace", "abc");
  auto r = send_sync(client, req);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(contains(r->body, R"("message_id":1)")) << r->body;
  EXPECT_EQ(r->header("content-type"), "application/json");

  const auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/bot123:ABC/sendMessage?x=1");
  EXPECT_EQ(seen[0].body, R"({"chat_id":5,"text":"hi"})");
  EXPECT_EQ(seen[0].header("x-trace"), "abc");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[0].header("content-length"), std::to_string(req.body.size()));
  EXPECT_EQ(seen[0].header("host"), "127.0.0.1:" + std::to_string(fake.port()));
  EXPECT_EQ(seen[0].header("user-agent"), "switchboard");
  EXPECT_EQ(fake.count("/sendMessage"), 1u);
}

TEST(HttpClient, ReturnsEachScriptedStatus) {
  FakePlatform fake;
  fake.script(
      {{500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})"},
       CannedResponse(429, R"({"ok":false,"error_code":429})").with_header("Retry-After", "7"),
       {200, R"({"ok":true})"}});
  HttpClient client;
  const std::string url = fake.base_url() + "/x";
  auto a = send_sync(client, post(url));
  auto b = send_sync(client, post(url));
  auto c = send_sync(client, post(url));
  ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok());
  EXPECT_EQ(a->status, 500);
  EXPECT_TRUE(contains(a->body, "Internal Server Error"));
  EXPECT_EQ(b->status, 429);
  EXPECT_EQ(b->header("retry-after"), "7");
  EXPECT_EQ(c->status, 200);
  EXPECT_EQ(c->body, R"({"ok":true})");
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(HttpClient, SlowPlatformTimesOut) {
  FakePlatform fake;
  fake.script({{200, "{}", 60s}});  // answers long after the client gave up
  HttpClient client;
  auto req = post(fake.base_url() + "/slow");
  req.timeout = 200ms;
  auto r = send_sync(client, req);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "timed out")) << r.status().message();
  EXPECT_EQ(fake.requests().size(), 1u);  // it was sent; only the answer was late
}

TEST(HttpClient, ZeroTimeoutFailsWithoutSending) {
  FakePlatform fake;
  HttpClient client;
  auto req = post(fake.base_url() + "/x");
  req.timeout = 0ms;
  auto r = send_sync(client, req);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "timed out")) << r.status().message();
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  HttpClient client;
  const auto port = test::free_port();
  auto r = send_sync(client, post("http://127.0.0.1:" + std::to_string(port) + "/x"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "connect to 127.0.0.1:")) << r.status().message();
}

TEST(HttpClient, PeerHangingUpIsUnavailable) {
  FakePlatform fake;
  CannedResponse drop;
  drop.hang_up = true;
  fake.script({drop});
  HttpClient client;
  auto r = send_sync(client, post(fake.base_url() + "/x"));
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().to_string();
}

TEST(HttpClient, BadUrlsAreInvalidArguments) {
  HttpClient client;
  for (const std::string url :
       {"", "api.telegram.org/bot1/sendMessage", "ftp://host/x", "http://", "http:///path",
        "http://host:0/", "http://host:65536/", "http://host:/x", "http://host:8a/",
        "http://user:pw@host/", "http://ho st/", "http://host/a b", "http://[::1/",
        "http://[::1]x/", "http://host\r\n/"}) {
    auto r = send_sync(client, post(url));
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument)
        << "'" << url << "': " << r.status().to_string();
  }
}

TEST(HttpClient, ParsesUrls) {
  auto a = outbound::parse_url("https://api.telegram.org");
  ASSERT_TRUE(a.is_ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "api.telegram.org");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->target, "/");
  auto b = outbound::parse_url("HTTP://127.0.0.1:8080/a/b?c=d#frag");
  ASSERT_TRUE(b.is_ok());
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 8080);
  EXPECT_EQ(b->target, "/a/b?c=d");
  auto c = outbound::parse_url("http://[::1]:9000?q=1");
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->target, "/?q=1");
}

TEST(HttpClient, BadMethodOrHeaderIsInvalid) {
  FakePlatform fake;
  HttpClient client;
  auto bad_method = post(fake.base_url() + "/x");
  bad_method.method = "FROB";
  EXPECT_EQ(send_sync(client, bad_method).status().code(), Code::kInvalidArgument);
  auto injected = post(fake.base_url() + "/x");
  injected.headers.emplace_back("X-A", "1\r\nX-Injected: yes");
  EXPECT_EQ(send_sync(client, injected).status().code(), Code::kInvalidArgument);
  auto bad_name = post(fake.base_url() + "/x");
  bad_name.headers.emplace_back("Bad Name", "1");
  EXPECT_EQ(send_sync(client, bad_name).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(fake.requests().size(), 0u);
}

TEST(HttpClient, ResponseBodyOverTheLimitIsTooLarge) {
  FakePlatform fake;
  const std::size_t limit = 1 << 20;  // the default
  fake.script({{200, std::string(limit + 1, 'x')}, {200, std::string(limit, 'y')}});
  HttpClient client;
  auto over = send_sync(client, post(fake.base_url() + "/big"));
  ASSERT_FALSE(over.is_ok());
  EXPECT_EQ(over.status().code(), Code::kTooLarge) << over.status().to_string();
  auto at = send_sync(client, post(fake.base_url() + "/big"));
  ASSERT_TRUE(at.is_ok()) << at.status().to_string();
  EXPECT_EQ(at->body.size(), limit);
}

TEST(HttpClient, HttpsToAPlainServerFailsTheHandshake) {
  FakePlatform fake;  // speaks plain HTTP only
  HttpClient client;
  auto r = send_sync(client, post("https://localhost:" + std::to_string(fake.port()) + "/x"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "TLS handshake with localhost:"))
      << r.status().message();
}

TEST(HttpClient, HttpsWithVerificationOff) {
  FakePlatform fake({.tls = true});
  HttpClientOptions opts;
  opts.verify_peer = false;
  HttpClient client(opts);
  auto r = send_sync(client,
                     post("https://127.0.0.1:" + std::to_string(fake.port()) + "/x", "{\"a\":1}"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].body, "{\"a\":1}");
  EXPECT_EQ(fake.requests()[0].tls_server_name, "");  // no SNI for an IP literal
}

TEST(HttpClient, HttpsVerifiesTheChainAndSendsSni) {
  FakePlatform fake({.tls = true});
  HttpClientOptions opts;
  opts.ca_file = fake.ca_file();
  HttpClient client(opts);
  ASSERT_TRUE(client.tls_status().is_ok()) << client.tls_status().to_string();
  auto r = send_sync(client, post(fake.base_url() + "/x"));  // https://localhost:<port>
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].tls_server_name, "localhost");
}

TEST(HttpClient, HttpsRefusesAnUntrustedCertificate) {
  FakePlatform fake({.tls = true});
  HttpClient client;  // verification on, system CAs only
  auto r = send_sync(client, post(fake.base_url() + "/x"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "self-signed certificate")) << r.status().message();
  EXPECT_TRUE(fake.requests().empty());  // nothing was sent to the unverified peer
}

TEST(HttpClient, HttpsRefusesACertificateForAnotherName) {
  FakePlatform fake({.tls = true});  // the certificate names "localhost" only
  HttpClientOptions opts;
  opts.ca_file = fake.ca_file();
  HttpClient client(opts);
  auto r = send_sync(client, post("https://127.0.0.1:" + std::to_string(fake.port()) + "/x"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(contains(r.status().message(), "TLS handshake with 127.0.0.1:"))
      << r.status().message();
  EXPECT_TRUE(contains(r.status().message(), "IP address mismatch")) << r.status().message();
  EXPECT_TRUE(fake.requests().empty());
}

TEST(HttpClient, UnreadableCaFileFailsHttpsOnly) {
  HttpClientOptions opts;
  opts.ca_file = "/nonexistent/ca.pem";
  HttpClient client(opts);
  EXPECT_EQ(client.tls_status().code(), Code::kInvalidArgument);
  EXPECT_EQ(send_sync(client, post("https://127.0.0.1:1/x")).status().code(),
            Code::kInvalidArgument);
  FakePlatform fake;
  EXPECT_TRUE(send_sync(client, post(fake.base_url() + "/x")).is_ok());
}

TEST(HttpClient, ConcurrentRequestsEachCompleteOnceOnTheClientThread) {
  FakePlatform fake;
  HttpClient client;
  constexpr int kN = 16;
  std::vector<std::future<std::thread::id>> threads;
  std::atomic<int> calls{0};
  for (int i = 0; i < kN; ++i) {
    auto p = std::make_shared<std::promise<std::thread::id>>();
    threads.push_back(p->get_future());
    client.send(post(fake.base_url() + "/m" + std::to_string(i)),
                [p, &calls](Result<OutboundResponse> r) {
                  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
                  calls.fetch_add(1);
                  p->set_value(std::this_thread::get_id());
                });
  }
  std::thread::id first;
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(threads[i].wait_for(120s), std::future_status::ready);
    const auto id = threads[i].get();
    EXPECT_NE(id, std::this_thread::get_id());
    if (i == 0) first = id;
    EXPECT_EQ(id, first);  // one thread serves them all
  }
  client.stop();
  EXPECT_EQ(calls.load(), kN);
  EXPECT_EQ(fake.requests().size(), static_cast<std::size_t>(kN));
}

// Keep-alive: requests to one origin, one after another, share a connection
// (and, over HTTPS, one handshake).
TEST(HttpClient, SequentialRequestsReuseTheConnection) {
  for (const bool tls : {false, true}) {
    FakePlatform fake({.tls = tls});
    HttpClientOptions opts;
    opts.verify_peer = false;
    HttpClient client(opts);
    const std::string base =
        std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(fake.port());
    for (int i = 0; i < 3; ++i) {
      auto r = send_sync(client, post(base + "/m" + std::to_string(i)));
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      EXPECT_EQ(r->status, 200);
    }
    const auto seen = fake.requests();
    ASSERT_EQ(seen.size(), 3u);
    for (const auto& req : seen) {
      EXPECT_EQ(req.connection, 1u) << (tls ? "https " : "http ") << req.target;
      EXPECT_NE(req.header("connection"), "close");
    }
    EXPECT_EQ(fake.connections_accepted(), 1u);
    EXPECT_EQ(client.stats().connections_opened.load(), 1u);
    EXPECT_EQ(client.stats().reused.load(), 2u);
  }
}

// A server that answers "Connection: close" gets a new connection for the
// next request, and so does one that closed an idle connection since (the
// client sees the close before reusing it, instead of failing the request).
TEST(HttpClient, ConnectionsThePeerClosedAreNotReused) {
  FakePlatform fake;
  HttpClient client;
  fake.script({CannedResponse(200, "{}").with_header("Connection", "close")});
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/a")).is_ok());
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/b")).is_ok());

  CannedResponse then_idle_close(200, "{}");
  then_idle_close.close_after_answer = true;
  fake.script({then_idle_close});
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/c")).is_ok());
  // The fake has closed its side of connection 2 (and 1): the close is in
  // the client's socket before the next request picks a connection.
  for (int i = 0; i < 12000 && fake.connections_closed() < 2; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(fake.connections_closed(), 2u);
  auto r = send_sync(client, post(fake.base_url() + "/d"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);

  const auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].connection, 1u);
  EXPECT_EQ(seen[1].connection, 2u) << "after Connection: close";
  EXPECT_EQ(seen[2].connection, 2u);
  EXPECT_EQ(seen[3].connection, 3u) << "after the server closed the idle connection";
}

// The race keep-alive cannot avoid: the server drops a pooled connection
// just as a request goes out on it (here: it reads the request and hangs up
// without a byte of answer). A request that is safe to resend is resent once
// on a new connection; any other fails as a transport failure, sent once.
TEST(HttpClient, ARequestOnAConnectionThePeerDropsIsResentOnlyIfSafe) {
  for (const bool idempotent : {true, false}) {
    FakePlatform fake;
    HttpClient client;
    CannedResponse drop;
    drop.hang_up = true;
    fake.script({CannedResponse(200, "{}"), drop, CannedResponse(200, "{}")});
    ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/a")).is_ok());
    auto req = post(fake.base_url() + "/b");
    if (idempotent) req.headers.emplace_back("Idempotency-Key", "m-42");
    auto r = send_sync(client, req);
    const auto seen = fake.requests();
    if (idempotent) {
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      ASSERT_EQ(seen.size(), 3u);
      EXPECT_EQ(seen[1].connection, 1u);
      EXPECT_EQ(seen[2].connection, 2u) << "resent on a new connection";
      EXPECT_EQ(seen[2].header("idempotency-key"), "m-42");
      EXPECT_EQ(client.stats().resent.load(), 1u);
    } else {
      ASSERT_FALSE(r.is_ok());
      EXPECT_EQ(r.status().code(), Code::kUnavailable);
      EXPECT_EQ(seen.size(), 2u) << "a POST without an idempotency key is not resent";
    }
  }
}

// A server that keeps idle connections only briefly says so; one that keeps
// them a second or less is not pooled at all.
TEST(HttpClient, AShortKeepAliveTimeoutIsHonoured) {
  FakePlatform fake;
  HttpClient client;
  fake.script({CannedResponse(200, "{}").with_header("Keep-Alive", "timeout=1"),
               CannedResponse(200, "{}").with_header("Keep-Alive", "timeout=5, max=100")});
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/a")).is_ok());
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/b")).is_ok());
  ASSERT_TRUE(send_sync(client, post(fake.base_url() + "/c")).is_ok());
  const auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].connection, 2u) << "timeout=1: not kept";
  EXPECT_EQ(seen[2].connection, 2u) << "timeout=5: kept";
}

TEST(HttpClient, StopCompletesRequestsInFlight) {
  FakePlatform fake;
  fake.script({{200, "{}", 60s}});
  HttpClient client;
  std::atomic<int> calls{0};
  auto p = std::make_shared<std::promise<Status>>();
  client.send(post(fake.base_url() + "/x"), [p, &calls](Result<OutboundResponse> r) {
    calls.fetch_add(1);
    p->set_value(r.status());
  });
  ASSERT_TRUE(fake.wait_for_requests(1, 120s));
  client.stop();
  auto f = p->get_future();
  ASSERT_EQ(f.wait_for(0s), std::future_status::ready);  // stop() returned: done has run
  EXPECT_EQ(f.get().code(), Code::kUnavailable);
  Status after;
  client.send(post(fake.base_url() + "/x"),
              [&](Result<OutboundResponse> r) { after = r.status(); });
  EXPECT_EQ(after.code(), Code::kUnavailable);  // at once, on this thread
  client.stop();                                // idempotent
  EXPECT_EQ(calls.load(), 1);
}

// ---- Telegram sendMessage ----

proto::ChannelConfig telegram(std::string base_url) {
  proto::ChannelConfig c;
  c.name = "tg-1";
  c.type = "telegram";
  c.outbound_base_url = std::move(base_url);
  c.outbound_token = "123456:ABC-DEF_ghi";
  return c;
}

OutboundResponse reply(int status, std::string body) {
  OutboundResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(TelegramSender, BuildsSendMessage) {
  const auto req =
      telegram_send_message(telegram("https://api.telegram.org"), "411122334", "hello");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].first, "Content-Type");
  EXPECT_EQ(req.headers[0].second, "application/json");
  EXPECT_EQ(req.body, R"({"chat_id":411122334,"text":"hello"})");
  // A trailing slash does not double; an empty base URL is the real API.
  EXPECT_EQ(telegram_send_message(telegram("http://127.0.0.1:9/"), "1", "x").url,
            "http://127.0.0.1:9/bot123456:ABC-DEF_ghi/sendMessage");
  EXPECT_EQ(telegram_send_message(telegram(""), "1", "x").url,
            "https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage");
}

TEST(TelegramSender, ChatIdIsANumberOnlyWhenItIsACanonicalInteger) {
  const auto body = [](const std::string& chat_id) {
    return telegram_send_message(telegram("https://api.telegram.org"), chat_id, "t").body;
  };
  EXPECT_EQ(body("-1001234567890"), R"({"chat_id":-1001234567890,"text":"t"})");
  EXPECT_EQ(body("0"), R"({"chat_id":0,"text":"t"})");
  EXPECT_EQ(body("@support_channel"), R"({"chat_id":"@support_channel","text":"t"})");
  EXPECT_EQ(body("007"), R"({"chat_id":"007","text":"t"})");
  EXPECT_EQ(body("-0"), R"({"chat_id":"-0","text":"t"})");
  EXPECT_EQ(body("-"), R"({"chat_id":"-","text":"t"})");
  EXPECT_EQ(body("+5"), R"({"chat_id":"+5","text":"t"})");
  EXPECT_EQ(body("99999999999999999999"), R"({"chat_id":"99999999999999999999","text":"t"})");
  EXPECT_EQ(body("12 "), R"({"chat_id":"12 ","text":"t"})");
  EXPECT_EQ(body(""), R"({"chat_id":"","text":"t"})");
}

TEST(TelegramSender, EscapesText) {
  const std::string text = "He said \"hi\"\\\nПривіт 👋\t\x01";
  const auto req = telegram_send_message(telegram("https://api.telegram.org"), "1", text);
  EXPECT_EQ(req.body, "{\"chat_id\":1,\"text\":\"He said \\\"hi\\\"\\\\\\nПривіт 👋\\t\\u0001\"}");
}

TEST(TelegramSender, DeliveredWithTheMessageId) {
  auto d = interpret_telegram_response(reply(
      200,
      R"({"ok":true,"result":{"message_id":1043,"from":{"id":1,"is_bot":true},"chat":{"id":411122334,"type":"private"},"date":1763877600,"text":"hello"}})"));
  EXPECT_EQ(d.kind, Kind::kDelivered);
  EXPECT_EQ(d.platform_message_id, "1043");
  EXPECT_EQ(d.http_status, 200);
  // Accepted without an id: never resend.
  d = interpret_telegram_response(reply(200, R"({"ok":true,"result":true})"));
  EXPECT_EQ(d.kind, Kind::kDelivered);
  EXPECT_EQ(d.platform_message_id, "");
}

TEST(TelegramSender, TooManyRequestsRetriesAfterTheHint) {
  auto d = interpret_telegram_response(reply(
      429,
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}})"));
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_EQ(d.retry_after, 5s);
  EXPECT_EQ(d.error, "Too Many Requests: retry after 5");
  auto header_only = reply(429, "slow down");
  header_only.headers = {{"retry-after", "12"}};
  d = interpret_telegram_response(header_only);
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_EQ(d.retry_after, 12s);
  d = interpret_telegram_response(reply(429, R"({"ok":false,"parameters":{"retry_after":-3}})"));
  EXPECT_EQ(d.retry_after, 0s);
  d = interpret_telegram_response(
      reply(429, R"({"ok":false,"parameters":{"retry_after":99999999999}})"));
  EXPECT_EQ(d.retry_after, 24h);
}

TEST(TelegramSender, ServerErrorsAndTransportFailuresRetry) {
  auto d = interpret_telegram_response(
      reply(500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})"));
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_EQ(d.retry_after, 0ms);
  EXPECT_EQ(d.error, "Internal Server Error");
  d = interpret_telegram_response(reply(502, "<html>Bad Gateway</html>"));
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_TRUE(contains(d.error, "HTTP 502")) << d.error;
  d = interpret_telegram_response(
      Result<OutboundResponse>(Status::unavailable("request to x:443 timed out")));
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_EQ(d.retry_after, 0ms);
  EXPECT_EQ(d.http_status, 0);
  EXPECT_TRUE(contains(d.error, "timed out"));
}

TEST(TelegramSender, ClientErrorsFail) {
  auto d = interpret_telegram_response(
      reply(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})"));
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.error, "Bad Request: chat not found");
  EXPECT_EQ(d.http_status, 400);
  d = interpret_telegram_response(reply(
      403,
      R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})"));
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_EQ(d.error, "Forbidden: bot was blocked by the user");
  d = interpret_telegram_response(reply(404, "Not Found"));
  EXPECT_EQ(d.kind, Kind::kFailed);
  EXPECT_TRUE(contains(d.error, "HTTP 404")) << d.error;
  d = interpret_telegram_response(Result<OutboundResponse>(Status::invalid("bad URL: no host")));
  EXPECT_EQ(d.kind, Kind::kFailed);
  d = interpret_telegram_response(Result<OutboundResponse>(Status{Code::kTooLarge, "too big"}));
  EXPECT_EQ(d.kind, Kind::kFailed);
}

TEST(TelegramSender, GarbageNeverAsserts) {
  for (const std::string body : {"", "not json", "{", "[1,2]", "{\"ok\":\"yes\"}",
                                 "{\"ok\":true} x", "{\"ok\":true,\"result\":{\"message_id\":{}}}",
                                 "\xff\xfe", "{\"ok\":false,\"description\":\"Bad Request\"}"}) {
    const auto d = interpret_telegram_response(reply(200, body));
    EXPECT_EQ(d.kind, Kind::kRetry) << body;  // not an answer from a working Bot API
    EXPECT_FALSE(d.error.empty()) << body;
    EXPECT_EQ(interpret_telegram_response(reply(400, body)).kind, Kind::kFailed) << body;
    EXPECT_EQ(interpret_telegram_response(reply(503, body)).kind, Kind::kRetry) << body;
  }
}

// The sender, the client and the fake together, as the outbox will use them.
TEST(TelegramSender, DeliversThroughTheFakePlatformAfterFailures) {
  FakePlatform fake;
  fake.script(
      {{500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})"},
       {429,
        R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}})"}});
  HttpClient client;
  const auto channel = telegram(fake.base_url());
  const auto attempt = [&] {
    return interpret_telegram_response(send_sync(
        client, telegram_send_message(channel, "411122334", "Ваше замовлення \"5531\" в дорозі")));
  };
  auto first = attempt();
  EXPECT_EQ(first.kind, Kind::kRetry);
  auto second = attempt();
  EXPECT_EQ(second.kind, Kind::kRetry);
  EXPECT_EQ(second.retry_after, 3s);
  auto third = attempt();
  EXPECT_EQ(third.kind, Kind::kDelivered) << third.error;
  EXPECT_EQ(third.platform_message_id, "1");
  EXPECT_EQ(fake.count("/bot123456:ABC-DEF_ghi/sendMessage"), 3u);
  const auto last = fake.requests().back();
  EXPECT_EQ(last.body, R"({"chat_id":411122334,"text":"Ваше замовлення \"5531\" в дорозі"})");
}

}  // namespace
}  // namespace sb::adapters

// TLS for the listener (issue 6.7) against the real binary, with a
// self-signed certificate made at test time: with [server] tls_cert_file and
// tls_key_file the daemon speaks HTTPS only, for every route (webhooks, the
// API, /metrics, WebSocket streams as wss, SSE over https); a plain-HTTP
// client gets no HTTP answer, a client that never handshakes is dropped after
// read_timeout_s, SIGTERM still closes streams with a reason, and a half or
// unreadable TLS configuration stops start-up with a clear message.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/self_signed.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "tls-secret-0123456789";
constexpr int kReadTimeoutS = 2;

class TlsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.use_tls(tls_);
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/tg",
                       R"({"type":"telegram","secret":")" + std::string(kSecret) +
                           R"(","queue":"support"})",
                       daemon_.admin())
                  .status,
              200);
    ASSERT_EQ(
        daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
        200);
    auto op = daemon_.put("/v1/operators/olena",
                          R"({"name":"Olena","queues":["support"],"capacity":{"chat":3}})",
                          daemon_.admin());
    ASSERT_EQ(op.status, 200) << op.body;
    token_ = json_peek(op.body, "token");
    ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", auth()).status, 200);
  }

  Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }

  std::string write_config() {
    const auto path = dir_.path() + "/sb.toml";
    std::ofstream(path) << "[server]\ntls_cert_file = \"" << cert_.cert_file
                        << "\"\ntls_key_file = \"" << cert_.key_file
                        << "\"\nread_timeout_s = " << kReadTimeoutS << "\n";
    return path;
  }

  TempDir dir_;
  SelfSignedCert cert_ = make_self_signed_cert(dir_.path(), "listener");
  TlsTarget tls_{cert_.cert_file, "localhost"};
  DaemonProcess daemon_{dir_.path(), {"--config", write_config()}};
  std::string token_;
};

TEST_F(TlsE2E, WebhookApiAndMetricsOverHttps) {
  auto r = daemon_.post("/webhooks/demo/tg", telegram_text_update(7001, 42, "hello over TLS"),
                        {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("status":"stored")"), std::string::npos) << r.body;
  const auto conv = json_peek(r.body, "conversation");
  ASSERT_FALSE(conv.empty());

  auto view = daemon_.get("/v1/conversations/" + conv, daemon_.admin());
  EXPECT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(daemon_.get("/v1/conversations/" + conv).status, 401) << "auth still applies";
  auto metrics = daemon_.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("switchboard_http_connections"), std::string::npos);
  EXPECT_EQ(std::to_string(metrics.body.size()), metrics.header("content-length"));
}

// Answers larger than one TLS record (16 KiB) come whole, also on a
// keep-alive connection with more answers after them: the server once sent
// such an answer's head without its body (docs/performance-history.md,
// session 15).
TEST_F(TlsE2E, LargeAnswersComeWholeOnAKeepAliveConnection) {
  std::string conv;
  const std::string text(3500, 'x');
  for (int i = 0; i < 6; ++i) {
    auto r = daemon_.post("/webhooks/demo/tg",
                          telegram_text_update(7100 + i, 44, text + std::to_string(i)),
                          {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
    ASSERT_EQ(r.status, 200) << r.body;
    conv = json_peek(r.body, "conversation");
  }
  const std::string get = "GET /v1/conversations/" + conv + " HTTP/1.1\r\nHost: localhost\r\n" +
                          "Authorization: Bearer " + daemon_.admin_key() + "\r\n\r\n";
  const std::string raw =
      get + get + "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  const auto answers = https_pipelined(daemon_.port(), tls_, raw, {"GET", "GET", "GET"});
  ASSERT_EQ(answers.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(answers[i].status, 200) << answers[i].body.substr(0, 200);
    EXPECT_GT(answers[i].body.size(), 16u << 10);
    EXPECT_NE(answers[i].body.find(text + "5"), std::string::npos);
  }
  EXPECT_EQ(answers[2].body, R"({"status":"ok"})");
}

TEST_F(TlsE2E, WebSocketOverTlsGetsReadyAndLiveFrames) {
  WsClient ws;
  ASSERT_EQ(ws.connect_tls(daemon_.port(), tls_, "/v1/stream", auth()), 101);
  auto hello = ws.read();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(json_peek(*hello, "type"), "stream.ready");

  ASSERT_EQ(daemon_
                .post("/webhooks/demo/tg", telegram_text_update(7002, 43, "live over wss"),
                      {{"X-Telegram-Bot-Api-Secret-Token", kSecret}})
                .status,
            200);
  bool saw_message = false;
  for (int i = 0; i < 20 && !saw_message; ++i) {
    auto f = ws.read();
    ASSERT_TRUE(f.has_value());
    saw_message =
        json_peek(*f, "type") == "message.created" && f->find("live over wss") != std::string::npos;
  }
  EXPECT_TRUE(saw_message);
}

TEST_F(TlsE2E, SseOverHttps) {
  // The stream never ends by itself: read for a moment, then look.
  auto sse = https_request(daemon_.port(), tls_, "GET", "/v1/stream", "",
                           {{"Accept", "text/event-stream"}, auth().front()}, 1500);
  EXPECT_EQ(sse.status, 200);
  EXPECT_EQ(sse.header("content-type"), "text/event-stream");
  EXPECT_NE(sse.body.find("stream.ready"), std::string::npos) << sse.body;
}

TEST_F(TlsE2E, PlainHttpGetsNoAnswerAndTheDaemonKeepsServing) {
  auto plain = http_request(daemon_.port(), "GET", "/healthz", "", {}, 5000);
  EXPECT_EQ(plain.status, 0) << "a plain-HTTP request must not be answered in HTTP";
  TlsTarget wrong_name{cert_.cert_file, "example.org"};
  EXPECT_EQ(https_request(daemon_.port(), wrong_name, "GET", "/healthz").status, 0)
      << "the client's verification works (so the 200s above mean something)";
  EXPECT_EQ(daemon_.get("/healthz").status, 200);
  EXPECT_EQ(daemon_.get("/readyz").status, 200);
}

TEST_F(TlsE2E, ClientThatNeverHandshakesIsDroppedAfterReadTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  auto silent = http_raw(daemon_.port(), "", 15000);  // connects, sends nothing
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(silent.status, 0);
  EXPECT_GE(waited, std::chrono::milliseconds(kReadTimeoutS * 1000 - 500));
  EXPECT_LT(waited, std::chrono::seconds(kReadTimeoutS + 4)) << "dropped by the read timeout";
  EXPECT_EQ(daemon_.get("/healthz").status, 200);
}

TEST_F(TlsE2E, SigtermClosesWssStreamsWithAReason) {
  WsClient ws;
  ASSERT_EQ(ws.connect_tls(daemon_.port(), tls_, "/v1/stream", auth()), 101);
  ASSERT_TRUE(ws.read().has_value());  // hello
  std::thread stopper([&] { EXPECT_EQ(daemon_.terminate(), 0); });
  while (ws.read(5000)) {
  }
  stopper.join();
  EXPECT_NE(ws.close_reason().find("shutting down"), std::string::npos) << ws.close_reason();
}

// Runs the binary with `toml` as its config; returns the exit status and
// fills `output` with what it printed.
int run_with_config(const TempDir& dir, const std::string& toml, std::string& output) {
  const auto config = dir.path() + "/bad.toml";
  const auto log = dir.path() + "/bad.log";
  std::ofstream(config) << toml;
  const std::string cmd = std::string(SB_SWITCHBOARD_BIN) + " --config " + config + " --data-dir " +
                          dir.path() + "/data --listen 127.0.0.1:" + std::to_string(free_port()) +
                          " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::stringstream ss;
  ss << std::ifstream(log).rdbuf();
  output = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TlsConfigE2E, HalfOrUnreadableTlsConfigStopsStartUp) {
  TempDir dir;
  const auto cert = make_self_signed_cert(dir.path(), "c");
  std::string out;

  EXPECT_EQ(run_with_config(dir, "[server]\ntls_cert_file = \"" + cert.cert_file + "\"\n", out), 1);
  EXPECT_NE(out.find("must be set together"), std::string::npos) << out;

  EXPECT_EQ(run_with_config(dir, "[server]\ntls_key_file = \"" + cert.key_file + "\"\n", out), 1);
  EXPECT_NE(out.find("must be set together"), std::string::npos) << out;

  EXPECT_EQ(run_with_config(dir,
                            "[server]\ntls_cert_file = \"" + dir.path() + "/missing.pem\"\n" +
                                "tls_key_file = \"" + cert.key_file + "\"\n",
                            out),
            1);
  EXPECT_NE(out.find("missing.pem"), std::string::npos) << out;

  std::ofstream(dir.path() + "/garbage.pem") << "not a certificate\n";
  EXPECT_EQ(run_with_config(dir,
                            "[server]\ntls_cert_file = \"" + dir.path() + "/garbage.pem\"\n" +
                                "tls_key_file = \"" + cert.key_file + "\"\n",
                            out),
            1);
  EXPECT_NE(out.find("garbage.pem"), std::string::npos) << out;

  const auto other = make_self_signed_cert(dir.path(), "other");
  EXPECT_EQ(run_with_config(dir,
                            "[server]\ntls_cert_file = \"" + cert.cert_file + "\"\n" +
                                "tls_key_file = \"" + other.key_file + "\"\n",
                            out),
            1);
  EXPECT_NE(out.find("does not match"), std::string::npos) << out;
}

}  // namespace
}  // namespace sb::test

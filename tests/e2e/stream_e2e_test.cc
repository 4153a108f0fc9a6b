// Streams against the real binary: a real WebSocket client and a real SSE
// client see offers, assignments and messages as they happen, resume with
// ?since= (or Last-Event-ID) after a disconnect and after a daemon restart
// without losing a frame, and a stalled consumer is cut off.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "stream-secret-0123456789";

std::uint64_t seq_of(const std::string& frame) {
  auto pos = frame.find("\"seq\":");
  return pos == std::string::npos ? 0 : std::stoull(frame.substr(pos + 6));
}

class StreamE2E : public ::testing::Test {
 protected:
  void SetUp() override { boot(daemon_); }

  void boot(DaemonProcess& d) {
    d.start();
    ASSERT_EQ(
        d.put("/v1/channels/tg",
              R"({"type":"telegram","secret":")" + std::string(kSecret) + R"(","queue":"support"})",
              d.admin())
            .status,
        200);
    ASSERT_EQ(d.put("/v1/queues/support", R"({"offer_timeout_s":60})", d.admin()).status, 200);
    auto op = d.put("/v1/operators/olena",
                    R"({"name":"Olena","queues":["support"],"capacity":{"chat":3}})", d.admin());
    ASSERT_EQ(op.status, 200);
    token_ = json_peek(op.body, "token");
    ASSERT_EQ(d.put("/v1/me/status", R"({"status":"online"})", auth()).status, 200);
  }

  Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }

  std::string customer_writes(std::int64_t update_id, std::int64_t user, const std::string& text) {
    auto r = daemon_.post("/webhooks/demo/tg", telegram_text_update(update_id, user, text),
                          {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json_peek(r.body, "conversation");
  }

  // Reads frames until one of `type` arrives; returns it ("" on timeout).
  static std::string until(WsClient& ws, const std::string& type,
                           std::vector<std::string>* seen = nullptr) {
    for (int i = 0; i < 50; ++i) {
      auto f = ws.read();
      if (!f) return {};
      if (seen) seen->push_back(*f);
      if (json_peek(*f, "type") == type) return *f;
    }
    return {};
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--config", write_config()}};
  std::string token_;

  std::string write_config() {
    const auto path = dir_.path() + "/sb.toml";
    std::ofstream(path) << "[server]\nstream_send_buffer_bytes = 65536\n";
    return path;
  }
};

TEST_F(StreamE2E, OperatorSeesOfferAssignmentAndMessagesLive) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth()), 101);
  auto hello = ws.read();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(json_peek(*hello, "type"), "stream.ready");

  const auto conv = customer_writes(1, 42, "my parcel is late");
  auto offered = until(ws, "conversation.offered");
  ASSERT_FALSE(offered.empty());
  EXPECT_EQ(json_peek(offered, "operator"), "olena");
  EXPECT_FALSE(json_peek(offered, "expires_at").empty()) << "the offer carries its accept deadline";
  auto message = until(ws, "message.created");
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find("my parcel is late"), std::string::npos);
  EXPECT_GT(seq_of(message), seq_of(offered)) << "seq grows";

  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", auth()).status, 200);
  EXPECT_FALSE(until(ws, "conversation.assigned").empty());
}

TEST_F(StreamE2E, ResumeAfterDisconnectAndAfterRestartLosesNothing) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth()), 101);
  ASSERT_TRUE(ws.read().has_value());  // hello
  const auto conv = customer_writes(10, 7, "first");
  ASSERT_EQ(daemon_.post("/v1/conversations/" + conv + "/accept", "{}", auth()).status, 200);
  auto assigned = until(ws, "conversation.assigned");
  ASSERT_FALSE(assigned.empty());
  const auto last_seen = seq_of(assigned);
  ws.close();

  // While disconnected: two more messages in Olena's conversation.
  customer_writes(11, 7, "second");
  customer_writes(12, 7, "third");

  WsClient again;
  ASSERT_EQ(again.connect(daemon_.port(), "/v1/stream?since=" + std::to_string(last_seen), auth()),
            101);
  ASSERT_TRUE(again.read().has_value());  // hello
  std::vector<std::string> texts;
  std::uint64_t prev = last_seen;
  for (int i = 0; i < 2; ++i) {
    auto m = until(again, "message.created");
    ASSERT_FALSE(m.empty()) << "missing replayed message " << i;
    EXPECT_GT(seq_of(m), prev);
    prev = seq_of(m);
    texts.push_back(m.find("second") != std::string::npos ? "second" : "third");
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"second", "third"}));
  again.close();

  // A restart in the middle: the log is on disk, resume from the same point.
  daemon_.kill9();
  daemon_.start();
  SseClient sse;
  ASSERT_EQ(sse.connect(daemon_.port(), "/v1/stream",
                        {{"Authorization", "Bearer " + token_},
                         {"Last-Event-ID", std::to_string(last_seen)}}),
            200);
  std::vector<std::string> replayed;
  for (int i = 0; i < 10 && replayed.size() < 2; ++i) {
    auto ev = sse.read();
    ASSERT_TRUE(ev.has_value());
    if (json_peek(ev->data, "type") == "message.created") {
      EXPECT_EQ(ev->id, std::to_string(seq_of(ev->data))) << "SSE ids are the seq";
      replayed.push_back(ev->data);
    }
  }
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_NE(replayed[0].find("second"), std::string::npos);
  EXPECT_NE(replayed[1].find("third"), std::string::npos);
  // And it goes on live.
  customer_writes(13, 7, "fourth");
  bool live = false;
  for (int i = 0; i < 10 && !live; ++i) {
    auto ev = sse.read();
    ASSERT_TRUE(ev.has_value());
    live = ev->data.find("fourth") != std::string::npos;
  }
  EXPECT_TRUE(live);
}

TEST_F(StreamE2E, OperatorsSeeOnlyTheirOwnAdminsSeeAll) {
  auto other = daemon_.put("/v1/operators/taras",
                           R"({"queues":["elsewhere"],"capacity":{"chat":3}})", daemon_.admin());
  const auto taras = json_peek(other.body, "token");
  WsClient t, admin;
  ASSERT_EQ(t.connect(daemon_.port(), "/v1/stream", {{"Authorization", "Bearer " + taras}}), 101);
  ASSERT_EQ(admin.connect(daemon_.port(), "/v1/stream?access_token=" + daemon_.admin_key()), 101);
  ASSERT_TRUE(t.read().has_value());
  ASSERT_TRUE(admin.read().has_value());
  customer_writes(20, 99, "for olena only");
  EXPECT_FALSE(until(admin, "message.created").empty()) << "the supervisor view sees everything";
  auto f = t.read(500);
  EXPECT_FALSE(f.has_value()) << "taras must not see olena's conversation: " << f.value_or("");
}

TEST_F(StreamE2E, SigtermClosesStreamsWithAReason) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth()), 101);
  ASSERT_TRUE(ws.read().has_value());  // hello
  std::thread stopper([&] { EXPECT_EQ(daemon_.terminate(), 0); });
  while (ws.read(5000)) {
  }
  stopper.join();
  EXPECT_NE(ws.close_reason().find("shutting down"), std::string::npos) << ws.close_reason();
}

TEST_F(StreamE2E, BadSinceAndCredentialsAreRefused) {
  WsClient ws;
  EXPECT_EQ(ws.connect(daemon_.port(), "/v1/stream"), 401);
  SseClient a, b, c;
  EXPECT_EQ(a.connect(daemon_.port(), "/v1/stream?since=-1", auth()), 400);
  EXPECT_EQ(b.connect(daemon_.port(), "/v1/stream?since=99999999", auth()), 400);
  EXPECT_EQ(c.connect(daemon_.port(), "/v1/stream?since=abc", auth()), 400);
}

TEST_F(StreamE2E, AStalledConsumerIsCutOff) {
  // The admin stream sees every frame; this client never reads.
  WsClient stalled;
  ASSERT_EQ(stalled.connect(daemon_.port(), "/v1/stream", daemon_.admin()), 101);
  const long rss_before = daemon_.rss_kib();
  std::atomic<int> next{1000};
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&] {
      const std::string filler(400, 'x');
      for (int i = 0; i < 400; ++i) {
        const int id = next.fetch_add(1);
        daemon_.post("/webhooks/demo/tg", telegram_text_update(id, id, filler),
                     {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
      }
    });
  }
  for (auto& t : senders) t.join();
  // ~6,400 frames (~6 MB) were produced for a client that read none: the
  // daemon buffered at most its 64 KiB limit plus socket buffers for it.
  const long rss_after = daemon_.rss_kib();
  EXPECT_LT(rss_after - rss_before, 64 * 1024)
      << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
  // Now read: what was buffered arrives, then the close with its reason.
  int frames = 0;
  while (stalled.read(5000)) ++frames;
  EXPECT_NE(stalled.close_reason().find("slow consumer"), std::string::npos)
      << "after " << frames << " frames, reason: '" << stalled.close_reason() << "'";
  EXPECT_EQ(daemon_.get("/healthz").status, 200) << "the daemon keeps serving";
}

}  // namespace
}  // namespace sb::test

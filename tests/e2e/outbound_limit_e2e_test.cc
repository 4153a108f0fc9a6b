// limits.max_pending_outbound_per_channel against the real binary: while the
// receiver keeps failing, replies pile up as pending outbox items until the
// channel's limit; the next reply is 429 outbound_backlog and stores nothing.
// The count survives a kill -9, shows in /metrics, and frees up as soon as the
// receiver takes the replies again. The channel is an api channel (replies are
// signed webhooks with an Idempotency-Key), so a kill in the middle of an
// attempt leaves the reply pending rather than failed: the count after the
// restart does not depend on when the kill lands.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "outbound-limit-secret-42";

class OutboundLimitE2E : public ::testing::Test {
 protected:
  static std::string config(const TempDir& dir) {
    const auto path = dir.path() + "/sb.toml";
    std::ofstream(path) << "[limits]\nmax_pending_outbound_per_channel = 2\n";
    return path;
  }
  void SetUp() override {
    fake_.set_default([this](const RecordedRequest& req) {
      (void)req;
      if (platform_down_.load()) return CannedResponse(502, R"({"error":"bad gateway"})");
      return CannedResponse(200, R"({"ok":true})");
    });
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/crm",
                       R"({"type":"api","secret":")" + std::string(kSecret) +
                           R"(","queue":"support","outbound":{"base_url":")" + fake_.base_url() +
                           R"(/replies"}})",
                       daemon_.admin())
                  .status,
              200);
    ASSERT_EQ(
        daemon_.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon_.admin()).status,
        200);
    auto op = daemon_.put("/v1/operators/olena", R"({"queues":["support"],"capacity":{"chat":5}})",
                          daemon_.admin());
    ASSERT_EQ(op.status, 200);
    auth_ = {{"Authorization", "Bearer " + json_peek(op.body, "token")}};
    ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", auth_).status, 200);
    auto r = daemon_.post(
        "/v1/events",
        R"({"channel":"crm","event_id":"e-1","contact":{"external_id":"c-5150"},"text":"any news?"})",
        daemon_.admin());
    ASSERT_EQ(r.status, 200) << r.body;
    conv_ = json_peek(r.body, "conversation");
    ASSERT_EQ(daemon_.post("/v1/conversations/" + conv_ + "/accept", "{}", auth_).status, 200);
  }

  HttpResult reply(const std::string& text) {
    return daemon_.post("/v1/conversations/" + conv_ + "/messages", R"({"text":")" + text + R"("})",
                        auth_);
  }
  std::size_t replies_stored() {
    const auto body = daemon_.get("/v1/conversations/" + conv_, auth_).body;
    std::size_t n = 0;
    for (auto p = body.find(R"("direction":"out")"); p != std::string::npos;
         p = body.find(R"("direction":"out")", p + 1)) {
      ++n;
    }
    return n;
  }

  FakePlatform fake_;
  std::atomic<bool> platform_down_{true};
  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--config", config(dir_)}};
  Headers auth_;
  std::string conv_;
};

TEST_F(OutboundLimitE2E, RepliesBeyondTheChannelsBacklogAre429AndStoreNothing) {
  ASSERT_EQ(reply("one").status, 201);
  ASSERT_EQ(reply("two").status, 201);
  auto refused = reply("three");
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(json_peek(refused.body, "code"), "outbound_backlog");
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(replies_stored(), 2u) << "the refused reply left nothing behind";
  auto metrics = daemon_.get("/metrics").body;
  EXPECT_NE(metrics.find(R"(switchboard_outbound_pending{shard="0"} 2)"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(switchboard_outbound_refused_total{shard="0"} 1)"), std::string::npos);

  // The backlog is durable state: after a kill -9 the channel is still full.
  ASSERT_TRUE(fake_.wait_for_requests(2, std::chrono::seconds(10)));
  daemon_.kill9();
  daemon_.start();
  EXPECT_EQ(reply("three again").status, 429);
  EXPECT_NE(daemon_.get("/metrics").body.find(R"(switchboard_outbound_pending{shard="0"} 2)"),
            std::string::npos);

  // The platform recovers: the retries deliver both, and replies flow again.
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", auth_), 101);
  platform_down_.store(false);
  int delivered = 0;
  for (int i = 0; i < 200 && delivered < 2; ++i) {
    auto f = ws.read(30000);
    ASSERT_TRUE(f.has_value()) << "stream ended before both replies were delivered";
    if (json_peek(*f, "type") == "message.delivered") ++delivered;
  }
  ASSERT_EQ(delivered, 2);
  EXPECT_EQ(reply("three, at last").status, 201);
  EXPECT_EQ(replies_stored(), 3u);
  // Every attempt carries its reply's Idempotency-Key, the same on retries.
  std::set<std::string> keys;
  for (int i = 0; i < 100 && keys.size() < 3; ++i) {  // the third reply's attempt, once it arrives
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    keys.clear();
    for (const auto& req : fake_.requests()) keys.insert(req.header("idempotency-key"));
  }
  EXPECT_FALSE(keys.contains(""));
  EXPECT_EQ(keys.size(), 3u) << "one key per reply, however many attempts";
}

}  // namespace
}  // namespace sb::test

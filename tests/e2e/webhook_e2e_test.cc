// The foundation's first real path, end to end against the real binary: a
// Telegram webhook is verified, deduplicated, threaded, made durable, and
// acknowledged; bad input gets a JSON 4xx and leaves nothing behind.
#include <gtest/gtest.h>

#include <fstream>

#include "storage/db.h"
#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "tg-secret_0123456789";

class WebhookE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    auto r = daemon_.put(
        "/v1/channels/tg",
        R"({"type":"telegram","secret":")" + std::string(kSecret) + R"(","queue":"support"})",
        daemon_.admin());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  HttpResult send_update(const std::string& body, const std::string& secret = kSecret,
                         const std::string& path = "/webhooks/demo/tg") {
    return daemon_.post(path, body, {{"X-Telegram-Bot-Api-Secret-Token", secret}});
  }

  std::uint64_t stored_dedup_marks() {
    EXPECT_EQ(daemon_.terminate(), 0);
    auto db = storage::Db::open(dir_.path() + "/db");
    EXPECT_TRUE(db.is_ok());
    return db ? (*db)->count_dedup("demo").value() : 0;
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
};

TEST_F(WebhookE2E, HealthReadyAndMetrics) {
  EXPECT_EQ(daemon_.get("/healthz").status, 200);
  EXPECT_EQ(daemon_.get("/readyz").status, 200);
  auto m = daemon_.get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("switchboard_http_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("switchboard_group_commits_total"), std::string::npos);
}

// The value of the sample line that starts with `prefix` ("name{labels} "), or -1.
double sample(const std::string& text, const std::string& prefix) {
  const auto at = text.find("\n" + prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + 1 + prefix.size()));
}

// Every group commit is observed once in each commit histogram: the writes
// of the channel set-up and of two webhooks, with the commands they carried.
TEST_F(WebhookE2E, MetricsHistogramsCountEveryGroupCommit) {
  ASSERT_EQ(send_update(telegram_text_update(8001, 42, "one")).status, 200);
  ASSERT_EQ(send_update(telegram_text_update(8002, 43, "two")).status, 200);
  const auto m = daemon_.get("/metrics").body;
  const double commits = sample(m, "switchboard_group_commits_total{shard=\"0\"} ");
  ASSERT_GE(commits, 3) << m;
  EXPECT_EQ(sample(m, "switchboard_commit_duration_seconds_count{shard=\"0\"} "), commits) << m;
  EXPECT_EQ(sample(m, "switchboard_commit_duration_seconds_bucket{shard=\"0\",le=\"+Inf\"} "),
            commits);
  EXPECT_GT(sample(m, "switchboard_commit_duration_seconds_sum{shard=\"0\"} "), 0) << m;
  EXPECT_EQ(sample(m, "switchboard_commit_batch_commands_count{shard=\"0\"} "), commits) << m;
  // A batch carries at least one command: none falls in a bucket below 1.
  EXPECT_GE(sample(m, "switchboard_commit_batch_commands_sum{shard=\"0\"} "), commits) << m;
  EXPECT_NE(m.find("# TYPE switchboard_commit_duration_seconds histogram"), std::string::npos);
  // Each webhook and the channel's PUT waited in the shard's queue once.
  EXPECT_GE(sample(m, "switchboard_shard_queue_wait_seconds_count{shard=\"0\"} "), 3) << m;
  // Bucket bounds print as declared (100 us is le="0.0001"), not as a float's
  // rounding error of them.
  for (auto at = m.find("le=\""); at != std::string::npos; at = m.find("le=\"", at + 1)) {
    const auto bound = m.substr(at + 4, m.find('"', at + 4) - at - 4);
    EXPECT_EQ(bound.find("9999"), std::string::npos) << bound;
    EXPECT_EQ(bound.find("0000"), std::string::npos) << bound;
  }
  EXPECT_NE(m.find("le=\"0.0001\""), std::string::npos) << m;
  // Both webhooks in the request histogram, which has buckets below 5 ms.
  EXPECT_EQ(sample(m, "switchboard_http_request_duration_seconds_count{route=\"webhook\"} "), 2)
      << m;
  EXPECT_GE(
      sample(m,
             "switchboard_http_request_duration_seconds_bucket{route=\"webhook\",le=\"0.003\"} "),
      0)
      << m;
}

TEST_F(WebhookE2E, MessageIsStoredOnceAndRetryAbsorbed) {
  auto first = send_update(telegram_text_update(5001, 42, "Where is my order?"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find(R"("status":"stored")"), std::string::npos);
  EXPECT_NE(first.body.find(R"("new_conversation":true)"), std::string::npos);

  auto retry = send_update(telegram_text_update(5001, 42, "Where is my order?"));
  ASSERT_EQ(retry.status, 200);
  EXPECT_NE(retry.body.find(R"("status":"duplicate")"), std::string::npos);

  auto second = send_update(telegram_text_update(5002, 42, "Hello?"));
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.body.find(R"("new_conversation":false)"), std::string::npos);
  EXPECT_EQ(stored_dedup_marks(), 2u);
}

TEST_F(WebhookE2E, NonMessageUpdatesAreAcknowledgedAndOpenNothing) {
  auto r = send_update(telegram_member_update(7001, 42));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("ignored":1)"), std::string::npos);
  EXPECT_EQ(stored_dedup_marks(), 0u);
}

TEST_F(WebhookE2E, BadInputGetsJsonErrorsAndNothingIsStored) {
  const auto good = telegram_text_update(6001, 42, "hi");
  struct Case {
    const char* name;
    HttpResult result;
    int status;
    const char* code;
  };
  std::vector<Case> cases = {
      {"wrong secret", send_update(good, "wrong"), 401, "bad_signature"},
      {"no secret", daemon_.post("/webhooks/demo/tg", good), 401, "bad_signature"},
      {"malformed", send_update(R"({"update_id":6002,"message":)"), 400, "malformed_body"},
      {"not json", send_update("update_id=6003"), 400, "malformed_body"},
      {"bad utf8", send_update("{\"update_id\":6004,\"message\":{\"text\":\"\xff\"}}"), 400,
       "malformed_body"},
      {"unknown tenant", send_update(good, kSecret, "/webhooks/nobody/tg"), 404, "not_found"},
      {"unknown channel", send_update(good, kSecret, "/webhooks/demo/nope"), 404, "not_found"},
      {"bad names", send_update(good, kSecret, "/webhooks/de%2Fmo/tg"), 404, "not_found"},
      {"too large", send_update(std::string(2 << 20, ' ')), 413, "body_too_large"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.result.status, c.status) << c.name << ": " << c.result.body;
    EXPECT_NE(c.result.body.find(std::string("\"code\":\"") + c.code + "\""), std::string::npos)
        << c.name << ": " << c.result.body;
    EXPECT_EQ(c.result.header("content-type"), "application/json") << c.name;
  }
  // Still serving, and none of the above was stored.
  ASSERT_EQ(send_update(good).status, 200);
  EXPECT_EQ(stored_dedup_marks(), 1u);
}

TEST_F(WebhookE2E, AdminRoutesNeedTheTenantKey) {
  const std::string body = R"({"type":"telegram","secret":"x"})";
  EXPECT_EQ(daemon_.put("/v1/channels/x", body).status, 401);
  EXPECT_EQ(daemon_.put("/v1/channels/x", body, {{"Authorization", "Bearer nope"}}).status, 401);
  auto bad_type = daemon_.put("/v1/channels/x", R"({"type":"fax"})", daemon_.admin());
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_NE(bad_type.body.find("unknown channel type"), std::string::npos);
  auto list = daemon_.get("/v1/channels", daemon_.admin());
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(R"("name":"tg")"), std::string::npos);
  EXPECT_EQ(list.body.find(kSecret), std::string::npos) << "secrets are never returned";
}

TEST_F(WebhookE2E, GenericIngestThroughTheApi) {
  ASSERT_EQ(
      daemon_.put("/v1/channels/api-1", R"({"type":"api","secret":"k"})", daemon_.admin()).status,
      200);
  const std::string ev =
      R"({"channel":"api-1","event_id":"e-1","contact":{"external_id":"c-9","name":"Ivan"},"text":"hi"})";
  auto r = daemon_.post("/v1/events", ev, daemon_.admin());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("status":"stored")"), std::string::npos);
  EXPECT_NE(daemon_.post("/v1/events", ev, daemon_.admin()).body.find("duplicate"),
            std::string::npos);
  EXPECT_EQ(daemon_.post("/v1/events", ev).status, 401);
  auto platform = daemon_.post(
      "/v1/events", R"({"channel":"tg","event_id":"1","contact":{"external_id":"c"},"text":"x"})",
      daemon_.admin());
  EXPECT_EQ(platform.status, 400) << "platform channels only take signed webhooks";
}

TEST_F(WebhookE2E, GracefulRestartKeepsEverything) {
  ASSERT_EQ(send_update(telegram_text_update(8001, 7, "before")).status, 200);
  EXPECT_EQ(daemon_.terminate(), 0);
  daemon_.start();
  auto retry = send_update(telegram_text_update(8001, 7, "before"));
  ASSERT_EQ(retry.status, 200);
  EXPECT_NE(retry.body.find("duplicate"), std::string::npos) << "dedup survives restarts";
  auto next = send_update(telegram_text_update(8002, 7, "after"));
  EXPECT_NE(next.body.find(R"("new_conversation":false)"), std::string::npos);
  auto ch = daemon_.get("/v1/channels", daemon_.admin());
  EXPECT_NE(ch.body.find(R"("name":"tg")"), std::string::npos) << "channels survive restarts";
}

TEST(ConfigE2E, TenantsAndChannelsFromTheConfigFile) {
  TempDir dir;
  const auto path = dir.path() + "/switchboard.toml";
  std::ofstream(path) << R"(
[[tenants]]
id = "acme"
admin_keys = ["acme-admin-key-0123456789"]
[[tenants.channels]]
name = "bot"
type = "telegram"
secret = "cfg-secret"
queue = "support"
)";
  DaemonProcess d(dir.path(), {"--config", path});
  d.start();
  auto ok = d.post("/webhooks/acme/bot", telegram_text_update(1, 2, "hi"),
                   {{"X-Telegram-Bot-Api-Secret-Token", "cfg-secret"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(d.get("/v1/channels", {{"Authorization", "Bearer acme-admin-key-0123456789"}}).status,
            200);
  EXPECT_EQ(d.post("/webhooks/demo/bot", "{}").status, 404)
      << "no demo tenant when tenants are configured";
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace sb::test

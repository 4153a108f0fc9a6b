// GET /v1/analytics/operators end to end: after an operator takes, answers
// and resolves a conversation, its figures say so (from the stored log, also
// after kill -9); the range and the admin key are enforced.
#include <gtest/gtest.h>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "analytics-secret-0123";

// The JSON object of operator `id` inside the answer, or "".
std::string operator_entry(const std::string& body, const std::string& id) {
  const auto at = body.find(R"({"id":")" + id + '"');
  if (at == std::string::npos) return {};
  return body.substr(at, body.find(R"("resolution_time")", at) - at);
}

TEST(AnalyticsE2E, OperatorFiguresComeFromTheStoredLog) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  ASSERT_EQ(daemon
                .put("/v1/channels/tg",
                     R"({"type":"telegram","secret":")" + std::string(kSecret) +
                         R"(","queue":"support"})",
                     daemon.admin())
                .status,
            200);
  ASSERT_EQ(daemon.put("/v1/queues/support", R"({"offer_timeout_s":60})", daemon.admin()).status,
            200);
  auto op =
      daemon.put("/v1/operators/olena",
                 R"({"name":"Olena","queues":["support"],"capacity":{"chat":2}})", daemon.admin());
  const Headers olena{{"Authorization", "Bearer " + json_peek(op.body, "token")}};
  ASSERT_EQ(
      daemon.put("/v1/operators/taras", R"({"name":"Taras","queues":["other"]})", daemon.admin())
          .status,
      200);
  ASSERT_EQ(daemon.put("/v1/me/status", R"({"status":"online"})", olena).status, 200);

  auto in = daemon.post("/webhooks/demo/tg", telegram_text_update(1, 411122334, "where is it?"),
                        {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
  const auto conv = json_peek(in.body, "conversation");
  ASSERT_EQ(daemon.post("/v1/conversations/" + conv + "/accept", "{}", olena).status, 200);
  ASSERT_EQ(
      daemon.post("/v1/conversations/" + conv + "/messages", R"({"text":"here"})", olena).status,
      201);
  ASSERT_EQ(daemon.post("/v1/conversations/" + conv + "/resolve", "{}", olena).status, 200);

  EXPECT_EQ(daemon.get("/v1/analytics/operators", olena).status, 403);
  EXPECT_EQ(daemon.get("/v1/analytics/operators?from=yesterday", daemon.admin()).status, 400);
  EXPECT_EQ(daemon
                .get("/v1/analytics/operators?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                     daemon.admin())
                .status,
            400);

  daemon.kill9();
  daemon.start();
  auto r = daemon.get("/v1/analytics/operators", daemon.admin());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = operator_entry(r.body, "olena");
  ASSERT_FALSE(o.empty()) << r.body;
  EXPECT_NE(o.find(R"("conversations_assigned":1,"conversations_handled":1,"messages_sent":1)"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find(R"("first_response":{"count":1)"), std::string::npos) << o;
  EXPECT_NE(o.find(R"("handle_time":{"count":1)"), std::string::npos) << o;
  EXPECT_NE(o.find(R"("load":{"chat":0,"email":0})"), std::string::npos)
      << o << " (resolved: nothing held now)";
  const auto t = operator_entry(r.body, "taras");
  EXPECT_NE(t.find(R"("conversations_assigned":0,"conversations_handled":0,"messages_sent":0)"),
            std::string::npos)
      << t;

  // One scan runs at a time, but a client asking again once answered never
  // finds it still taken (the slot used to be freed after the answer left).
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(daemon.get("/v1/analytics/operators", daemon.admin()).status, 200) << "request " << i;
  }
  auto before = daemon.get(
      "/v1/analytics/operators?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z", daemon.admin());
  ASSERT_EQ(before.status, 200);
  EXPECT_NE(operator_entry(before.body, "olena").find(R"("conversations_assigned":0)"),
            std::string::npos)
      << before.body;
}

}  // namespace
}  // namespace sb::test

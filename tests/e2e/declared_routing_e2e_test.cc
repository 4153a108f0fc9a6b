// Queues and operators declared in the config file, end to end: they exist
// once the daemon is ready, the operator's token (given as its SHA-256) logs
// in and gets offers, a change made through the API survives a restart (the
// stored version wins over the file), and an invalid declaration stops the
// daemon at start-up with a message naming it.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/json_peek.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kAdminKey = "acme-admin-key-0123456789";
constexpr const char* kOlenaToken = "olena-token-from-the-config-file-0123";

std::string config(const TempDir& dir, const std::string& queue_extra = "") {
  const auto path = dir.path() + "/sb.toml";
  std::ofstream(path) << R"([[tenants]]
id = "acme"
admin_keys = [")" << kAdminKey
                      << R"("]
  [[tenants.channels]]
  name = "tg"
  type = "telegram"
  secret = "acme-tg-secret"
  queue = "support"
  [[tenants.queues]]
  name = "support"
  offer_timeout_s = 45
  first_response_sla_s = 60
)" << queue_extra << R"(
  [[tenants.operators]]
  id = "olena"
  name = "Olena"
  queues = ["support"]
  capacity = { chat = 3 }
  token_sha256 = ")" << sha256_hex(kOlenaToken)
                      << R"("
)";
  return path;
}

Headers bearer(const std::string& k) { return {{"Authorization", "Bearer " + k}}; }

TEST(DeclaredRoutingE2E, QueuesAndOperatorsOfTheFileServeAndTheApiWinsAfterARestart) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--config", config(dir)});
  daemon.start();
  auto queues = daemon.get("/v1/queues", bearer(kAdminKey));
  ASSERT_EQ(queues.status, 200);
  EXPECT_NE(queues.body.find(
                R"("name":"support","strategy":"least_loaded","priority":0,"offer_timeout_s":45)"),
            std::string::npos)
      << queues.body;
  ASSERT_EQ(daemon.put("/v1/me/status", R"({"status":"online"})", bearer(kOlenaToken)).status, 200)
      << "the token whose hash the file gives";

  auto in = daemon.post("/webhooks/acme/tg", telegram_text_update(1, 411122334, "hello"),
                        {{"X-Telegram-Bot-Api-Secret-Token", "acme-tg-secret"}});
  ASSERT_EQ(in.status, 200) << in.body;
  auto conv =
      daemon.get("/v1/conversations/" + json_peek(in.body, "conversation"), bearer(kAdminKey));
  EXPECT_EQ(json_peek(conv.body, "offered_to"), "olena") << conv.body;
  EXPECT_FALSE(json_peek(conv.body, "first_response_due_at").empty())
      << "the file's SLA target applies";

  ASSERT_EQ(daemon.put("/v1/queues/support", R"({"offer_timeout_s":90})", bearer(kAdminKey)).status,
            200);
  daemon.kill9();
  daemon.start();
  queues = daemon.get("/v1/queues", bearer(kAdminKey));
  EXPECT_NE(queues.body.find(R"("offer_timeout_s":90)"), std::string::npos) << queues.body;
  auto ops = daemon.get("/v1/operators", bearer(kAdminKey));
  EXPECT_EQ(ops.body.find(R"("id":"olena")"), ops.body.rfind(R"("id":"olena")"))
      << "declared once: " << ops.body;
  EXPECT_EQ(daemon.put("/v1/me/status", R"({"status":"away"})", bearer(kOlenaToken)).status, 200);
}

TEST(DeclaredRoutingE2E, AnInvalidDeclarationStopsStartUpNamingIt) {
  TempDir dir;
  const auto path = config(dir, "  strategy = \"fastest\"\n");
  const auto run = run_until_exit(path, dir.path());
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.output.find("queue support"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace sb::test

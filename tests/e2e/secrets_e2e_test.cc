// Secrets (issue 6.7) against the real binary: a channel's secret and bot
// token, an operator's token and (after the first start) the admin key never
// appear in the daemon's log or in any API answer, whatever requests came in,
// good or forged, and across a restart.
#include <gtest/gtest.h>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kChannelSecret = "chan-secret-5f1e0c2a9b";
constexpr const char* kBotToken = "777001:AAF-bot-token-9d8c7b";

TEST(SecretsE2E, SecretsNeverReachLogsOrAnswers) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  const auto admin_key = daemon.admin_key();
  auto put = daemon.put("/v1/channels/tg",
                        std::string(R"({"type":"telegram","secret":")") + kChannelSecret +
                            R"(","outbound":{"base_url":"http://127.0.0.1:9","token":")" +
                            kBotToken + R"("}})",
                        daemon.admin());
  ASSERT_EQ(put.status, 200);
  auto op = daemon.put("/v1/operators/olena", R"({"capacity":{"chat":1}})", daemon.admin());
  ASSERT_EQ(op.status, 200);
  const auto op_token = json_peek(op.body, "token");
  ASSERT_FALSE(op_token.empty());

  std::vector<HttpResult> answers{put};
  answers.push_back(daemon.post("/webhooks/demo/tg", telegram_text_update(1, 5, "hi"),
                                {{"X-Telegram-Bot-Api-Secret-Token", kChannelSecret}}));
  // Forged and garbage credentials, which a careless server would echo or log.
  answers.push_back(
      daemon.post("/webhooks/demo/tg", telegram_text_update(2, 5, "hi"),
                  {{"X-Telegram-Bot-Api-Secret-Token", std::string(kChannelSecret) + "x"}}));
  answers.push_back(daemon.get("/v1/channels", daemon.admin()));
  answers.push_back(daemon.get("/v1/channels/tg", daemon.admin()));
  answers.push_back(daemon.get("/v1/operators", daemon.admin()));
  answers.push_back(daemon.get("/v1/operators/olena", daemon.admin()));
  answers.push_back(daemon.get("/v1/me", {{"Authorization", "Bearer " + op_token}}));
  answers.push_back(daemon.get("/v1/channels", {{"Authorization", "Bearer " + op_token + "0"}}));
  answers.push_back(daemon.get("/metrics"));
  for (const auto& a : answers) {
    EXPECT_EQ(a.body.find(kChannelSecret), std::string::npos) << a.body;
    EXPECT_EQ(a.body.find(kBotToken), std::string::npos) << a.body;
    EXPECT_EQ(a.body.find(admin_key), std::string::npos) << a.body;
  }
  // The token is shown once, to whoever created the operator; never again.
  for (std::size_t i = 1; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].body.find(op_token), std::string::npos) << answers[i].body;
  }

  ASSERT_EQ(daemon.terminate(), 0);
  const auto first_log = daemon.log();
  daemon.start();  // a second start: the admin key is not logged again
  ASSERT_EQ(daemon.terminate(), 0);
  const auto log = daemon.log();
  EXPECT_EQ(log.find(kChannelSecret), std::string::npos);
  EXPECT_EQ(log.find(kBotToken), std::string::npos);
  EXPECT_EQ(log.find(op_token), std::string::npos);
  const auto first_start_end = first_log.size();
  EXPECT_NE(first_log.find(admin_key), std::string::npos) << "shown once, at the first start";
  EXPECT_EQ(log.find(admin_key, first_start_end), std::string::npos) << "not in later starts' logs";
}

}  // namespace
}  // namespace sb::test

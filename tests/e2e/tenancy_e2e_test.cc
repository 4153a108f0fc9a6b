// Tenant isolation and presence against the real binary. Two tenants from a
// config file: nothing of one is readable, writable or streamable with the
// other's credentials. Presence: the last stream closing sets an operator
// away after the grace; several connections, or a quick reconnect, do not.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kAcmeKey = "acme-admin-key-0123456789";
constexpr const char* kBetaKey = "beta-admin-key-0123456789";

class TenancyE2E : public ::testing::Test {
 protected:
  static std::string config(const TempDir& dir) {
    const auto path = dir.path() + "/sb.toml";
    std::ofstream(path) << R"(
[router]
presence_grace_s = 1
[[tenants]]
id = "acme"
admin_keys = [")" << kAcmeKey
                        << R"("]
  [[tenants.channels]]
  name = "tg"
  type = "telegram"
  secret = "acme-tg-secret"
[[tenants]]
id = "beta"
admin_keys = [")" << kBetaKey
                        << R"("]
  [[tenants.channels]]
  name = "tg"
  type = "telegram"
  secret = "beta-tg-secret"
)";
    return path;
  }

  void SetUp() override { daemon_.start(); }

  static Headers key(const std::string& k) { return {{"Authorization", "Bearer " + k}}; }

  std::string operator_token(const std::string& admin, const std::string& id) {
    auto r = daemon_.put("/v1/operators/" + id, R"({"queues":["default"],"capacity":{"chat":5}})",
                         key(admin));
    EXPECT_EQ(r.status, 200) << r.body;
    return json_peek(r.body, "token");
  }

  std::string status_of(const std::string& admin, const std::string& op) {
    auto body = daemon_.get("/v1/operators", key(admin)).body;
    auto pos = body.find("\"id\":\"" + op + "\"");
    return pos == std::string::npos ? "" : json_peek(body, "status", pos);
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--config", config(dir_)}};
};

TEST_F(TenancyE2E, NothingCrossesTenants) {
  auto r = daemon_.post("/webhooks/beta/tg", telegram_text_update(1, 5, "beta's secret order"),
                        {{"X-Telegram-Bot-Api-Secret-Token", "beta-tg-secret"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto beta_conv = json_peek(r.body, "conversation");
  const auto beta_contact = json_peek(r.body, "contact");
  // acme's secret does not open beta's webhook.
  EXPECT_EQ(daemon_
                .post("/webhooks/beta/tg", telegram_text_update(2, 5, "x"),
                      {{"X-Telegram-Bot-Api-Secret-Token", "acme-tg-secret"}})
                .status,
            401);

  const auto acme_op = operator_token(kAcmeKey, "olena");
  EXPECT_EQ(daemon_.get("/v1/conversations/" + beta_conv, key(kAcmeKey)).status, 404);
  EXPECT_EQ(daemon_.get("/v1/conversations/" + beta_conv, key(acme_op)).status, 404);
  EXPECT_EQ(daemon_.get("/v1/contacts/" + beta_contact + "/timeline", key(kAcmeKey)).status, 404);
  EXPECT_EQ(daemon_.post("/v1/conversations/" + beta_conv + "/resolve", "{}", key(kAcmeKey)).status,
            404);
  EXPECT_EQ(
      daemon_.post("/v1/conversations/" + beta_conv + "/notes", R"({"text":"x"})", key(kAcmeKey))
          .status,
      404);
  EXPECT_EQ(daemon_.get("/v1/conversations/" + beta_conv, key(kBetaKey)).status, 200);

  // A channel written with acme's key is acme's.
  ASSERT_EQ(
      daemon_.put("/v1/channels/api-x", R"({"type":"api","secret":"s"})", key(kAcmeKey)).status,
      200);
  EXPECT_EQ(daemon_.get("/v1/channels", key(kBetaKey)).body.find("api-x"), std::string::npos);

  // acme's supervisor stream never carries beta's frames.
  WsClient acme;
  ASSERT_EQ(acme.connect(daemon_.port(), "/v1/stream?since=0", key(kAcmeKey)), 101);
  ASSERT_TRUE(acme.read().has_value());  // hello
  daemon_.post("/webhooks/beta/tg", telegram_text_update(3, 6, "beta again"),
               {{"X-Telegram-Bot-Api-Secret-Token", "beta-tg-secret"}});
  auto leaked = acme.read(700);
  EXPECT_FALSE(leaked.has_value()) << *leaked;
}

TEST_F(TenancyE2E, PresenceFollowsTheLastConnection) {
  const auto token = operator_token(kAcmeKey, "taras");
  ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", key(token)).status, 200);
  WsClient phone, laptop;
  ASSERT_EQ(phone.connect(daemon_.port(), "/v1/stream", key(token)), 101);
  ASSERT_EQ(laptop.connect(daemon_.port(), "/v1/stream", key(token)), 101);
  phone.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the 1 s grace
  EXPECT_EQ(status_of(kAcmeKey, "taras"), "online") << "another device is still connected";

  laptop.close();
  WsClient back;  // reconnects within the grace: no flap
  ASSERT_EQ(back.connect(daemon_.port(), "/v1/stream", key(token)), 101);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(status_of(kAcmeKey, "taras"), "online");

  back.close();
  std::string status;
  for (int i = 0; i < 100 && status != "away"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = status_of(kAcmeKey, "taras");
  }
  EXPECT_EQ(status, "away");
}

}  // namespace
}  // namespace sb::test

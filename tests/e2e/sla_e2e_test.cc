// First-response SLA end to end: a queue with first_response_sla_s gives its
// new conversations a target; the one nobody answers gets sla.warning, then
// sla.breached, on the admin stream; the one answered in time gets neither;
// after kill -9 the stream replays each frame exactly once.
#include <gtest/gtest.h>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "sla-secret-0123456789";

class SlaE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/tg",
                       R"({"type":"telegram","secret":")" + std::string(kSecret) +
                           R"(","queue":"support"})",
                       daemon_.admin())
                  .status,
              200);
    ASSERT_EQ(daemon_
                  .put("/v1/queues/support", R"({"offer_timeout_s":60,"first_response_sla_s":1})",
                       daemon_.admin())
                  .status,
              200);
    auto op = daemon_.put("/v1/operators/olena", R"({"queues":["support"],"capacity":{"chat":5}})",
                          daemon_.admin());
    ASSERT_EQ(op.status, 200);
    olena_ = {{"Authorization", "Bearer " + json_peek(op.body, "token")}};
    ASSERT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", olena_).status, 200);
  }

  std::string write_in(std::int64_t update_id, std::int64_t user) {
    auto r =
        daemon_.post("/webhooks/demo/tg", telegram_text_update(update_id, user, "anyone there?"),
                     {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json_peek(r.body, "conversation");
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
  Headers olena_;
};

// "<type> <conversation id>" of the sla.* frames read until `stop` is seen.
std::vector<std::string> sla_frames_until(WsClient& ws, const std::string& stop) {
  std::vector<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto f = ws.read();
    if (!f) break;
    const auto type = json_peek(*f, "type");
    if (type.rfind("sla.", 0) != 0) continue;
    const std::string marker = R"("conversation":{"id":")";
    const auto at = f->find(marker);
    const auto from = at == std::string::npos ? f->size() : at + marker.size();
    seen.push_back(type + " " + f->substr(from, f->find('"', from) - from));
    if (seen.back() == stop) break;
  }
  return seen;
}

TEST_F(SlaE2E, UnansweredConversationIsWarnedThenBreachedOnceAcrossARestart) {
  WsClient ws;
  ASSERT_EQ(ws.connect(daemon_.port(), "/v1/stream", daemon_.admin()), 101);

  const auto answered = write_in(1, 411122334);
  ASSERT_EQ(daemon_.post("/v1/conversations/" + answered + "/accept", "{}", olena_).status, 200);
  ASSERT_EQ(
      daemon_.post("/v1/conversations/" + answered + "/messages", R"({"text":"Here!"})", olena_)
          .status,
      201);
  const auto waiting = write_in(2, 511122334);  // opened later, so its deadlines come later
  auto view = daemon_.get("/v1/conversations/" + waiting, daemon_.admin());
  EXPECT_FALSE(json_peek(view.body, "first_response_due_at").empty()) << view.body;

  const auto live = sla_frames_until(ws, "sla.breached " + waiting);
  EXPECT_EQ(live, (std::vector<std::string>{"sla.warning " + waiting, "sla.breached " + waiting}))
      << "the answered conversation " << answered << " gets no SLA frame";

  daemon_.kill9();
  daemon_.start();
  WsClient replay;
  ASSERT_EQ(replay.connect(daemon_.port(), "/v1/stream?since=0", daemon_.admin()), 101);
  const auto again = sla_frames_until(replay, "sla.breached " + waiting);
  EXPECT_EQ(again, live) << "stored once each, not repeated by the restart";
}

}  // namespace
}  // namespace sb::test

// Crash test under mixed load (issue 6.6): 20 kill -9 cycles of the real
// daemon while customers write through Telegram webhooks (a quarter of them
// platform retries), operators on WebSocket streams accept offers, reply and
// resolve, and replies go out to a fake Telegram Bot API. After all cycles:
// - every webhook answered 200 is stored exactly once (none lost, none twice);
// - every reply answered 201 is stored;
// - no reply reached the platform twice, and every reply ends delivered or
//   failed ("outcome unknown" when a kill cut its attempt short), none pending;
// - no conversation had two owners: no operator's accept succeeded while
//   another operator held the conversation.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "storage/db.h"
#include "tests/e2e/stored_messages.h"
#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_platform.h"
#include "tests/support/json_peek.h"
#include "tests/support/stream_client.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr int kCycles = 20;
constexpr int kSenders = 3;
constexpr int kOperators = 3;
constexpr const char* kSecret = "crash-mixed-secret-0123";

// What the test saw, for the checks at the end. Guarded by `mu`.
struct Ledger {
  std::mutex mu;
  std::set<std::int64_t> attempted, acked;    // webhook update ids
  std::set<std::string> replies_acked;        // reply texts answered 201
  std::map<std::string, std::string> holder;  // conversation -> operator that accepted it
  std::set<std::string> uncertain;  // conversations whose holder is unknown (an answer was lost)
  int accepts = 0, double_owners = 0;
};

void operator_loop(DaemonProcess& daemon, const std::string& me, const std::string& token,
                   std::atomic<bool>& stop, Ledger& ledger) {
  const Headers auth{{"Authorization", "Bearer " + token}};
  WsClient ws;
  if (ws.connect(daemon.port(), "/v1/stream", auth) != 101) return;
  if (daemon.put("/v1/me/status", R"({"status":"online"})", auth).status != 200) return;
  while (!stop.load()) {
    auto f = ws.read(200);
    if (!f) {
      if (ws.close_reason().empty() && !stop.load()) continue;  // a quiet moment
      return;
    }
    if (json_peek(*f, "type") != "conversation.offered" || json_peek(*f, "offered_to") != me)
      continue;
    const auto conv = json_peek(*f, "id", f->find("\"conversation\""));
    auto accepted = daemon.post("/v1/conversations/" + conv + "/accept", "{}", auth);
    {
      std::lock_guard lock(ledger.mu);
      if (accepted.status == 200) {
        ++ledger.accepts;
        auto& h = ledger.holder[conv];
        if (!h.empty() && h != me && !ledger.uncertain.contains(conv)) ++ledger.double_owners;
        h = me;
        ledger.uncertain.erase(conv);
      } else if (accepted.status == 0) {
        ledger.uncertain.insert(conv);
      }
    }
    if (accepted.status != 200) continue;
    static std::atomic<int> serial{0};  // texts must be unique across cycles
    const auto text = "reply " + me + " " + conv + " #" + std::to_string(++serial);
    auto sent = daemon.post("/v1/conversations/" + conv + "/messages",
                            R"({"text":")" + text + R"("})", auth);
    if (sent.status == 201) {
      std::lock_guard lock(ledger.mu);
      ledger.replies_acked.insert(text);
    }
    auto resolved = daemon.post("/v1/conversations/" + conv + "/resolve", "{}", auth);
    std::lock_guard lock(ledger.mu);
    if (resolved.status == 200) {
      ledger.holder[conv].clear();
    } else if (resolved.status == 0) {
      ledger.uncertain.insert(conv);
    }
  }
}

TEST(CrashMixedE2E, TwentyKillsUnderMixedLoadLoseNothingAndDuplicateNothing) {
  FakePlatform telegram;
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  ASSERT_EQ(daemon
                .put("/v1/channels/tg",
                     R"({"type":"telegram","secret":")" + std::string(kSecret) +
                         R"(","queue":"support","outbound":{"base_url":")" + telegram.base_url() +
                         R"(","token":"42:CRASH"}})",
                     daemon.admin())
                .status,
            200);
  ASSERT_EQ(daemon.put("/v1/queues/support", R"({"offer_timeout_s":30})", daemon.admin()).status,
            200);
  std::vector<std::pair<std::string, std::string>> operators;  // id, token
  for (int i = 0; i < kOperators; ++i) {
    const auto id = "op" + std::to_string(i);
    auto r = daemon.put("/v1/operators/" + id, R"({"queues":["support"],"capacity":{"chat":4}})",
                        daemon.admin());
    ASSERT_EQ(r.status, 200);
    operators.emplace_back(id, json_peek(r.body, "token"));
  }

  Ledger ledger;
  std::atomic<std::int64_t> next_id{500000};
  std::mt19937_64 rng(20261123);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (const auto& [id, token] : operators) {
      threads.emplace_back(
          [&, id = id, token = token] { operator_loop(daemon, id, token, stop, ledger); });
    }
    for (int s = 0; s < kSenders; ++s) {
      threads.emplace_back([&, s] {
        std::mt19937_64 local(cycle * 100 + s);
        while (!stop.load()) {
          std::int64_t id;
          {
            std::lock_guard lock(ledger.mu);
            if (!ledger.attempted.empty() && local() % 4 == 0) {  // a platform retry
              auto it = ledger.attempted.begin();
              std::advance(it, static_cast<long>(local() % ledger.attempted.size()));
              id = *it;
            } else {
              id = next_id.fetch_add(1);
              ledger.attempted.insert(id);
            }
          }
          auto r = daemon.post("/webhooks/demo/tg",
                               telegram_text_update(id, 700 + id % 40, "m" + std::to_string(id)),
                               {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
          if (r.status == 200) {
            std::lock_guard lock(ledger.mu);
            ledger.acked.insert(id);
          } else if (r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected status " << r.status << ": " << r.body;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(local() % 5));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 600));
    daemon.kill9();
    stop = true;
    for (auto& t : threads) t.join();
    daemon.start();
  }
  // Let the outbox finish what is pending before counting deliveries.
  bool settled = false;
  for (int i = 0; i < 300 && !settled; ++i) {
    settled = daemon.get("/metrics").body.find(R"(switchboard_outbound_pending{shard="0"} 0)") !=
              std::string::npos;
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(settled) << "replies still pending 30 s after the last restart";
  ASSERT_EQ(daemon.terminate(), 0);

  ASSERT_GT(ledger.acked.size(), 100u) << "the webhook load did not reach the daemon";
  ASSERT_GT(ledger.replies_acked.size(), 10u) << "the operators did not get to work";
  EXPECT_EQ(ledger.double_owners, 0) << "of " << ledger.accepts << " accepts";

  std::map<std::string, int> delivered;  // reply text -> sendMessage requests
  for (const auto& req : telegram.requests()) ++delivered[json_peek(req.body, "text")];
  int sent_twice = 0;
  for (const auto& [text, n] : delivered) {
    if (n > 1) {
      ++sent_twice;
      ADD_FAILURE() << "sent " << n << " times: " << text;
    }
  }

  auto db = storage::Db::open(dir.path() + "/db");
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  std::vector<proto::Message> msgs;
  ConversationLister conversations("demo");
  ASSERT_TRUE(stored_messages(**db, "demo", msgs, &conversations).is_ok());
  std::map<std::string, int> stored;  // update id -> messages carrying it
  std::set<std::string> replies_stored;
  std::map<std::string, std::uint64_t>
      counted;  // conversation -> its messages (notes do not count)
  for (const auto& m : msgs) {
    if (m.direction != proto::Direction::kNote) ++counted[m.conversation_id];
    if (m.direction == proto::Direction::kOut) {
      replies_stored.insert(m.text);
    } else if (!m.event_id.empty()) {
      ++stored[m.event_id];
    }
  }
  for (const auto& [event_id, n] : stored)
    EXPECT_EQ(n, 1) << "update " << event_id << " stored twice";
  // Counts merged from messages' activity, across kills, match the messages.
  for (const auto& [id, count] : conversations.message_counts) {
    EXPECT_EQ(count, counted[id]) << "message_count of " << id;
  }
  std::vector<proto::OutboxItem> outbox;
  ASSERT_TRUE((*db)->read_outbox("demo", outbox).is_ok());
  std::size_t outcome_unknown = 0;
  for (const auto& item : outbox) {
    EXPECT_TRUE(item.state == "delivered" || item.state == "failed")
        << item.message_id << " " << item.state;
    if (item.state == "failed") {
      EXPECT_NE(item.error.find("outcome unknown"), std::string::npos) << item.error;
      ++outcome_unknown;
    }
  }
  std::size_t lost = 0, replies_lost = 0;
  for (auto id : ledger.acked) lost += stored.contains(std::to_string(id)) ? 0 : 1;
  for (const auto& t : ledger.replies_acked) replies_lost += replies_stored.contains(t) ? 0 : 1;
  EXPECT_EQ(lost, 0u) << "of " << ledger.acked.size() << " acknowledged updates";
  EXPECT_EQ(replies_lost, 0u) << "of " << ledger.replies_acked.size() << " acknowledged replies";
  std::printf(
      "crash test (mixed): %d kill -9 cycles; %zu webhooks acknowledged, %zu stored, 0 lost; "
      "%d accepts, %d double owners; %zu replies acknowledged, %zu delivered, %d sent twice, "
      "%zu failed as outcome unknown\n",
      kCycles, ledger.acked.size(), stored.size(), ledger.accepts, ledger.double_owners,
      ledger.replies_acked.size(), delivered.size(), sent_twice, outcome_unknown);
}

}  // namespace
}  // namespace sb::test

// Crash test: stream distinct and repeated Telegram updates at the real
// daemon from several connections, kill -9 it at random moments, restart it,
// and prove that every update answered 200 is stored exactly once and that
// no update is stored twice.
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
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr int kCycles = 5;
constexpr int kSenders = 4;
constexpr const char* kSecret = "crash-secret-0123456789";


TEST(CrashE2E, NothingAcknowledgedIsLostNothingIsStoredTwice) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  ASSERT_EQ(daemon.put("/v1/channels/tg", R"({"type":"telegram","secret":")" + std::string(kSecret) + R"("})",
                       daemon.admin()).status, 200);

  std::mutex mu;                    // guards the two sets below (test bookkeeping)
  std::set<std::int64_t> acked;     // update ids answered 200
  std::set<std::int64_t> attempted;  // every update id ever sent
  std::atomic<std::int64_t> next_id{100000};
  std::mt19937_64 rng(20261123);

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([&, s] {
        std::mt19937_64 local(cycle * 100 + s);
        while (!stop.load()) {
          std::int64_t id;
          {
            std::lock_guard lock(mu);
            // One in four is a platform retry of an update sent before.
            if (!attempted.empty() && local() % 4 == 0) {
              auto it = attempted.begin();
              std::advance(it, static_cast<long>(local() % attempted.size()));
              id = *it;
            } else {
              id = next_id.fetch_add(1);
              attempted.insert(id);
            }
          }
          auto r = daemon.post("/webhooks/demo/tg", telegram_text_update(id, id % 50, "m" + std::to_string(id)),
                               {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
          if (r.status == 200) {
            std::lock_guard lock(mu);
            acked.insert(id);
          } else if (r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected status " << r.status << ": " << r.body;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    daemon.kill9();
    stop = true;
    for (auto& t : senders) t.join();
    daemon.start();  // recovery must succeed after every kill
  }
  ASSERT_EQ(daemon.terminate(), 0);
  ASSERT_GT(acked.size(), 50u) << "the load did not reach the daemon";

  auto db = storage::Db::open(dir.path() + "/db");
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  std::vector<proto::Message> msgs;
  ASSERT_TRUE(stored_messages(**db, "demo", msgs).is_ok());
  std::map<std::string, int> stored;  // update id -> messages carrying it
  for (const auto& m : msgs) ++stored[m.event_id];
  for (const auto& [event_id, n] : stored) EXPECT_EQ(n, 1) << "update " << event_id << " stored twice";
  std::size_t lost = 0;
  for (auto id : acked) lost += stored.contains(std::to_string(id)) ? 0 : 1;
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged updates";
  // Nothing that was never sent appears.
  for (const auto& [event_id, n] : stored) {
    EXPECT_TRUE(attempted.contains(std::stoll(event_id))) << event_id;
  }
  std::printf("crash test: %d kill -9 cycles, %zu updates acknowledged, %zu stored, 0 lost\n",
              kCycles, acked.size(), stored.size());
}

}  // namespace
}  // namespace sb::test

// Crash test: stream distinct and repeated Telegram updates at the real
// daemon from several connections, kill -9 it at random moments, restart it,
// and prove that every update answered 200 is stored exactly once and that
// no update is stored twice.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/db.h"
#include "storage/wal_files.h"
#include "tests/e2e/stored_messages.h"
#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr int kCycles = 5;
constexpr int kSenders = 4;
constexpr const char* kSecret = "crash-secret-0123456789";

// One channel that senders post to: a tenant's Telegram webhook.
struct Target {
  std::string tenant;
  std::string secret;
};

// How a test loads the daemon before each kill.
struct Load {
  int cycles = kCycles;
  std::size_t text_bytes = 0;  // each update's text is padded to this length
  // Returns when it is time to kill (the senders running meanwhile).
  std::function<void(std::mt19937_64&)> until_kill = [](std::mt19937_64& rng) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
  };
  // Right after the kill, before the restart: a look at what it left on disk.
  std::function<void()> after_kill = [] {};
};

// load.cycles times: kSenders connections post updates (one in four a retry
// of an earlier one) spread over `targets`, until a kill -9 at a random
// moment; then a restart. Afterwards, each target's tenant holds every update
// answered 200 exactly once, and nothing never sent.
void kill_under_load_and_check(DaemonProcess& daemon, const std::string& dir,
                               const std::vector<Target>& targets, const Load& load = {}) {
  std::mutex mu;                                        // guards the maps below (test bookkeeping)
  std::map<std::string, std::set<std::int64_t>> acked;  // tenant -> update ids answered 200
  std::map<std::string, std::set<std::int64_t>> attempted;  // tenant -> every update id sent
  std::atomic<std::int64_t> next_id{100000};
  std::mt19937_64 rng(20261123);

  for (int cycle = 0; cycle < load.cycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([&, s] {
        std::mt19937_64 local(cycle * 100 + s);
        const Target& target = targets[static_cast<std::size_t>(s) % targets.size()];
        while (!stop.load()) {
          std::int64_t id;
          {
            std::lock_guard lock(mu);
            auto& sent = attempted[target.tenant];
            // One in four is a platform retry of an update sent before.
            if (!sent.empty() && local() % 4 == 0) {
              auto it = sent.begin();
              std::advance(it, static_cast<long>(local() % sent.size()));
              id = *it;
            } else {
              id = next_id.fetch_add(1);
              sent.insert(id);
            }
          }
          std::string text = "m" + std::to_string(id);
          if (text.size() < load.text_bytes) text.resize(load.text_bytes, 'x');
          auto r = daemon.post("/webhooks/" + target.tenant + "/tg",
                               telegram_text_update(id, id % 50, text),
                               {{"X-Telegram-Bot-Api-Secret-Token", target.secret}});
          if (r.status == 200) {
            std::lock_guard lock(mu);
            acked[target.tenant].insert(id);
          } else if (r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected status " << r.status << ": " << r.body;
          }
        }
      });
    }
    load.until_kill(rng);
    daemon.kill9();
    load.after_kill();
    stop = true;
    for (auto& t : senders) t.join();
    daemon.start();  // recovery must succeed after every kill
  }
  ASSERT_EQ(daemon.terminate(), 0);

  auto db = storage::Db::open(dir + "/db");
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  for (const auto& target : targets) {
    const auto& tenant = target.tenant;
    ASSERT_GT(acked[tenant].size(), 20u) << "the load did not reach " << tenant;
    std::vector<proto::Message> msgs;
    ConversationLister conversations(tenant);
    ASSERT_TRUE(stored_messages(**db, tenant, msgs, &conversations).is_ok());
    std::map<std::string, int> stored;  // update id -> messages carrying it
    std::map<std::string, std::uint64_t> per_conversation;
    for (const auto& m : msgs) {
      ++stored[m.event_id];
      ++per_conversation[m.conversation_id];
    }
    // Each conversation's count (merged from follow-ups' activity, with
    // kills between the writes) matches its stored messages.
    for (const auto& [id, count] : conversations.message_counts) {
      EXPECT_EQ(count, per_conversation[id]) << tenant << ": message_count of " << id;
    }
    for (const auto& [event_id, n] : stored) {
      EXPECT_EQ(n, 1) << tenant << ": update " << event_id << " stored twice";
    }
    std::size_t lost = 0;
    for (auto id : acked[tenant]) lost += stored.contains(std::to_string(id)) ? 0 : 1;
    EXPECT_EQ(lost, 0u) << tenant << ": of " << acked[tenant].size() << " acknowledged updates";
    // Nothing that was never sent (to this tenant) appears.
    for (const auto& [event_id, n] : stored) {
      EXPECT_TRUE(attempted[tenant].contains(std::stoll(event_id))) << tenant << ": " << event_id;
    }
    std::printf(
        "crash test, %s: %d kill -9 cycles, %zu updates acknowledged, %zu stored, %zu lost\n",
        tenant.c_str(), load.cycles, acked[tenant].size(), stored.size(), lost);
  }
}

// The embedded tenant's Telegram channel "tg" with kSecret; the status.
int put_demo_channel(const DaemonProcess& daemon) {
  return daemon
      .put("/v1/channels/tg", R"({"type":"telegram","secret":")" + std::string(kSecret) + R"("})",
           daemon.admin())
      .status;
}

TEST(CrashE2E, NothingAcknowledgedIsLostNothingIsStoredTwice) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  ASSERT_EQ(put_demo_channel(daemon), 200);
  kill_under_load_and_check(daemon, dir.path(), {{"demo", kSecret}});
}

// Two shards, each with its own committer writing to the one database at the
// same time (RocksDB's pipelined write is on with several writers): two
// tenants that live on different shards, under load from both, killed.
TEST(CrashE2E, TwoShardsWritingAtOnceLoseNothing) {
  // Tenants go to shard hash(tenant) % shards (router/shard_set.cc): pick one
  // for each of the two.
  std::vector<Target> targets(2);
  for (int i = 0; targets[0].tenant.empty() || targets[1].tenant.empty(); ++i) {
    const std::string t = "tenant" + std::to_string(i);
    auto& slot = targets[std::hash<std::string>{}(t) % 2];
    if (slot.tenant.empty()) slot = {t, "secret-of-" + t + "-0123456789"};
  }
  TempDir dir;
  const auto config = dir.path() + "/sb.toml";
  {
    std::ofstream out(config);
    out << "[router]\nshards = 2\n";
    for (const auto& t : targets) {
      out << "[[tenants]]\nid = \"" << t.tenant << "\"\nadmin_keys = [\"" << t.tenant
          << "-admin-key-0123456789\"]\n  [[tenants.channels]]\n  name = \"tg\"\n  type = "
             "\"telegram\"\n"
          << "  secret = \"" << t.secret << "\"\n";
    }
  }
  DaemonProcess daemon(dir.path(), {"--config", config});
  daemon.start();
  kill_under_load_and_check(daemon, dir.path(), targets);
}

// A counter's value in the daemon's /metrics, -1 if absent or unreadable
// (never throws: the senders are still running when this is called).
double metric(const DaemonProcess& daemon, const std::string& name) {
  const auto body = daemon.get("/metrics").body;
  const auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  const char* begin = body.c_str() + at + name.size() + 2;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return end == begin ? -1 : v;
}

// The newest write-ahead log of the database in `db_dir`: RocksDB numbers
// them in creation order.
std::filesystem::path newest_log(const std::string& db_dir) {
  std::filesystem::path newest;
  unsigned long long newest_number = 0;
  for (const auto& e : std::filesystem::directory_iterator(db_dir)) {
    if (e.path().extension() != ".log") continue;
    const auto number = std::strtoull(e.path().stem().c_str(), nullptr, 10);
    if (newest.empty() || number > newest_number) newest = e.path(), newest_number = number;
  }
  return newest;
}

// A log that is a pre-zeroed spare with room left: the spare's full size (a
// log RocksDB creates itself grows from 0), ending in zeros RocksDB has not
// written over yet.
bool is_spare_with_zero_tail(const std::filesystem::path& log) {
  const std::uintmax_t kSpareBytes = storage::PrezeroedWalOptions{}.file_bytes;
  std::error_code ec;
  if (log.empty() || std::filesystem::file_size(log, ec) != kSpareBytes || ec) return false;
  std::ifstream in(log, std::ios::binary);
  std::string tail(64 << 10, '\1');
  in.seekg(-static_cast<std::streamoff>(tail.size()), std::ios::end);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return in && tail.find_first_not_of('\0') == std::string::npos;
}

// [storage] prezero_wal: killed while the log being written is a pre-zeroed
// spare, so the log on disk ends in zeros after the last record. Recovery
// must read up to there and lose nothing acknowledged. A spare is used from
// the second memtable switch of a process on (storage/wal_files.h), so each
// cycle sends long texts until /metrics shows one, then kills.
TEST(CrashE2E, KilledWhileTheLogIsAPrezeroedSpareLosesNothing) {
  TempDir dir;
  const auto config = dir.path() + "/sb.toml";
  {
    std::ofstream out(config);
    out << "[storage]\nprezero_wal = true\n";
  }
  DaemonProcess daemon(dir.path(), {"--config", config});
  daemon.start();
  ASSERT_EQ(put_demo_channel(daemon), 200);
  int killed_in_spare = 0;
  bool gave_up = false;  // sanitizer builds may be too slow: do not wait 120 s per cycle
  Load load;
  load.cycles = 3;
  load.text_bytes = 3000;  // Telegram allows 4096: fills the 16 MiB memtables sooner
  load.until_kill = [&](std::mt19937_64& rng) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!gave_up && metric(daemon, "switchboard_wal_files_from_spares_total") < 1) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no WAL file was given a spare within 120 s";
        gave_up = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
  };
  load.after_kill = [&] {
    if (is_spare_with_zero_tail(newest_log(dir.path() + "/db"))) ++killed_in_spare;
  };
  kill_under_load_and_check(daemon, dir.path(), {{"demo", kSecret}}, load);
  EXPECT_EQ(killed_in_spare, load.cycles) << "kills that left the live log a spare ending in zeros";
}

}  // namespace
}  // namespace sb::test

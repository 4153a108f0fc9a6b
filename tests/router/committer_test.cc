// router::Committer over a real RocksDB, synchronous and with its own thread:
// batches complete in submission order,
// a batch's after_commit work runs before it completes, and after a
// failed write every later batch fails too until reset(), and nothing of them
// is written. The write failure is real: storage::FaultInjection's switch.
#include "router/committer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "router/shard.h"
#include "tests/support/temp_dir.h"

namespace sb::router {
namespace {

std::unique_ptr<PreparedBatch> batch_of(storage::Db& db, const std::string& event_id,
                                        std::function<void(const Status&)> done,
                                        std::function<void()> after_commit = {}) {
  auto b = std::make_unique<PreparedBatch>();
  proto::ChangeSet set;
  set.tenant = "acme";
  set.changes.emplace_back(proto::DedupMark{"tg", event_id, 1000});
  b->commands = 1;
  std::vector<const proto::ChangeSet*> ptrs{&set};
  EXPECT_TRUE(db.prepare(ptrs, b->write).is_ok());
  if (after_commit) b->after_commit.push_back(std::move(after_commit));
  b->complete = std::move(done);
  return b;
}

struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  void add(std::string s) {
    std::lock_guard lock(mu);
    lines.push_back(std::move(s));
  }
};

// 0: submit() writes on the caller's thread (the shard's default); N > 0:
// a committer thread with at most N batches in flight.
class CommitterModes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CommitterModes, CompletesInOrderAfterItsAfterCommitWork) {
  test::TempDir dir;
  auto db = storage::Db::open(dir.path() + "/db");
  ASSERT_TRUE(db.is_ok());
  ShardStats stats;
  std::atomic<bool> healthy{true};
  Log log;
  Committer c(**db, stats, healthy, GetParam());
  c.start("test-commit");
  for (int i = 0; i < 50; ++i) {
    const auto id = std::to_string(i);
    c.submit(batch_of(
        **db, id, [&log, id](const Status& st) { log.add((st.is_ok() ? "ok " : "failed ") + id); },
        [&log, id] { log.add("durable " + id); }));
  }
  c.drain();
  c.stop();
  ASSERT_EQ(log.lines.size(), 100u);
  std::size_t next_done = 0;
  for (std::size_t i = 0; i < log.lines.size(); ++i) {
    const auto& l = log.lines[i];
    if (l.rfind("ok ", 0) == 0) {
      EXPECT_EQ(l, "ok " + std::to_string(next_done)) << "completions in submission order";
      // Its change set was reported durable before it completed.
      bool seen = false;
      for (std::size_t j = 0; j < i; ++j)
        seen |= log.lines[j] == "durable " + std::to_string(next_done);
      EXPECT_TRUE(seen) << l;
      ++next_done;
    }
  }
  EXPECT_EQ(next_done, 50u);
  EXPECT_EQ((*db)->count_dedup("acme").value(), 50u);
  EXPECT_EQ(stats.commands.load(), 50u);
  // One observation per group commit, of its write and of its commands.
  const auto micros = stats.commit_micros.snapshot();
  const auto commands = stats.commit_commands.snapshot();
  EXPECT_GE(stats.batches.load(), 1u);
  EXPECT_EQ(micros.count(), stats.batches.load());
  EXPECT_EQ(commands.count(), stats.batches.load());
  EXPECT_EQ(commands.sum, 50u);
  EXPECT_EQ(micros.sum, stats.commit_micros_total.load());
  EXPECT_TRUE(healthy.load());
}

// Every after_commit and completion runs inside a completion window, on the
// thread that opened it, and every window is closed (the adapters gather
// hand-offs to I/O threads there: adapters/deferred_post.h).
TEST_P(CommitterModes, CompletionsRunInsideAWindowOnTheirThread) {
  test::TempDir dir;
  auto db = storage::Db::open(dir.path() + "/db");
  ASSERT_TRUE(db.is_ok());
  ShardStats stats;
  std::atomic<bool> healthy{true};
  thread_local int depth = 0;  // per thread, like the adapters' gathering
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
  std::atomic<int> outside{0};
  CompletionWindow window{[&] { ++depth, ++opened; }, [&] { --depth, ++closed; }};
  Committer c(**db, stats, healthy, GetParam(), window);
  c.start("test-commit");
  for (int i = 0; i < 30; ++i) {
    c.submit(batch_of(
        **db, std::to_string(i), [&](const Status&) { outside += depth == 1 ? 0 : 1; },
        [&] { outside += depth == 1 ? 0 : 1; }));
  }
  c.drain();
  c.stop();
  EXPECT_EQ(outside.load(), 0) << "ran outside a window, or in one opened on another thread";
  EXPECT_GE(opened.load(), 1);
  EXPECT_EQ(opened.load(), closed.load());
  EXPECT_EQ(depth, 0);
}

TEST_P(CommitterModes, AFailedWriteFailsEveryLaterBatchUntilReset) {
  test::TempDir dir;
  const std::string full = dir.path() + "/full";
  storage::DbOptions options;
  options.fault_injection_file = full;
  auto db = storage::Db::open(dir.path() + "/db", options);
  ASSERT_TRUE(db.is_ok());
  ShardStats stats;
  std::atomic<bool> healthy{true};
  Committer c(**db, stats, healthy, GetParam());
  c.start("test-commit");
  std::vector<int> results(6, -1);  // 1 ok, 0 failed
  auto done = [&results](int i) {
    return [&results, i](const Status& st) { results[i] = st.is_ok(); };
  };
  std::atomic<int> published{0};  // after_commit work runs for durable batches only
  auto batch_of = [&published](storage::Db& db, const std::string& id,
                               std::function<void(const Status&)> d) {
    return router::batch_of(db, id, std::move(d), [&published] { ++published; });
  };

  c.submit(batch_of(**db, "0", done(0)));
  c.drain();
  std::ofstream(full) << "x";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the switch is polled every 20 ms
  c.submit(batch_of(**db, "1", done(1)));
  c.drain();
  EXPECT_TRUE(c.failed());
  EXPECT_FALSE(healthy.load());
  std::filesystem::remove(full);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The disk works again, but these were built on the failed batch: they fail
  // without being written, until the shard has reloaded and calls reset().
  c.submit(batch_of(**db, "2", done(2)));
  c.submit(batch_of(**db, "3", done(3)));
  c.drain();
  ASSERT_TRUE((*db)->resume().is_ok());
  c.reset();
  c.submit(batch_of(**db, "4", done(4)));
  c.submit(batch_of(**db, "5", done(5)));
  c.stop();
  EXPECT_EQ(results, (std::vector<int>{1, 0, 0, 0, 1, 1}));
  EXPECT_EQ(published.load(), 3) << "0, 4 and 5";
  EXPECT_EQ((*db)->count_dedup("acme").value(), 3u) << "0, 4 and 5";
  EXPECT_GE(stats.commit_failures.load(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, CommitterModes, ::testing::Values(0, 2, 4), [](const auto& info) {
  return info.param == 0 ? std::string("Synchronous") : "InFlight" + std::to_string(info.param);
});

}  // namespace
}  // namespace sb::router

// Storage faults against the real binary (issue 6.5). The daemon runs with
// storage.fault_injection_file: while that file exists every write to RocksDB
// fails as on a full disk. Webhooks must then get 503 and nothing may be
// acknowledged; /readyz reports it; once the file is gone the daemon recovers
// by itself (no restart, no traffic needed), and a kill -9 in the middle of
// all this loses nothing that was answered 2xx.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/db.h"
#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "storage-fault-secret-77";

class StorageFaultE2E : public ::testing::Test {
 protected:
  std::string config() {
    const auto path = dir_.path() + "/sb.toml";
    std::ofstream(path) << "[storage]\nfault_injection_file = \"" << fault_file_ << "\"\n";
    return path;
  }
  void SetUp() override {
    daemon_.start();
    ASSERT_EQ(
        daemon_
            .put("/v1/channels/tg",
                 R"({"type":"telegram","secret":")" + std::string(kSecret) + "\"}", daemon_.admin())
            .status,
        200);
  }
  HttpResult webhook(std::int64_t update_id) {
    return daemon_.post("/webhooks/demo/tg",
                        telegram_text_update(update_id, 9000 + update_id, "hello"),
                        {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
  }
  void disk_full(bool full) {
    if (full) {
      std::ofstream(fault_file_) << "full\n";
    } else {
      std::filesystem::remove(fault_file_);
    }
    // The daemon looks at the switch every 20 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  bool ready_within(std::chrono::seconds max) {
    const auto until = std::chrono::steady_clock::now() + max;
    while (std::chrono::steady_clock::now() < until) {
      if (daemon_.get("/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Stops the daemon and counts the events RocksDB holds for the tenant.
  std::uint64_t stored_after_stop() {
    EXPECT_EQ(daemon_.terminate(), 0);
    auto db = storage::Db::open(dir_.path() + "/db");
    EXPECT_TRUE(db.is_ok());
    return db.is_ok() ? (*db)->count_dedup("demo").value() : 0;
  }

  TempDir dir_;
  std::string fault_file_ = dir_.path() + "/disk-full";
  DaemonProcess daemon_{dir_.path(), {"--config", config()}};
};

void expect_503(const HttpResult& r) {
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(json_peek(r.body, "code"), "storage_unavailable") << r.body;
}

TEST_F(StorageFaultE2E, DiskFullAnswers503StoresNothingAndRecoversByItself) {
  ASSERT_EQ(webhook(1).status, 200);
  disk_full(true);
  expect_503(webhook(2));
  EXPECT_EQ(daemon_.get("/readyz").status, 503);
  for (int i = 3; i <= 5; ++i) expect_503(webhook(i));
  EXPECT_EQ(daemon_.get("/healthz").status, 200) << "alive, only not ready";
  EXPECT_EQ(daemon_.get("/readyz").status, 503);

  disk_full(false);
  ASSERT_TRUE(ready_within(std::chrono::seconds(20))) << "recovers without a restart or traffic";
  // The platforms retry what got 503: now it is stored, once.
  auto retry = webhook(2);
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_NE(retry.body.find(R"("status":"stored")"), std::string::npos) << retry.body;
  EXPECT_NE(webhook(1).body.find(R"("status":"duplicate")"), std::string::npos);
  EXPECT_EQ(webhook(6).status, 200);
  const auto metrics = daemon_.get("/metrics").body;
  const auto failures = metrics.find(R"(switchboard_commit_failures_total{shard="0"} )");
  ASSERT_NE(failures, std::string::npos);
  const std::string prefix = R"(switchboard_commit_failures_total{shard="0"} )";
  EXPECT_GE(std::stod(metrics.substr(failures + prefix.size(), 20)), 1.0)
      << "the failed writes are counted";
  // 1, 2 (the retry) and 6; 3..5 were never acknowledged and never stored.
  EXPECT_EQ(stored_after_stop(), 3u);
}

TEST_F(StorageFaultE2E, Kill9WhileFailingAndWhileRecoveringLosesNothingAcknowledged) {
  ASSERT_EQ(webhook(1).status, 200);
  disk_full(true);
  expect_503(webhook(2));
  daemon_.kill9();  // killed while the disk is full
  disk_full(false);
  daemon_.start();
  ASSERT_EQ(webhook(2).status, 200);
  EXPECT_NE(webhook(1).body.find(R"("status":"duplicate")"), std::string::npos);

  // Killed right as the disk frees up, while the shard resumes and reloads.
  disk_full(true);
  expect_503(webhook(3));
  std::filesystem::remove(fault_file_);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  daemon_.kill9();
  daemon_.start();
  ASSERT_EQ(webhook(3).status, 200);
  EXPECT_NE(webhook(2).body.find(R"("status":"duplicate")"), std::string::npos);
  EXPECT_EQ(stored_after_stop(), 3u);
}

}  // namespace
}  // namespace sb::test

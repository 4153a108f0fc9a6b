// storage::make_prezeroed_wal_fs under a real RocksDB: new write-ahead logs
// are taken from zero-filled spares; an image of the directory taken while
// the database is open (what a crash leaves: a log that ends in zeros)
// recovers every synced write; a clean close trims the log to its records.
#include "storage/wal_files.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/db.h"
#include "tests/support/temp_dir.h"

namespace sb::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSpareBytes = 1 << 20;

// Polls (bounded) until the wrapper has `n` spares ready.
bool wait_for_spares(const rocksdb::FileSystem& wal_fs, int n) {
  for (int i = 0; i < 3000; ++i) {
    if (prezeroed_wal_spares_ready(wal_fs) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::vector<fs::path> logs_in(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") out.push_back(e.path());
  }
  return out;
}

std::unique_ptr<rocksdb::DB> open_db(const std::string& dir, rocksdb::Env* env) {
  rocksdb::Options o;
  o.create_if_missing = true;
  if (env != nullptr) o.env = env;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::Open(o, dir, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<rocksdb::DB>(raw);
}

void expect_keys(rocksdb::DB& db, int n) {
  for (int i = 0; i < n; ++i) {
    std::string v;
    const auto s = db.Get(rocksdb::ReadOptions(), "key-" + std::to_string(i), &v);
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
    EXPECT_EQ(v, "value-" + std::to_string(i));
  }
}

TEST(PrezeroedWal, LogsTakeSparesAndACrashImageRecoversEverySyncedWrite) {
  test::TempDir dir;
  const std::string db_dir = dir.path() + "/db";
  PrezeroedWalOptions options;
  options.file_bytes = kSpareBytes;
  options.spares = 1;
  options.start_after_wal_files = 0;
  auto wal_fs = make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), db_dir, options);
  auto env = rocksdb::NewCompositeEnv(wal_fs);
  ASSERT_TRUE(wait_for_spares(*wal_fs, 1));

  auto db = open_db(db_dir, env.get());  // its first log takes the spare
  ASSERT_TRUE(db);
  EXPECT_EQ(prezeroed_wal_files_used(*wal_fs), 1);
  ASSERT_TRUE(wait_for_spares(*wal_fs, 1));  // a new one is made
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "first", "x").ok());
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());  // a memtable switch: a new log
  EXPECT_EQ(prezeroed_wal_files_used(*wal_fs), 2);

  constexpr int kKeys = 300;
  rocksdb::WriteOptions synced;
  synced.sync = true;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(db->Put(synced, "key-" + std::to_string(i), "value-" + std::to_string(i)).ok());
  }
  // The live log is still the spare's size: its records, then zeros.
  const auto live = logs_in(db_dir);
  ASSERT_FALSE(live.empty());
  std::uint64_t largest = 0;
  for (const auto& l : live) largest = std::max<std::uint64_t>(largest, fs::file_size(l));
  EXPECT_EQ(largest, kSpareBytes);

  // What a crash leaves: the files as they are, the log ending in zeros.
  const std::string image = dir.path() + "/crash-image";
  fs::copy(db_dir, image, fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(image)) {
    if (e.path().filename().string().rfind("SB-WAL-SPARE-", 0) == 0) fs::remove(e.path());
  }
  {
    auto recovered = open_db(image, nullptr);  // plain RocksDB, default recovery mode
    ASSERT_TRUE(recovered);
    expect_keys(*recovered, kKeys);
  }

  // A clean close trims the log to what was written.
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  for (const auto& l : logs_in(db_dir)) EXPECT_LT(fs::file_size(l), kSpareBytes) << l;
  auto reopened = open_db(db_dir, env.get());
  ASSERT_TRUE(reopened);
  expect_keys(*reopened, kKeys);
}

TEST(PrezeroedWal, UnusedSparesAreRemovedWithTheFileSystemAndAtStart) {
  test::TempDir dir;
  const std::string db_dir = dir.path() + "/db";
  PrezeroedWalOptions options;
  options.file_bytes = kSpareBytes;
  options.spares = 2;
  options.start_after_wal_files = 0;
  auto spares_on_disk = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(db_dir)) {
      n += e.path().filename().string().rfind("SB-WAL-SPARE-", 0) == 0 ? 1 : 0;
    }
    return n;
  };
  {
    auto wal_fs = make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), db_dir, options);
    ASSERT_TRUE(wait_for_spares(*wal_fs, 2));
    EXPECT_EQ(spares_on_disk(), 2);
  }
  EXPECT_EQ(spares_on_disk(), 0);
  // A crashed run's leftover (maybe half written) is not trusted at start.
  {
    std::ofstream(db_dir + "/SB-WAL-SPARE-7") << "not zeros";
    options.start_after_wal_files = 5;  // makes none of its own
    auto wal_fs = make_prezeroed_wal_fs(rocksdb::FileSystem::Default(), db_dir, options);
    EXPECT_FALSE(fs::exists(db_dir + "/SB-WAL-SPARE-7"));
    EXPECT_EQ(prezeroed_wal_spares_ready(*wal_fs), 0);
  }
}

// What /metrics reads: -1 without the option; with it, nothing used and no
// spare made before the first memtable switch.
TEST(PrezeroedWal, DbReportsSparesOnlyWhenAskedTo) {
  test::TempDir dir;
  {
    auto db = Db::open(dir.path() + "/plain");
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    EXPECT_EQ((*db)->wal_files_from_spares(), -1);
    EXPECT_EQ((*db)->wal_spares_ready(), -1);
  }
  DbOptions options;
  options.prezeroed_wal = true;
  auto db = Db::open(dir.path() + "/prezeroed", options);
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  EXPECT_EQ((*db)->wal_files_from_spares(), 0);
  EXPECT_EQ((*db)->wal_spares_ready(), 0);
}

}  // namespace
}  // namespace sb::storage

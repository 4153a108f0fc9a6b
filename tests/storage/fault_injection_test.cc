// storage::FaultInjection under a real Db: while the switch file exists every
// commit fails and nothing of it becomes visible; once it is removed,
// Db::resume() brings the database back (reopening it if RocksDB will not
// resume), and what was committed before the fault is all still there.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/db.h"
#include "tests/support/temp_dir.h"

namespace sb::storage {
namespace {

proto::ChangeSet mark(const std::string& event_id) {
  proto::ChangeSet set;
  set.tenant = "acme";
  set.changes.emplace_back(proto::DedupMark{"tg", event_id, 1000});
  return set;
}

void flip(const std::string& file, bool on) {
  if (on) {
    std::ofstream(file) << "x";
  } else {
    std::filesystem::remove(file);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the watcher polls every 20 ms
}

TEST(FaultInjection, WritesFailWhileTheSwitchExistsAndTheDbComesBack) {
  test::TempDir dir;
  const std::string sw = dir.path() + "/full";
  DbOptions options;
  options.fault_injection_file = sw;
  auto db = Db::open(dir.path() + "/db", options);
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  ASSERT_TRUE((*db)->commit(mark("1")).is_ok());

  flip(sw, true);
  auto failed = (*db)->commit(mark("2"));
  EXPECT_EQ(failed.code(), Code::kIoError) << failed.to_string();
  EXPECT_NE(failed.message().find("No space"), std::string::npos) << failed.message();
  EXPECT_FALSE((*db)->resume().is_ok()) << "cannot resume while the disk is full";
  EXPECT_EQ((*db)->count_dedup("acme").value(), 1u) << "reads keep working meanwhile";
  EXPECT_FALSE((*db)->commit(mark("3")).is_ok());

  flip(sw, false);
  ASSERT_TRUE((*db)->resume().is_ok());
  ASSERT_TRUE((*db)->commit(mark("4")).is_ok());
  EXPECT_EQ((*db)->count_dedup("acme").value(), 2u) << "1 and 4; the failed ones left nothing";
  db->reset();
  auto again = Db::open(dir.path() + "/db");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ((*again)->count_dedup("acme").value(), 2u);
}

// Db::write merges several prepared groups into one atomic WriteBatch.
TEST(PreparedWrite, SeveralGroupsAreWrittenAsOne) {
  test::TempDir dir;
  auto db = Db::open(dir.path() + "/db");
  ASSERT_TRUE(db.is_ok());
  std::vector<proto::ChangeSet> sets;
  for (int i = 0; i < 3; ++i) sets.push_back(mark(std::to_string(i)));
  sets[1].changes.emplace_back(proto::DedupMark{"tg", "1b", 1000});
  PreparedWrite w[4];
  for (int i = 0; i < 3; ++i) {
    const proto::ChangeSet* one[] = {&sets[i]};
    ASSERT_TRUE((*db)->prepare(one, w[i]).is_ok());
  }
  std::vector<PreparedWrite*> all{&w[0], &w[3], &w[1], &w[2]};  // w[3] is empty
  ASSERT_TRUE((*db)->write(all).is_ok());
  EXPECT_EQ((*db)->count_dedup("acme").value(), 4u);
}

}  // namespace
}  // namespace sb::storage

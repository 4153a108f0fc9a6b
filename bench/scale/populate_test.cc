// sb_populate's data, read back the way the daemon's recovery reads it: the
// open conversations it promises, and with `resolved` the older resolved
// conversations of the same contacts, beyond the windows that would tie
// them to the open ones.
#include "bench/scale/populate.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "storage/db.h"
#include "tests/support/temp_dir.h"

namespace sb::bench::scale {
namespace {

struct Census final : storage::RecoveryVisitor {
  void on_channel(const std::string&, proto::ChannelConfig) override {}
  void on_contact(const std::string&, proto::Contact) override { ++contacts; }
  void on_identity(const std::string&, proto::IdentityLink) override {}
  void on_conversation(const std::string&, proto::Conversation c) override {
    ++by_status[c.status];
    if (c.status == proto::ConversationStatus::kResolved) {
      resolved_contacts.insert(c.contact_id);
      latest_resolved = std::max(latest_resolved, c.resolved_at);
    } else {
      earliest_open = std::min(earliest_open, c.created_at);
    }
  }
  void on_dedup(const std::string&, proto::DedupMark) override {}
  void on_last_seq(const std::string&, std::uint64_t) override {}
  void on_routing(const std::string&, proto::RoutingRecord) override {}

  std::size_t contacts = 0;
  std::map<proto::ConversationStatus, std::size_t> by_status;
  std::set<std::string> resolved_contacts;
  proto::TimeMs latest_resolved = 0, earliest_open = INT64_MAX;
};

Census populate_and_read(std::uint64_t resolved) {
  test::TempDir dir;
  PopulateSpec spec;
  spec.db_dir = dir.path() + "/db";
  spec.conversations = 300;
  spec.operators = 30;
  spec.events = 300;
  spec.queues_per_tenant = 3;
  spec.end_ms = 1'764'700'000'000;
  spec.span_ms = 3'600'000;
  spec.resolved = resolved;
  auto r = populate(spec, {});
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (r.is_ok()) {
    EXPECT_EQ(r->conversations, 300u);
    EXPECT_EQ(r->resolved, resolved);
  }
  Census census;
  auto db = storage::Db::open(spec.db_dir);
  EXPECT_TRUE(db.is_ok());
  if (db.is_ok()) {
    EXPECT_TRUE((*db)->recover(census, 0).is_ok());
  }
  return census;
}

TEST(Populate, OpenConversationsOnly) {
  const auto c = populate_and_read(0);
  EXPECT_EQ(c.contacts, 300u);
  EXPECT_EQ(c.by_status.at(proto::ConversationStatus::kAssigned), 300u);
  EXPECT_EQ(c.by_status.count(proto::ConversationStatus::kResolved), 0u);
}

TEST(Populate, ResolvedHistoryOfTheSameContactsBeyondTheWindows) {
  const auto c = populate_and_read(120);
  EXPECT_EQ(c.contacts, 300u) << "the same contacts, not new ones";
  EXPECT_EQ(c.by_status.at(proto::ConversationStatus::kAssigned), 300u);
  EXPECT_EQ(c.by_status.at(proto::ConversationStatus::kResolved), 120u);
  EXPECT_EQ(c.resolved_contacts.size(), 120u);
  EXPECT_LE(c.latest_resolved + kResolvedAgeMs - 1000, c.earliest_open)
      << "resolved a week and a day before the open ones began";
}

}  // namespace
}  // namespace sb::bench::scale

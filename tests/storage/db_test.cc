#include "storage/db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "proto/json_writer.h"
#include "proto/views.h"
#include "tests/support/temp_dir.h"

namespace sb::storage {
namespace {

struct Collected final : RecoveryVisitor {
  std::vector<std::pair<std::string, proto::ChannelConfig>> channels;
  std::vector<std::pair<std::string, proto::Contact>> contacts;
  std::vector<std::pair<std::string, proto::IdentityLink>> identities;
  std::vector<std::pair<std::string, proto::Conversation>> conversations;
  std::vector<std::pair<std::string, proto::DedupMark>> dedup;
  std::map<std::string, std::uint64_t> last_seq;
  void on_channel(const std::string& t, proto::ChannelConfig c) override {
    channels.emplace_back(t, c);
  }
  void on_contact(const std::string& t, proto::Contact c) override { contacts.emplace_back(t, c); }
  void on_identity(const std::string& t, proto::IdentityLink l) override {
    identities.emplace_back(t, l);
  }
  void on_conversation(const std::string& t, proto::Conversation c) override {
    conversations.emplace_back(t, c);
  }
  void on_dedup(const std::string& t, proto::DedupMark m) override { dedup.emplace_back(t, m); }
  void on_last_seq(const std::string& t, std::uint64_t s) override { last_seq[t] = s; }
  std::vector<std::pair<std::string, proto::RoutingRecord>> routing;
  void on_routing(const std::string& t, proto::RoutingRecord r) override {
    routing.emplace_back(t, r);
  }
  std::map<std::string, TableSizes> sizes;
  std::size_t contacts_before_sizes = 0;  // must stay 0: the hint comes first
  void on_table_sizes(const std::string& t, TableSizes s) override {
    contacts_before_sizes += contacts.size();
    sizes[t] = s;
  }
};

// A message.created frame as the router writes it (TenantState::append_log).
std::string frame_of(const proto::Message& m) {
  std::string json;
  proto::JsonWriter w(json);
  w.begin_object()
      .field("seq", m.seq)
      .field("type", "message.created")
      .field("at", "2026-12-02T05:00:00Z");
  w.key("conversation").begin_object().field("id", m.conversation_id).end_object();
  w.key("message");
  proto::write_public(w, m);
  w.end_object();
  return json;
}

proto::ChangeSet sample(const std::string& tenant, std::uint64_t base, proto::TimeMs at) {
  proto::ChangeSet set;
  set.tenant = tenant;
  set.changes.emplace_back(proto::DedupMark{"tg", std::to_string(base), at});
  set.changes.emplace_back(proto::IdentityLink{{"tg", "42"}, "ct-1"});
  proto::Contact contact;
  contact.id = "ct-1";
  contact.name = "Ivan";
  contact.identities = {{"tg", "42"}};
  contact.created_at = at;
  set.changes.emplace_back(contact);
  proto::Conversation c;
  c.id = "cv-2";
  c.contact_id = "ct-1";
  c.channel = "tg";
  set.changes.emplace_back(c);
  proto::Message m;
  m.id = "m-" + std::to_string(base);
  m.seq = base;
  m.conversation_id = "cv-2";
  m.text = "hello " + std::to_string(base);
  m.event_id = "upd-" + std::to_string(base);
  m.created_at = at;
  set.changes.emplace_back(proto::LogEntry{base, frame_of(m)});
  set.changes.emplace_back(m);
  return set;
}

TEST(Db, CommitThenRecoverInAnotherInstance) {
  sb::test::TempDir dir;
  {
    auto db = Db::open(dir.path());
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    auto a = sample("acme", 3, 1000), b = sample("beta", 9, 2000);
    proto::ChannelConfig ch{"tg", "telegram", "s", "", "support", "", "", "", ""};
    a.changes.emplace_back(ch);
    const proto::ChangeSet* sets[] = {&a, &b};
    ASSERT_TRUE((*db)->commit(sets).is_ok());
  }
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 0).is_ok());
  ASSERT_EQ(v.channels.size(), 1u);
  EXPECT_EQ(v.channels[0].first, "acme");
  EXPECT_EQ(v.contacts.size(), 2u);
  EXPECT_EQ(v.identities.size(), 2u);
  EXPECT_EQ(v.conversations.size(), 2u);
  EXPECT_EQ(v.dedup.size(), 2u);
  EXPECT_EQ(v.last_seq["acme"], 3u);
  EXPECT_EQ(v.last_seq["beta"], 9u);

  std::vector<proto::Message> msgs;
  ASSERT_TRUE((*db)->read_messages("acme", "cv-2", msgs).is_ok());
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].text, "hello 3");
  EXPECT_EQ(msgs[0].event_id, "upd-3");
  EXPECT_EQ(msgs[0].seq, 3u);
  EXPECT_EQ(msgs[0].created_at, 1000);
}

// A message whose log entry is in the same change set is stored once, in
// the entry; one without (an older version's record, or a producer that logs
// nothing) is stored whole. Both read back the same, in seq order.
TEST(Db, MessagesReadBackWhetherIndexedOrStoredWhole) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  std::vector<proto::Message> written;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    proto::Message m;
    m.id = "m-" + std::to_string(seq);
    m.seq = seq;
    m.conversation_id = "cv-9";
    m.direction = seq % 2 ? proto::Direction::kIn : proto::Direction::kOut;
    m.author = seq % 2 ? "ct-1" : "olena";
    m.text = "text \"" + std::to_string(seq) + "\"\n";
    m.channel = "tg";
    m.event_id = seq % 2 ? "upd-" + std::to_string(seq) : "";
    m.created_at = 1763877600000 + static_cast<proto::TimeMs>(seq);
    if (seq == 3) m.attachments.push_back({"photo", "AgAC", "", "image/jpeg", 84210});
    proto::ChangeSet set;
    set.tenant = "acme";
    if (seq != 2) set.changes.emplace_back(proto::LogEntry{seq, frame_of(m)});  // 2: stored whole
    set.changes.emplace_back(m);
    ASSERT_TRUE((*db)->commit(set).is_ok());
    written.push_back(m);
  }
  std::vector<proto::Message> back;
  ASSERT_TRUE((*db)->read_messages("acme", "cv-9", back).is_ok());
  EXPECT_EQ(back, written);
}

// An index entry whose log entry holds no message is reported, not skipped.
TEST(Db, AnIndexedMessageWithoutItsContentIsCorruption) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  proto::Message m;
  m.id = "m-5";
  m.seq = 5;
  m.conversation_id = "cv-1";
  proto::ChangeSet set;
  set.tenant = "acme";
  set.changes.emplace_back(proto::LogEntry{5, R"({"seq":5,"type":"conversation.created"})"});
  set.changes.emplace_back(m);
  ASSERT_TRUE((*db)->commit(set).is_ok());
  std::vector<proto::Message> back;
  const auto st = (*db)->read_messages("acme", "cv-1", back);
  EXPECT_EQ(st.code(), Code::kCorruption) << st.to_string();
  EXPECT_TRUE(back.empty());
}

// A follow-up's ConversationActivity is merged into the stored record: in
// the same batch as the record, in later batches, before and after the
// record was flushed to a table file (close flushes; reopen replays), and
// the last activity wins.
TEST(Db, ConversationActivityIsMergedIntoTheRecord) {
  sb::test::TempDir dir;
  proto::Conversation c;
  c.id = "cv-2";
  c.contact_id = "ct-1";
  c.channel = "tg";
  c.queue = "support";
  c.operator_id = "olena";
  c.status = proto::ConversationStatus::kAssigned;
  c.created_at = 1000;
  c.updated_at = 1000;
  c.message_count = 1;
  auto activity = [](proto::TimeMs at, std::uint64_t count) {
    return proto::ConversationActivity{"cv-2", at, count};
  };
  auto recovered = [&](Db& db) {
    Collected v;
    EXPECT_TRUE(db.recover(v, 0).is_ok());
    EXPECT_EQ(v.conversations.size(), 1u);
    return v.conversations.empty() ? proto::Conversation{} : v.conversations[0].second;
  };
  proto::Conversation expected = c;
  {
    auto db = Db::open(dir.path());
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE((*db)->commit(proto::ChangeSet{"acme", {c, activity(1500, 2)}}).is_ok());
    expected.updated_at = 1500;
    expected.message_count = 2;
    EXPECT_EQ(recovered(**db), expected) << "record and activity in one batch (memtable)";
    ASSERT_TRUE((*db)->commit(proto::ChangeSet{"acme", {activity(1600, 3)}}).is_ok());
    ASSERT_TRUE((*db)->commit(proto::ChangeSet{"acme", {activity(1700, 4)}}).is_ok());
    expected.updated_at = 1700;
    expected.message_count = 4;
    EXPECT_EQ(recovered(**db), expected) << "later batches: the last one wins";
  }
  {
    auto db = Db::open(dir.path());  // the record is in a table file now
    ASSERT_TRUE(db.is_ok());
    EXPECT_EQ(recovered(**db), expected) << "after a flush";
    ASSERT_TRUE((*db)->commit(proto::ChangeSet{"acme", {activity(1800, 5)}}).is_ok());
  }
  auto db = Db::open(dir.path());  // the record and the operand in two files
  ASSERT_TRUE(db.is_ok());
  expected.updated_at = 1800;
  expected.message_count = 5;
  EXPECT_EQ(recovered(**db), expected) << "operand flushed apart from its record";
  // A whole record written later replaces all activity before it.
  proto::Conversation resolved = expected;
  resolved.status = proto::ConversationStatus::kResolved;
  resolved.operator_id.clear();
  resolved.resolved_at = 1900;
  ASSERT_TRUE((*db)->commit(proto::ChangeSet{"acme", {resolved}}).is_ok());
  EXPECT_EQ(recovered(**db), resolved);
}

// Activity of a conversation whose record was never stored is reported at
// recovery, like any record that does not decode.
TEST(Db, ConversationActivityWithoutItsRecordIsCorruption) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE(
      (*db)->commit(proto::ChangeSet{"acme", {proto::ConversationActivity{"cv-9", 5, 2}}}).is_ok());
  Collected v;
  const auto st = (*db)->recover(v, 0);
  EXPECT_EQ(st.code(), Code::kCorruption) << st.to_string();
  EXPECT_NE(st.to_string().find("cv-9"), std::string::npos) << st.to_string();
}

// Several contacts' timelines read as one (a contact and those merged into
// it): seq order across them, each page continuing where the last ended.
TEST(Db, TimelinesOfSeveralContactsPageAsOne) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  proto::ChangeSet set{"acme", {}};
  for (std::uint64_t seq = 1; seq <= 9; ++seq) {
    set.changes.emplace_back(proto::LogEntry{seq, "{\"seq\":" + std::to_string(seq) + "}"});
    set.changes.emplace_back(
        proto::TimelineMark{seq % 3 == 0 ? "ct-2" : "ct-1", seq});  // 3, 6, 9 are ct-2's
  }
  ASSERT_TRUE((*db)->commit(set).is_ok());
  std::vector<std::uint64_t> seen;
  std::uint64_t cursor = 0;
  for (int page = 0; page < 5; ++page) {
    std::vector<proto::LogEntry> out;
    ASSERT_TRUE((*db)->read_timelines("acme", {"ct-1", "ct-2"}, cursor, 4, out).is_ok());
    if (out.empty()) break;
    for (const auto& e : out) seen.push_back(e.seq);
    cursor = out.back().seq;
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  std::vector<proto::LogEntry> one;
  ASSERT_TRUE((*db)->read_timeline("acme", "ct-2", 0, 10, one).is_ok());
  ASSERT_EQ(one.size(), 3u);
  EXPECT_EQ(one[2].json, "{\"seq\":9}");
}

TEST(Db, LastSeqIsTheHighestPerTenant) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  for (std::uint64_t s : {1ULL, 300ULL, 70000ULL, 2ULL}) {
    ASSERT_TRUE((*db)->commit(sample("t", s, 5)).is_ok());
  }
  ASSERT_TRUE((*db)->commit(sample("t2", 4, 5)).is_ok());
  ASSERT_TRUE((*db)->commit(sample("a", 8, 5)).is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 0).is_ok());
  EXPECT_EQ(v.last_seq["t"], 70000u);
  EXPECT_EQ(v.last_seq["t2"], 4u);
  EXPECT_EQ(v.last_seq["a"], 8u);
  std::vector<proto::LogEntry> log;
  ASSERT_TRUE((*db)->read_log("t", 1, 10, log).is_ok());
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].seq, 2u);
  EXPECT_EQ(log[2].seq, 70000u);
}

TEST(Db, TableSizesComeBackBeforeTheTablesAndAreNoChannel) {
  sb::test::TempDir dir;
  {
    auto db = Db::open(dir.path());
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE((*db)->commit(sample("t", 1, 5)).is_ok());
    ASSERT_TRUE((*db)->put_table_sizes({{"t", {3, 4, 5}}, {"t2", {1000, 2, 0}}}).is_ok());
    ASSERT_TRUE((*db)->put_table_sizes({{"t", {6, 7, 8}}}).is_ok());  // the latest wins
  }
  auto db = Db::open(dir.path());  // after a clean close: the unsynced hint was kept
  ASSERT_TRUE(db.is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 0).is_ok());
  ASSERT_EQ(v.sizes.size(), 2u);
  EXPECT_EQ(v.sizes["t"].contacts, 6u);
  EXPECT_EQ(v.sizes["t"].identities, 7u);
  EXPECT_EQ(v.sizes["t"].conversations, 8u);
  EXPECT_EQ(v.sizes["t2"].contacts, 1000u);
  EXPECT_EQ(v.contacts_before_sizes, 0u);
  EXPECT_FALSE(v.contacts.empty());
  EXPECT_TRUE(v.channels.empty()) << "the hint lives in the meta CF but is no channel";
}

// A corrupt hint cannot make recovery reserve terabytes: it is bounded by
// about twice what the tables' column families hold.
TEST(Db, TableSizesAreBoundedByWhatIsStored) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE((*db)->commit(sample("t", 1, 5)).is_ok());
  const std::uint64_t absurd = std::uint64_t{1} << 40;
  ASSERT_TRUE((*db)->put_table_sizes({{"t", {absurd, absurd, absurd}}}).is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 0).is_ok());
  ASSERT_EQ(v.sizes.count("t"), 1u);
  EXPECT_LT(v.sizes["t"].contacts, 10000u);
  EXPECT_LT(v.sizes["t"].identities, 10000u);
  EXPECT_LT(v.sizes["t"].conversations, 10000u);
  EXPECT_GT(v.sizes["t"].contacts, 0u);  // bounded, not dropped
}

// Two writers at once (two shards' committers), with RocksDB's pipelined
// write (as the daemon opens it for several shards) and without: every
// write lands, and a reopened instance reads all of it.
class ConcurrentWriters : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ConcurrentWriters, EveryWriteLandsAndRecovers) {
  sb::test::TempDir dir;
  constexpr std::uint64_t kPerWriter = 300;
  {
    DbOptions options;
    options.concurrent_writers = GetParam();
    auto db = Db::open(dir.path(), options);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    std::atomic<int> failures{0};
    auto writer = [&](const std::string& tenant) {
      for (std::uint64_t s = 1; s <= kPerWriter; ++s) {
        if (!(*db)->commit(sample(tenant, s, 5)).is_ok()) failures.fetch_add(1);
      }
    };
    std::thread a(writer, "alpha"), b(writer, "bravo");
    a.join();
    b.join();
    ASSERT_EQ(failures.load(), 0);
  }
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 0).is_ok());
  for (const std::string tenant : {"alpha", "bravo"}) {
    EXPECT_EQ(v.last_seq[tenant], kPerWriter) << tenant;
    std::vector<proto::LogEntry> log;
    ASSERT_TRUE((*db)->read_log(tenant, 0, kPerWriter + 1, log).is_ok());
    ASSERT_EQ(log.size(), kPerWriter) << tenant;
    for (std::uint64_t i = 0; i < kPerWriter; ++i) EXPECT_EQ(log[i].seq, i + 1) << tenant;
    std::vector<proto::Message> msgs;
    ASSERT_TRUE((*db)->read_messages(tenant, "cv-2", msgs).is_ok());
    EXPECT_EQ(msgs.size(), kPerWriter) << tenant;
  }
}

INSTANTIATE_TEST_SUITE_P(Db, ConcurrentWriters, ::testing::Values(1u, 2u),
                         [](const auto& info) { return info.param == 1 ? "Serial" : "Pipelined"; });

TEST(Db, ExpiredDedupMarksAreDeletedAtRecovery) {
  sb::test::TempDir dir;
  auto db = Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE((*db)->commit(sample("t", 1, 100)).is_ok());
  ASSERT_TRUE((*db)->commit(sample("t", 2, 5000)).is_ok());
  Collected v;
  ASSERT_TRUE((*db)->recover(v, 1000).is_ok());
  ASSERT_EQ(v.dedup.size(), 1u);
  EXPECT_EQ(v.dedup[0].second.event_id, "2");
  EXPECT_EQ((*db)->count_dedup("t").value(), 1u);
}

TEST(Db, CompactionsDropDedupMarksOlderThanTheWindow) {
  const proto::TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  const proto::TimeMs hour = 3600 * 1000;
  for (const proto::TimeMs window : {proto::TimeMs{0}, hour}) {
    sb::test::TempDir dir;
    DbOptions options;
    options.dedup_window_ms = window;
    auto db = Db::open(dir.path(), options);
    ASSERT_TRUE(db.is_ok());
    proto::ChangeSet set{
        "t", {proto::DedupMark{"tg", "old", now - 2 * hour}, proto::DedupMark{"tg", "new", now}}};
    ASSERT_TRUE((*db)->commit(set).is_ok());
    ASSERT_TRUE((*db)->compact_dedup().is_ok());
    EXPECT_EQ((*db)->count_dedup("t").value(), window == 0 ? 2u : 1u) << "window " << window;
  }
}

TEST(Db, OpenFailsCleanlyOnAnUnusableDirectory) {
  auto db = Db::open("/proc/self/not-a-db-dir");
  EXPECT_FALSE(db.is_ok());
  EXPECT_EQ(db.status().code(), Code::kIoError);
}

}  // namespace
}  // namespace sb::storage

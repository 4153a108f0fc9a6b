#include <gtest/gtest.h>

#include <future>
#include <map>
#include <thread>

#include "router/shard_set.h"
#include "tests/support/temp_dir.h"

namespace sb::router {
namespace {

ShardOptions options(std::size_t batches_in_flight = 0) {
  ShardOptions o;
  o.clock = [] { return proto::TimeMs{1763877600000}; };
  o.max_batches_in_flight = batches_in_flight;
  return o;
}

proto::InboundEvent event(const std::string& id, const std::string& user) {
  proto::InboundEvent e;
  e.channel = "tg";
  e.event_id = id;
  e.contact_external_id = user;
  e.reply_address = user;
  e.text = "text " + id;
  return e;
}

std::future<IngestReply> ingest(ShardSet& set, const std::string& tenant,
                                std::vector<proto::InboundEvent> events) {
  auto promise = std::make_shared<std::promise<IngestReply>>();
  auto fut = promise->get_future();
  IngestCommand cmd{tenant,
                    "default",
                    routing::ChannelKind::kChat,
                    std::move(events),
                    [promise](IngestReply r) { promise->set_value(std::move(r)); },
                    "",
                    "",
                    ""};
  EXPECT_TRUE(set.submit(tenant, std::move(cmd)));
  return fut;
}

// Both ways of writing a shard's batches: by the shard itself (0, the
// default) and by a committer thread up to 4 batches behind.
class ShardSetCommit : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ShardSetCommit, AcknowledgedEventsAreDurableAndRetriesAbsorbed) {
  sb::test::TempDir dir;
  std::vector<std::string> acked;
  {
    auto db = storage::Db::open(dir.path());
    ASSERT_TRUE(db.is_ok());
    Directory directory;
    ShardSet set(2, **db, directory, options(GetParam()));
    ASSERT_TRUE(set.recover().is_ok());
    set.start();
    // Several producers at once, each sending some ids twice in one request
    // and again in another: only the first of each is stored.
    std::vector<std::thread> producers;
    std::mutex m;  // test bookkeeping only
    for (int p = 0; p < 4; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < 50; ++i) {
          const auto id = std::to_string(p * 1000 + i);
          auto r1 =
              ingest(set, p % 2 ? "acme" : "beta", {event(id, "u" + id), event(id, "u" + id)});
          auto r2 = ingest(set, p % 2 ? "acme" : "beta", {event(id, "u" + id)});
          auto a = r1.get(), b = r2.get();
          ASSERT_TRUE(a.status.is_ok());
          ASSERT_EQ(a.outcomes.size(), 2u);
          EXPECT_EQ(a.outcomes[0].kind, IngestOutcome::Kind::kStored);
          EXPECT_EQ(a.outcomes[1].kind, IngestOutcome::Kind::kDuplicate);
          EXPECT_EQ(b.outcomes[0].kind, IngestOutcome::Kind::kDuplicate);
          std::lock_guard lock(m);
          acked.push_back(id);
        }
      });
    }
    for (auto& t : producers) t.join();
    set.stop();
    // Every command was taken from a queue once, and its wait observed once.
    std::uint64_t commands = 0, waits = 0;
    for (const auto& shard : set.shards()) {
      commands += shard->stats().commands.load();
      waits += shard->stats().queue_wait_micros.snapshot().count();
    }
    EXPECT_EQ(commands, 4u * 50u * 2u);
    EXPECT_EQ(waits, commands);
  }
  // A new process: everything acknowledged is on disk, and still deduplicated.
  auto db = storage::Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ((*db)->count_dedup("acme").value() + (*db)->count_dedup("beta").value(), acked.size());
  Directory directory;
  ShardSet set(2, **db, directory, options());
  ASSERT_TRUE(set.recover().is_ok());
  set.start();
  auto again = ingest(set, "acme", {event("1000", "u1000"), event("new", "u1000")}).get();
  ASSERT_TRUE(again.status.is_ok());
  EXPECT_EQ(again.outcomes[0].kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(again.outcomes[1].kind, IngestOutcome::Kind::kStored);
  EXPECT_FALSE(again.outcomes[1].new_conversation);  // threads into the recovered conversation
}

INSTANTIATE_TEST_SUITE_P(Modes, ShardSetCommit, ::testing::Values(0, 4), [](const auto& info) {
  return info.param == 0 ? std::string("ShardWrites") : std::string("CommitterThread");
});

TEST(ShardSet, ChannelChangesArePublishedOnlyAfterCommit) {
  sb::test::TempDir dir;
  auto db = storage::Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  Directory directory;
  directory.put_tenant("acme", {});
  ShardSet set(1, **db, directory, options());
  ASSERT_TRUE(set.recover().is_ok());
  set.start();
  std::promise<Status> done;
  proto::ChannelConfig ch{"tg", "telegram", "s", "", "support", "", "", "", ""};
  ASSERT_TRUE(set.submit(
      "acme", PutChannelCommand{"acme", ch, [&](Status s) {
                                  // By the time we are told, readers must already see it.
                                  EXPECT_NE(directory.snapshot()->channel("acme", "tg"), nullptr);
                                  done.set_value(std::move(s));
                                }}));
  EXPECT_TRUE(done.get_future().get().is_ok());
  set.stop();

  Directory fresh;
  fresh.put_tenant("acme", {});
  ShardSet again(1, **db, fresh, options());
  ASSERT_TRUE(again.recover().is_ok());
  const auto* recovered = fresh.snapshot()->channel("acme", "tg");
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->queue, "support");
}

struct SizesSeen final : storage::RecoveryVisitor {
  std::map<std::string, storage::TableSizes> sizes;
  void on_table_sizes(const std::string& t, storage::TableSizes s) override { sizes[t] = s; }
  void on_channel(const std::string&, proto::ChannelConfig) override {}
  void on_contact(const std::string&, proto::Contact) override {}
  void on_identity(const std::string&, proto::IdentityLink) override {}
  void on_conversation(const std::string&, proto::Conversation) override {}
  void on_dedup(const std::string&, proto::DedupMark) override {}
  void on_last_seq(const std::string&, std::uint64_t) override {}
  void on_routing(const std::string&, proto::RoutingRecord) override {}
};

// Each start records how large each tenant's tables came out, so that the
// next one can reserve them; the hint never changes what is recovered.
TEST(ShardSet, RecoverySizesTablesFromTheHintAndStoresTheNext) {
  sb::test::TempDir dir;
  {
    auto db = storage::Db::open(dir.path());
    ASSERT_TRUE(db.is_ok());
    Directory directory;
    ShardSet set(2, **db, directory, options());
    ASSERT_TRUE(set.recover().is_ok());
    set.start();
    for (int i = 0; i < 30; ++i) {
      const auto id = std::to_string(i);
      ASSERT_TRUE(
          ingest(set, "acme", {event(id, "u" + std::to_string(i % 10))}).get().status.is_ok());
    }
    ASSERT_TRUE(ingest(set, "beta", {event("1", "u1")}).get().status.is_ok());
    set.stop();
  }
  for (int start = 0; start < 2; ++start) {  // the second start reads a hint
    auto db = storage::Db::open(dir.path());
    ASSERT_TRUE(db.is_ok());
    if (start == 1) {  // larger than the tables, to see that it is applied
      ASSERT_TRUE((*db)->put_table_sizes({{"acme", {1000, 1000, 1000}}}).is_ok());
    }
    Directory directory;
    ShardSet set(2, **db, directory, options());
    ASSERT_TRUE(set.recover().is_ok());
    auto& acme = set.shard_for("acme").tenant_for_restore("acme");
    EXPECT_EQ(acme.contact_count(), 10u);
    EXPECT_EQ(acme.conversation_count(), 10u);
    if (start == 1) {  // the tables were sized from the hint, not grown to 10 rows
      EXPECT_GE(acme.contact_capacity(), 1000u);
      EXPECT_GE(acme.conversation_capacity(), 1000u);
    } else {
      EXPECT_LT(acme.contact_capacity(), 1000u);
    }
    SizesSeen seen;
    ASSERT_TRUE((*db)->recover(seen, 0).is_ok());
    ASSERT_EQ(seen.sizes.size(), 2u);
    EXPECT_EQ(seen.sizes["acme"].contacts, 10u);
    EXPECT_EQ(seen.sizes["acme"].identities, 10u);
    EXPECT_EQ(seen.sizes["acme"].conversations, 10u);
    EXPECT_EQ(seen.sizes["beta"].contacts, 1u);
    EXPECT_EQ(seen.sizes["beta"].conversations, 1u);
  }
}

TEST(ShardSet, OperatorTokensAreRecoveredIntoTheDirectory) {
  sb::test::TempDir dir;
  auto db = storage::Db::open(dir.path());
  ASSERT_TRUE(db.is_ok());
  proto::ChangeSet acme{"acme", {}};
  for (int i = 0; i < 100; ++i) {
    acme.changes.emplace_back(
        proto::RoutingRecord{'t', "hash-" + std::to_string(i), "op-" + std::to_string(i), false});
  }
  acme.changes.emplace_back(proto::RoutingRecord{'t', "hash-7", {}, true});  // rotated away
  ASSERT_TRUE((*db)->commit(acme).is_ok());
  ASSERT_TRUE(
      (*db)
          ->commit(proto::ChangeSet{"beta", {proto::RoutingRecord{'t', "hash-b", "op-0", false}}})
          .is_ok());

  Directory directory;
  ShardSet set(2, **db, directory, options());
  ASSERT_TRUE(set.recover().is_ok());
  const auto snap = directory.snapshot();
  EXPECT_EQ(snap->operator_by_token_hash.size(), 100u);  // 99 of acme, 1 of beta
  EXPECT_EQ(snap->operator_by_token_hash.count("hash-7"), 0u);
  ASSERT_EQ(snap->operator_by_token_hash.count("hash-42"), 1u);
  EXPECT_EQ(snap->operator_by_token_hash.at("hash-42").tenant, "acme");
  EXPECT_EQ(snap->operator_by_token_hash.at("hash-42").operator_id, "op-42");
  EXPECT_EQ(snap->operator_by_token_hash.at("hash-b").tenant, "beta");
}

}  // namespace
}  // namespace sb::router

// Persistence: the records reported in Output are enough to rebuild the
// same state; pending offers keep their deadlines across a restart.
#include <map>

#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {
namespace {

using proto::ConversationStatus;

// What the daemon would keep: configs as put, records as reported.
struct FakeStore {
  std::map<std::string, QueueConfig> queues;
  std::map<std::string, OperatorConfig> operators;
  std::map<std::string, OperatorRuntime> runtimes;
  std::map<std::string, ConversationRecord> conversations;

  void apply(const Output& out) {
    for (const auto& r : out.operators) runtimes[r.id] = r;
    for (const auto& c : out.conversations) {
      if (c.status == ConversationStatus::kResolved) {
        conversations.erase(c.id);
      } else {
        conversations[c.id] = c;
      }
    }
  }
  void load_into(Dispatcher& d) const {
    // Deliberately not in dependency order.
    for (const auto& [id, c] : conversations) d.restore(c);
    for (const auto& [id, r] : runtimes) d.restore(r);
    for (const auto& [id, o] : operators) d.restore(o);
    for (const auto& [id, q] : queues) d.restore(q);
  }
};

Arrival arrival(const std::string& id, const std::string& queue = "") {
  Arrival a;
  a.conversation = id;
  a.channel_queue = queue;
  return a;
}

class RestoreTest : public RoutingTest {
 protected:
  // Runs an input through the fixture and into the store.
  void keep(Status st) {
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    store.apply(out);
  }
  void op(const std::string& id, std::vector<std::string> queues, std::uint32_t chat) {
    OperatorConfig o;
    o.id = id;
    o.queues = std::move(queues);
    o.capacity = {chat, 1};
    store.operators[id] = o;
    keep(d().put_operator(o, now, out));
    keep(d().set_operator_status(id, OperatorStatus::kOnline, now, out));
  }
  void queue(const QueueConfig& q) {
    store.queues[q.name] = q;
    keep(d().put_queue(q, now, out));
  }
  std::unique_ptr<Dispatcher> restart(TimeMs at, Output& o) {
    auto fresh = std::make_unique<Dispatcher>(opts);
    store.load_into(*fresh);
    EXPECT_TRUE(fresh->finish_restore(at, o).is_ok());
    EXPECT_TRUE(fresh->check_invariants().is_ok()) << fresh->check_invariants().to_string();
    return fresh;
  }
  FakeStore store;
};

TEST_F(RestoreTest, ReportedRecordsRebuildTheSameState) {
  queue(make_queue("default", {}, 0, Strategy::kRoundRobin));
  auto other = make_queue("other", {}, 3);
  other.overflow = Overflow{60'000, "default"};
  queue(other);
  op("a", {"default", "other"}, 2);
  op("b", {"default"}, 1);
  keep(d().conversation_arrived(arrival("c1"), now, out));  // -> a
  keep(d().conversation_arrived(arrival("c2"), now, out));  // -> b
  keep(d().accept("c1", "a", now, out));
  keep(d().decline("c2", "b", now, out));  // -> a (b cooled)
  now += 10;
  keep(d().conversation_arrived(arrival("c3", "other"), now, out));
  keep(d().conversation_arrived(arrival("c4"), now, out));  // -> b
  keep(d().conversation_arrived(arrival("c5"), now, out));  // waits
  keep(d().conversation_arrived(arrival("gone"), now, out));
  keep(d().resolve("gone", "", now, out));
  ASSERT_EQ(where("c3"), "queued:other");
  ASSERT_EQ(where("c5"), "queued:default");

  Output o;
  auto back = restart(now, o);
  EXPECT_TRUE(o.decisions.empty()) << trace(o);
  EXPECT_EQ(back->snapshot(), d().snapshot());
  EXPECT_EQ(back->next_deadline(), d().next_deadline());
  EXPECT_EQ(back->load("a", ChannelKind::kChat), 2u);

  // Both continue identically.
  Output o1, o2;
  now += 60'000;
  d().advance(now, o1);
  back->advance(now, o2);
  EXPECT_EQ(trace(o1), trace(o2));
  EXPECT_FALSE(o1.decisions.empty());
  EXPECT_EQ(back->snapshot(), d().snapshot());
}

TEST_F(RestoreTest, APendingOfferKeepsItsDeadlineAcrossARestart) {
  op("a", {"default"}, 1);
  keep(d().conversation_arrived(arrival("c1"), now, out));
  const TimeMs deadline = now + 30'000;
  Output o;
  auto back = restart(now + 10'000, o);
  EXPECT_EQ(back->next_deadline(), deadline);
  EXPECT_EQ(back->conversation("c1")->offered_to, "a");
  EXPECT_TRUE(back->accept("c1", "a", deadline - 1, o).is_ok());
}

TEST_F(RestoreTest, AnOfferThatExpiredWhileDownExpiresAtTheFirstAdvanceWithoutCountingAsMissed) {
  opts.max_missed_offers = 1;
  op("a", {"default"}, 1);
  op("b", {"default"}, 1);
  keep(d().conversation_arrived(arrival("c1"), now, out));  // -> a
  Output o;
  auto back = restart(now + 45'000, o);
  EXPECT_EQ(back->conversation("c1")->offered_to, "a");  // still, until advance()
  back->advance(now + 45'000, o);
  ASSERT_EQ(all_of<OfferExpired>(o).size(), 1u) << trace(o);
  EXPECT_EQ(back->conversation("c1")->offered_to, "b");
  EXPECT_EQ(back->operator_runtime("a")->status, OperatorStatus::kOnline);
  EXPECT_EQ(back->operator_runtime("a")->missed_in_row, 0u);
  // While running, the same expiry sets a away (max_missed_offers = 1).
  now += 45'000;
  d().advance(now, out);
  EXPECT_EQ(d().operator_runtime("a")->status, OperatorStatus::kAway);
}

TEST_F(RestoreTest, DanglingRecordsAreReroutedNotLost) {
  op("a", {"default"}, 1);
  ConversationRecord orphan;
  orphan.id = "c9";
  orphan.queue = "deleted-queue";
  orphan.status = ConversationStatus::kAssigned;
  orphan.owner = "deleted-op";
  orphan.order = 9;
  store.conversations["c9"] = orphan;
  Output o;
  auto back = restart(now, o);
  EXPECT_EQ(back->conversation("c9")->queue, "default");
  EXPECT_EQ(back->conversation("c9")->offered_to, "a");
  ASSERT_EQ(o.conversations.size(), 1u);  // the repaired record, to persist
}

}  // namespace
}  // namespace sb::router::routing::testing

// Waiting: order by queue priority then age, freed capacity pulling at once
// (one test per trigger), overflow.
#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {
namespace {

class WaitingTest : public RoutingTest {
 protected:
  // One operator "a" serving "low" and "high", busy with "fill".
  void busy_operator_two_queues() {
    ASSERT_TRUE(put_queue(make_queue("low", {}, 0)).is_ok());
    ASSERT_TRUE(put_queue(make_queue("high", {}, 10)).is_ok());
    ASSERT_TRUE(put_op("a", {"low", "high"}, 1).is_ok());
    ASSERT_EQ(arrive_and_accept("fill", ChannelKind::kChat, "low"), "a");
  }
  // One waiting conversation "w" and an operator "a" that cannot take it.
  void one_waiting() {
    ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
    ASSERT_EQ(arrive_and_accept("fill"), "a");
    ASSERT_TRUE(arrive("w").is_ok());
    ASSERT_EQ(where("w"), "queued:default");
    ASSERT_EQ(all_of<Queued>(out).size(), 1u);
  }
  // The input just made offered "w" within the same call (no sweep later).
  void expect_pulled(const std::string& op) {
    auto offers = all_of<Offered>(out);
    ASSERT_FALSE(offers.empty()) << trace(out);
    EXPECT_EQ(offers.back().conversation, "w");
    EXPECT_EQ(offers.back().operator_id, op);
  }
};

TEST_F(WaitingTest, WaitingConversationsAreServedByPriorityThenAge) {
  busy_operator_two_queues();
  for (const char* c : {"l1", "h1", "l2", "h2"}) {
    now += 10;
    ASSERT_TRUE(arrive(c, ChannelKind::kChat, c[0] == 'l' ? "low" : "high").is_ok());
    ASSERT_EQ(all_of<Queued>(out).size(), 1u);
  }
  std::string order;
  std::string current = "fill";
  for (int i = 0; i < 4; ++i) {
    now += 10;
    ASSERT_TRUE(resolve(current, "a").is_ok());
    auto offers = all_of<Offered>(out);
    ASSERT_EQ(offers.size(), 1u) << trace(out);
    current = offers[0].conversation;
    order += current + " ";
    ASSERT_TRUE(accept(current, "a").is_ok());
  }
  EXPECT_EQ(order, "h1 h2 l1 l2 ");
}

TEST_F(WaitingTest, ADeclinedConversationKeepsItsPlaceInLine) {
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());  // -> a
  ASSERT_TRUE(arrive("c2").is_ok());  // -> b
  now += 10;
  ASSERT_TRUE(arrive("c3").is_ok());        // waits
  ASSERT_TRUE(decline("c1", "a").is_ok());  // c1 back in line (b is full, a cooled)
  EXPECT_EQ(where("c1"), "queued:default");
  EXPECT_EQ(where("c3"), "offered:a");  // a's freed slot takes c3: c1 is not for a
  ASSERT_TRUE(decline("c2", "b").is_ok());
  EXPECT_EQ(where("c2"), "queued:default");
  EXPECT_EQ(where("c1"), "offered:b");  // b's slot: the oldest it may take
}

TEST_F(WaitingTest, ResolvePullsAtOnce) {
  one_waiting();
  ASSERT_TRUE(resolve("fill", "a").is_ok());
  expect_pulled("a");
}

TEST_F(WaitingTest, ComingOnlinePullsAtOnce) {
  one_waiting();
  ASSERT_TRUE(put_op("b", {"default"}, 1, 1, {}, /*online=*/false).is_ok());
  EXPECT_EQ(where("w"), "queued:default");
  ASSERT_TRUE(status("b", OperatorStatus::kOnline).is_ok());
  expect_pulled("b");
}

TEST_F(WaitingTest, RaisedCapacityPullsAtOnce) {
  one_waiting();
  OperatorConfig a;
  a.id = "a";
  a.queues = {"default"};
  a.capacity = {2, 1};
  ASSERT_TRUE(d().put_operator(a, now, out).is_ok());
  check();
  expect_pulled("a");
}

TEST_F(WaitingTest, NewOperatorOrNewQueueMembershipPullsAtOnce) {
  one_waiting();
  ASSERT_TRUE(put_op("b", {"sales"}, 1).is_ok());  // online, but not in the queue
  EXPECT_EQ(where("w"), "queued:default");
  OperatorConfig b;
  b.id = "b";
  b.queues = {"sales", "default"};
  b.capacity = {1, 1};
  ASSERT_TRUE(d().put_operator(b, now, out).is_ok());
  check();
  expect_pulled("b");
}

TEST_F(WaitingTest, QueueConfigChangePullsAtOnce) {
  ASSERT_TRUE(put_queue(make_queue("vip", {"vip"})).is_ok());
  ASSERT_TRUE(put_op("a", {"vip"}, 1).is_ok());  // lacks the skill
  ASSERT_TRUE(arrive("w", ChannelKind::kChat, "vip").is_ok());
  ASSERT_EQ(where("w"), "queued:vip");
  ASSERT_TRUE(put_queue(make_queue("vip")).is_ok());  // skill dropped
  expect_pulled("a");
}

TEST_F(WaitingTest, DeclineElsewherePullsAtOnce) {
  ASSERT_TRUE(put_queue(make_queue("other")).is_ok());
  ASSERT_TRUE(put_op("a", {"default", "other"}, 1).is_ok());
  ASSERT_TRUE(arrive("x", ChannelKind::kChat, "other").is_ok());
  ASSERT_TRUE(arrive("w").is_ok());
  ASSERT_EQ(where("w"), "queued:default");
  ASSERT_TRUE(decline("x", "a").is_ok());
  expect_pulled("a");
}

TEST_F(WaitingTest, TimeoutElsewherePullsAtOnce) {
  ASSERT_TRUE(put_queue(make_queue("other")).is_ok());
  ASSERT_TRUE(put_op("a", {"default", "other"}, 1).is_ok());
  ASSERT_TRUE(arrive("x", ChannelKind::kChat, "other").is_ok());
  now += 5;
  ASSERT_TRUE(arrive("w").is_ok());
  advance_by(29995);  // x's offer expires
  ASSERT_EQ(all_of<OfferExpired>(out).size(), 1u);
  expect_pulled("a");
}

TEST_F(WaitingTest, OverflowMovesAWaitingConversationAfterItsTime) {
  auto q = make_queue("default");
  q.overflow = Overflow{300'000, "general"};
  ASSERT_TRUE(put_queue(q).is_ok());
  ASSERT_TRUE(put_queue(make_queue("general")).is_ok());
  ASSERT_TRUE(put_op("g", {"general"}, 1).is_ok());
  ASSERT_TRUE(arrive("w").is_ok());
  EXPECT_EQ(where("w"), "queued:default");
  EXPECT_EQ(d().next_deadline(), now + 300'000);
  advance_by(299'999);
  EXPECT_EQ(where("w"), "queued:default");
  advance_by(1);
  auto moved = all_of<Overflowed>(out);
  ASSERT_EQ(moved.size(), 1u) << trace(out);
  EXPECT_EQ(moved[0].from_queue, "default");
  EXPECT_EQ(moved[0].to_queue, "general");
  EXPECT_EQ(where("w"), "offered:g");
}

TEST_F(WaitingTest, OverflowWaitsForAnOfferToEndThenAppliesAtOnce) {
  auto q = make_queue("default");
  q.overflow = Overflow{10'000, "general"};
  ASSERT_TRUE(put_queue(q).is_ok());
  ASSERT_TRUE(put_queue(make_queue("general")).is_ok());
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(arrive("w").is_ok());
  ASSERT_EQ(where("w"), "offered:a");
  advance_by(10'000);  // on offer: stays
  EXPECT_EQ(where("w"), "offered:a");
  ASSERT_TRUE(decline("w", "a").is_ok());  // back to waiting, past its time: moves
  EXPECT_EQ(all_of<Overflowed>(out).size(), 1u) << trace(out);
  EXPECT_EQ(where("w"), "queued:general");
}

TEST_F(WaitingTest, InvalidOverflowIsRefused) {
  auto q = make_queue("default");
  q.overflow = Overflow{0, "general"};
  EXPECT_EQ(put_queue(q).code(), Code::kInvalidArgument);
  q.overflow = Overflow{10, "default"};
  EXPECT_EQ(put_queue(q).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sb::router::routing::testing

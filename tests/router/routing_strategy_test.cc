// Choice of the operator: sticky, least loaded, longest idle, round robin,
// and the tie-break by longest idle.
#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {
namespace {

class StrategyTest : public RoutingTest {
 protected:
  void use(Strategy s) {
    auto q = make_queue("default", {}, 0, s);
    q.offer_timeout_ms = 0;  // auto-accept keeps the tests short
    ASSERT_TRUE(put_queue(q).is_ok());
  }
  std::string assigned_to(const std::string& conv) {
    EXPECT_TRUE(arrive(conv).is_ok());
    auto r = d().conversation(conv);
    return r ? r->owner : "";
  }
};

TEST_F(StrategyTest, LeastLoadedPicksTheLowestLoadRatio) {
  use(Strategy::kLeastLoaded);
  ASSERT_TRUE(put_op("a", {"default"}, 2).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 4).is_ok());
  EXPECT_EQ(assigned_to("c1"), "a");  // 0/2 vs 0/4: tie, a is older
  now += 10;
  EXPECT_EQ(assigned_to("c2"), "b");  // 1/2 vs 0/4
  now += 10;
  EXPECT_EQ(assigned_to("c3"), "b");  // 1/2 vs 1/4
  now += 10;
  EXPECT_EQ(assigned_to("c4"), "a");  // 1/2 vs 2/4: tie, a idle since c1, b since c3
  now += 10;
  EXPECT_EQ(assigned_to("c5"), "b");  // 2/2 full
}

TEST_F(StrategyTest, LeastLoadedUsesTheLoadOfTheConversationsKind) {
  use(Strategy::kLeastLoaded);
  ASSERT_TRUE(put_op("a", {"default"}, 2, 10).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 2, 10).is_ok());
  ASSERT_TRUE(arrive("m1", ChannelKind::kEmail).is_ok());
  ASSERT_TRUE(arrive("m2", ChannelKind::kEmail).is_ok());
  ASSERT_EQ(where("m1"), "assigned:a");
  ASSERT_EQ(where("m2"), "assigned:b");
  now += 10;
  ASSERT_TRUE(arrive("m3", ChannelKind::kEmail).is_ok());  // a: 2 emails
  ASSERT_EQ(where("m3"), "assigned:a");
  now += 10;
  EXPECT_EQ(assigned_to("c1"), "b");  // chats: both 0; b idle longer (since m2)
}

TEST_F(StrategyTest, LongestIdlePicksTheOperatorAssignedLeastRecently) {
  use(Strategy::kLongestIdle);
  ASSERT_TRUE(put_op("a", {"default"}, 10).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 10).is_ok());
  ASSERT_TRUE(put_op("c", {"default"}, 10).is_ok());
  EXPECT_EQ(assigned_to("x1"), "a");
  now += 1;
  EXPECT_EQ(assigned_to("x2"), "b");
  now += 1;
  EXPECT_EQ(assigned_to("x3"), "c");
  now += 1;
  ASSERT_TRUE(resolve("x1", "a").is_ok());  // load does not matter, idleness does
  EXPECT_EQ(assigned_to("x4"), "a");
  now += 1;
  EXPECT_EQ(assigned_to("x5"), "b");
}

TEST_F(StrategyTest, RoundRobinCyclesThroughTheQueuesOperators) {
  use(Strategy::kRoundRobin);
  ASSERT_TRUE(put_op("a", {"default", "other"}, 10).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 10).is_ok());
  ASSERT_TRUE(put_op("c", {"default"}, 10).is_ok());
  auto other = make_queue("other");
  other.offer_timeout_ms = 0;
  ASSERT_TRUE(put_queue(other).is_ok());
  std::string order;
  for (int i = 0; i < 6; ++i) {
    order += assigned_to("x" + std::to_string(i));
    // Work elsewhere, within the same millisecond, does not move a's turn here.
    if (i == 1) {
      ASSERT_TRUE(arrive("elsewhere", ChannelKind::kChat, "other").is_ok());
      ASSERT_EQ(where("elsewhere"), "assigned:a");
    }
  }
  EXPECT_EQ(order, "abcabc");
}

TEST_F(StrategyTest, TiesAreBrokenByLongestIdle) {
  use(Strategy::kLeastLoaded);
  ASSERT_TRUE(put_op("a", {"default"}, 2).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 2).is_ok());
  EXPECT_EQ(assigned_to("c1"), "a");
  now += 5;
  EXPECT_EQ(assigned_to("c2"), "b");
  now += 5;
  ASSERT_TRUE(resolve("c1", "a").is_ok());
  ASSERT_TRUE(resolve("c2", "b").is_ok());
  // Both 0/2 now: a was assigned longer ago.
  EXPECT_EQ(assigned_to("c3"), "a");
  now += 5;
  ASSERT_TRUE(resolve("c3", "a").is_ok());
  EXPECT_EQ(assigned_to("c4"), "b");
}

TEST_F(RoutingTest, StickyPrefersTheContactsLastOperatorWithinTheWindow) {
  opts.sticky_window_ms = 3600'000;
  ASSERT_TRUE(put_op("a", {"default"}, 5).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 5).is_ok());
  ASSERT_EQ(arrive_and_accept("busy"), "a");
  Arrival a;
  a.conversation = "c1";
  a.last_operator = "a";  // more loaded than b, but served this contact
  a.last_served_at = now - 3600'000;
  ASSERT_TRUE(arrive(a).is_ok());
  auto offers = all_of<Offered>(out);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].operator_id, "a");
  EXPECT_EQ(offers[0].pick, Pick::kSticky);

  a.conversation = "c2";  // outside the window: the strategy decides
  a.last_served_at = now - 3600'001;
  ASSERT_TRUE(arrive(a).is_ok());
  EXPECT_EQ(where("c2"), "offered:b");
  EXPECT_EQ(all_of<Offered>(out)[0].pick, Pick::kStrategy);
}

TEST_F(RoutingTest, StickyOperatorMustStillBeACandidate) {
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("gone", {"default"}, 1, 1, {}, false).is_ok());
  ASSERT_EQ(arrive_and_accept("fill"), "a");
  Arrival x;
  x.conversation = "c1";
  x.last_operator = "a";  // full
  x.last_served_at = now;
  ASSERT_TRUE(arrive(x).is_ok());
  EXPECT_EQ(where("c1"), "offered:b");
  ASSERT_TRUE(resolve("fill", "a").is_ok());
  x.conversation = "c2";
  x.last_operator = "gone";  // offline
  ASSERT_TRUE(arrive(x).is_ok());
  EXPECT_EQ(where("c2"), "offered:a");
}

TEST_F(RoutingTest, StickyAutoAcceptIsAssignedWithThePick) {
  auto q = make_queue("default");
  q.offer_timeout_ms = 0;
  ASSERT_TRUE(put_queue(q).is_ok());
  ASSERT_TRUE(put_op("a", {"default"}, 5).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 5).is_ok());
  Arrival x;
  x.conversation = "c1";
  x.last_operator = "b";
  x.last_served_at = now - 1;
  ASSERT_TRUE(arrive(x).is_ok());
  auto assigned = all_of<Assigned>(out);
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].operator_id, "b");
  EXPECT_EQ(assigned[0].via, AssignVia::kAuto);
  EXPECT_EQ(assigned[0].pick, Pick::kSticky);
}

}  // namespace
}  // namespace sb::router::routing::testing

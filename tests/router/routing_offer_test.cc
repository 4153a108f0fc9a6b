// Offers: accept, decline, timeout, cool-down, missed offers, auto-accept,
// capacity per channel kind.
#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {
namespace {

using proto::ConversationStatus;

TEST_F(RoutingTest, OfferGoesToTheCandidateAndAcceptAssigns) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  auto offers = all_of<Offered>(out);
  ASSERT_EQ(offers.size(), 1u) << trace(out);
  EXPECT_EQ(offers[0].operator_id, "a");
  EXPECT_EQ(offers[0].queue, "default");
  EXPECT_EQ(offers[0].expires_at, now + 30000);
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 1u);  // a pending offer holds a slot
  EXPECT_EQ(d().next_deadline(), now + 30000);

  ASSERT_TRUE(accept("c1", "a").is_ok());
  auto assigned = all_of<Assigned>(out);
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].via, AssignVia::kAccept);
  EXPECT_EQ(where("c1"), "assigned:a");
  EXPECT_EQ(d().next_deadline(), std::nullopt);
  ASSERT_EQ(out.conversations.size(), 1u);
  EXPECT_EQ(out.conversations[0].status, ConversationStatus::kAssigned);
}

TEST_F(RoutingTest, AcceptByAnotherOperatorOrAfterExpiryIsRefused) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 0).is_ok());  // no chat slot
  ASSERT_TRUE(arrive("c1").is_ok());
  EXPECT_EQ(accept("c1", "b").code(), Code::kConflict);
  EXPECT_EQ(accept("c1", "nobody").code(), Code::kConflict);
  EXPECT_EQ(accept("c-unknown", "a").code(), Code::kNotFound);
  now += 30000;  // the deadline is exclusive: at expires_at it is gone
  EXPECT_EQ(accept("c1", "a").code(), Code::kConflict);
  EXPECT_EQ(all_of<OfferExpired>(out).size(), 1u) << trace(out);
  EXPECT_EQ(where("c1"), "queued:default");
}

TEST_F(RoutingTest, AcceptJustBeforeTheDeadlineWorks) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  now += 29999;
  EXPECT_TRUE(accept("c1", "a").is_ok());
}

TEST_F(RoutingTest, TimeoutOffersToTheNextCandidate) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_EQ(where("c1"), "offered:a");  // equal load and idleness: the older operator
  advance_by(30000);
  auto expired = all_of<OfferExpired>(out);
  ASSERT_EQ(expired.size(), 1u) << trace(out);
  EXPECT_EQ(expired[0].operator_id, "a");
  EXPECT_EQ(expired[0].cooldown_until, now + 60000);
  EXPECT_EQ(where("c1"), "offered:b");
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 0u);
}

TEST_F(RoutingTest, DeclineOffersToTheNextCandidate) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(decline("c1", "a").is_ok());
  ASSERT_EQ(all_of<OfferDeclined>(out).size(), 1u);
  EXPECT_EQ(where("c1"), "offered:b");
  EXPECT_EQ(decline("c1", "a").code(), Code::kConflict);  // not a's offer any more
}

TEST_F(RoutingTest, DeclinedOperatorIsNotOfferedTheSameConversationWithinTheCooldown) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(decline("c1", "a").is_ok());
  EXPECT_EQ(where("c1"), "queued:default");  // a is free but cooled down
  EXPECT_EQ(d().next_deadline(), now + 60000);
  ASSERT_TRUE(arrive("c2").is_ok());  // a younger one may go to a meanwhile
  EXPECT_EQ(where("c2"), "offered:a");
  ASSERT_TRUE(decline("c2", "a").is_ok());
  advance_by(59999);
  EXPECT_EQ(where("c1"), "queued:default");
  advance_by(1);  // c1's cool-down ends: offered again, the oldest first
  EXPECT_EQ(where("c1"), "offered:a") << trace(out);
  EXPECT_EQ(where("c2"), "queued:default");
}

TEST_F(RoutingTest, CooldownIsConfigurable) {
  opts.cooldown_ms = 1000;
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(decline("c1", "a").is_ok());
  advance_by(1000);
  EXPECT_EQ(where("c1"), "offered:a");
}

TEST_F(RoutingTest, OperatorLettingNOffersExpireInARowIsSetAway) {
  opts.max_missed_offers = 2;
  ASSERT_TRUE(put_op("a", {"default"}, 5).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(arrive("c2").is_ok());
  ASSERT_TRUE(arrive("c3").is_ok());
  advance_by(30000);  // c1, c2, c3 expire together; the second miss sets a away
  auto changes = all_of<OperatorStatusChanged>(out);
  ASSERT_EQ(changes.size(), 1u) << trace(out);
  EXPECT_EQ(changes[0].status, OperatorStatus::kAway);
  EXPECT_EQ(changes[0].reason, StatusReason::kMissedOffers);
  EXPECT_EQ(d().operator_runtime("a")->status, OperatorStatus::kAway);
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 0u);
  EXPECT_EQ(d().waiting("default"), 3u);
}

TEST_F(RoutingTest, AnsweringResetsTheMissedOffersCount) {
  opts.max_missed_offers = 2;
  ASSERT_TRUE(put_op("a", {"default"}, 5).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  advance_by(30000);
  EXPECT_EQ(d().operator_runtime("a")->missed_in_row, 1u);
  ASSERT_TRUE(arrive("c2").is_ok());
  ASSERT_TRUE(accept("c2", "a").is_ok());
  EXPECT_EQ(d().operator_runtime("a")->missed_in_row, 0u);
  ASSERT_TRUE(arrive("c3").is_ok());
  advance_by(30000);
  EXPECT_EQ(d().operator_runtime("a")->status, OperatorStatus::kOnline);
}

TEST_F(RoutingTest, AutoAcceptQueueAssignsDirectly) {
  auto q = make_queue("default");
  q.offer_timeout_ms = 0;
  ASSERT_TRUE(put_queue(q).is_ok());
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  auto assigned = all_of<Assigned>(out);
  ASSERT_EQ(assigned.size(), 1u) << trace(out);
  EXPECT_EQ(assigned[0].via, AssignVia::kAuto);
  EXPECT_TRUE(all_of<Offered>(out).empty());
  EXPECT_EQ(where("c1"), "assigned:a");
}

TEST_F(RoutingTest, CapacityIsCountedPerChannelKind) {
  ASSERT_TRUE(put_op("a", {"default"}, /*chat=*/1, /*email=*/2).is_ok());
  ASSERT_TRUE(arrive("chat1").is_ok());
  ASSERT_TRUE(arrive("chat2").is_ok());  // the pending offer of chat1 fills the chat slot
  EXPECT_EQ(where("chat2"), "queued:default");
  ASSERT_TRUE(arrive("mail1", ChannelKind::kEmail).is_ok());
  ASSERT_TRUE(arrive("mail2", ChannelKind::kEmail).is_ok());
  ASSERT_TRUE(arrive("mail3", ChannelKind::kEmail).is_ok());
  EXPECT_EQ(where("mail1"), "offered:a");
  EXPECT_EQ(where("mail2"), "offered:a");
  EXPECT_EQ(where("mail3"), "queued:default");
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 1u);
  EXPECT_EQ(d().load("a", ChannelKind::kEmail), 2u);
  ASSERT_TRUE(accept("chat1", "a").is_ok());
  EXPECT_EQ(where("chat2"), "queued:default");  // accepting frees nothing
}

TEST_F(RoutingTest, OnlyOnlineOperatorsWithTheSkillsAndTheQueueAreCandidates) {
  ASSERT_TRUE(put_queue(make_queue("billing", {"billing", "uk"})).is_ok());
  ASSERT_TRUE(put_op("away", {"billing"}, 1, 1, {"billing", "uk"}, false).is_ok());
  ASSERT_TRUE(status("away", OperatorStatus::kAway).is_ok());
  ASSERT_TRUE(put_op("off", {"billing"}, 1, 1, {"billing", "uk"}, false).is_ok());
  ASSERT_TRUE(put_op("half", {"billing"}, 1, 1, {"billing"}).is_ok());
  ASSERT_TRUE(put_op("other", {"sales"}, 1, 1, {"billing", "uk"}).is_ok());
  ASSERT_TRUE(arrive("c1", ChannelKind::kChat, "billing").is_ok());
  EXPECT_EQ(where("c1"), "queued:billing");
  ASSERT_TRUE(put_op("good", {"billing"}, 1, 1, {"uk", "billing", "extra"}).is_ok());
  EXPECT_EQ(where("c1"), "offered:good");
}

TEST_F(RoutingTest, ResolveByOwnerOrAdminOnly) {
  ASSERT_TRUE(put_op("a", {"default"}).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  EXPECT_EQ(resolve("c1", "b").code(), Code::kConflict);
  EXPECT_EQ(where("c1"), "assigned:a");
  ASSERT_TRUE(resolve("c1", "a").is_ok());
  auto resolved = all_of<Resolved>(out);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].operator_id, "a");
  EXPECT_EQ(resolved[0].by, "a");
  ASSERT_EQ(out.conversations.size(), 1u);
  EXPECT_EQ(out.conversations[0].status, ConversationStatus::kResolved);
  EXPECT_EQ(where("c1"), "gone");
  EXPECT_EQ(resolve("c1", "").code(), Code::kNotFound);
  // An admin resolves what waits or is on offer; a reopened id routes anew.
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(resolve("c1", "").is_ok());
  EXPECT_EQ(all_of<OfferRevoked>(out).size(), 1u);
  EXPECT_EQ(d().open_conversations(), 0u);
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 0u);
}

TEST_F(RoutingTest, ArrivingTwiceIsAConflict) {
  ASSERT_TRUE(arrive("c1").is_ok());
  EXPECT_EQ(arrive("c1").code(), Code::kConflict);
  EXPECT_EQ(arrive("").code(), Code::kInvalidArgument);
  Arrival bad;
  bad.conversation = "x";
  bad.kind = static_cast<ChannelKind>(7);
  EXPECT_EQ(arrive(bad).code(), Code::kInvalidArgument);
  EXPECT_EQ(status("nobody", OperatorStatus::kOnline).code(), Code::kNotFound);
}

// Cancelled timers are dropped lazily and compacted in bulk; the live ones
// must survive both.
TEST_F(RoutingTest, ManyCancelledTimersDoNotHideLiveOnes) {
  ASSERT_TRUE(put_op("a", {"default"}, 5000).is_ok());
  Output o;  // straight to the Dispatcher: checking 3000 conversations per step is slow
  for (int i = 0; i < 3000; ++i) {
    Arrival a;
    a.conversation = "c" + std::to_string(i);
    ASSERT_TRUE(d().conversation_arrived(a, now, o).is_ok());
    now += 1;
  }
  for (int i = 0; i < 3000; ++i) {
    if (i == 1500) continue;
    ASSERT_TRUE(d().accept("c" + std::to_string(i), "a", now, o).is_ok());
  }
  check();
  EXPECT_EQ(d().next_deadline(), kStart + 1500 + 30000);
  advance_to(kStart + 1500 + 29999);
  EXPECT_EQ(where("c1500"), "offered:a");
  advance_by(1);
  EXPECT_EQ(all_of<OfferExpired>(out).size(), 1u);
  EXPECT_EQ(d().next_deadline(), now + 60000);  // c1500's cool-down end, nothing else
}

}  // namespace
}  // namespace sb::router::routing::testing

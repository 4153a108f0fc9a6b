// Transfers, operators going away or offline (with and without grace), and
// the selection rules that pick a new conversation's queue.
#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {
namespace {

TEST_F(RoutingTest, TransferToAnOperatorOffersItThere) {
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("c", {"sales"}, 1).is_ok());  // not in the queue: a human may still choose c
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  ASSERT_TRUE(d().transfer_to_operator("c1", "a", "c", now, out).is_ok());
  check();
  auto moves = all_of<Transferred>(out);
  ASSERT_EQ(moves.size(), 1u) << trace(out);
  EXPECT_EQ(moves[0].from_operator, "a");
  EXPECT_EQ(moves[0].to_operator, "c");
  EXPECT_EQ(moves[0].by, "a");
  auto offers = all_of<Offered>(out);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].pick, Pick::kTransfer);
  EXPECT_EQ(where("c1"), "offered:c");
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 0u);
  // c declines: routed in its queue again, not back to a (cool-down).
  ASSERT_TRUE(decline("c1", "c").is_ok());
  EXPECT_EQ(where("c1"), "offered:b");
}

TEST_F(RoutingTest, TransferToAnOperatorWhoCannotTakeItIsRefused) {
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("full", {"default"}, 0).is_ok());
  ASSERT_TRUE(put_op("off", {"default"}, 1, 1, {}, false).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  Output o;
  EXPECT_EQ(d().transfer_to_operator("c1", "a", "full", now, o).code(), Code::kConflict);
  EXPECT_EQ(d().transfer_to_operator("c1", "a", "off", now, o).code(), Code::kConflict);
  EXPECT_EQ(d().transfer_to_operator("c1", "a", "a", now, o).code(), Code::kConflict);
  EXPECT_EQ(d().transfer_to_operator("c1", "a", "ghost", now, o).code(), Code::kNotFound);
  EXPECT_EQ(d().transfer_to_operator("c1", "b", "b", now, o).code(), Code::kConflict);  // not b's
  EXPECT_TRUE(o.decisions.empty());
  EXPECT_EQ(where("c1"), "assigned:a");
  // b declines an offer of c2, then cannot be handed c2 within the cool-down.
  ASSERT_TRUE(arrive("c2").is_ok());
  ASSERT_TRUE(decline("c2", "b").is_ok());
  EXPECT_EQ(d().transfer_to_operator("c2", "", "b", now, o).code(), Code::kConflict);
  check();
}

TEST_F(RoutingTest, TransferToAQueueReroutesThere) {
  ASSERT_TRUE(put_queue(make_queue("billing", {"billing"})).is_ok());
  ASSERT_TRUE(put_op("a", {"default", "billing"}, 1).is_ok());  // no billing skill
  ASSERT_TRUE(put_op("b", {"billing"}, 1, 1, {"billing"}).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  ASSERT_TRUE(d().transfer_to_queue("c1", "a", "billing", now, out).is_ok());
  check();
  auto moves = all_of<Transferred>(out);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].from_queue, "default");
  EXPECT_EQ(moves[0].to_queue, "billing");
  EXPECT_EQ(moves[0].to_operator, "");
  EXPECT_EQ(where("c1"), "offered:b");
  EXPECT_EQ(d().transfer_to_queue("c1", "", "nowhere", now, out).code(), Code::kNotFound);
}

TEST_F(RoutingTest, AnAdminTransfersAWaitingConversation) {
  ASSERT_TRUE(put_queue(make_queue("sales")).is_ok());
  ASSERT_TRUE(put_op("s", {"sales"}, 1).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_EQ(where("c1"), "queued:default");
  ASSERT_TRUE(d().transfer_to_queue("c1", "", "sales", now, out).is_ok());
  check();
  EXPECT_EQ(where("c1"), "offered:s");
  EXPECT_EQ(d().waiting("default"), 0u);
}

TEST_F(RoutingTest, GoingOfflineReroutesPendingOffersAtOnceAndKeepsAssigned) {
  ASSERT_TRUE(put_op("a", {"default"}, 3).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 3).is_ok());
  ASSERT_EQ(arrive_and_accept("owned"), "a");
  ASSERT_TRUE(arrive("c1").is_ok());  // b (less loaded)
  ASSERT_TRUE(arrive("c2").is_ok());  // 1/3 each, idle since the same ms: a is older
  ASSERT_EQ(where("c2"), "offered:a");
  ASSERT_TRUE(status("a", OperatorStatus::kOffline).is_ok());
  auto revoked = all_of<OfferRevoked>(out);
  ASSERT_EQ(revoked.size(), 1u) << trace(out);
  EXPECT_EQ(revoked[0].reason, RevokeReason::kOperatorOffline);
  EXPECT_EQ(where("c2"), "offered:b");
  EXPECT_EQ(where("owned"), "assigned:a");  // no grace configured: stays
  advance_by(24LL * 3600 * 1000);
  EXPECT_EQ(where("owned"), "assigned:a");
}

TEST_F(RoutingTest, GoingAwayAlsoWithdrawsPendingOffers) {
  ASSERT_TRUE(put_op("a", {"default"}, 3).is_ok());
  ASSERT_TRUE(arrive("c1").is_ok());
  ASSERT_TRUE(status("a", OperatorStatus::kAway).is_ok());
  EXPECT_EQ(all_of<OfferRevoked>(out)[0].reason, RevokeReason::kOperatorAway);
  EXPECT_EQ(where("c1"), "queued:default");
  ASSERT_TRUE(status("a", OperatorStatus::kOnline).is_ok());
  EXPECT_EQ(where("c1"), "offered:a");
}

TEST_F(RoutingTest, AssignedConversationsAreReroutedAfterTheOfflineGrace) {
  opts.offline_grace_ms = 120'000;
  ASSERT_TRUE(put_op("a", {"default"}, 2).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  ASSERT_EQ(arrive_and_accept("c2"), "a");
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_TRUE(status("a", OperatorStatus::kOffline).is_ok());
  EXPECT_EQ(d().next_deadline(), now + 120'000);
  advance_by(119'999);
  EXPECT_EQ(where("c1"), "assigned:a");
  advance_by(1);
  auto released = all_of<Released>(out);
  ASSERT_EQ(released.size(), 2u) << trace(out);
  EXPECT_EQ(released[0].conversation, "c1");
  EXPECT_EQ(where("c1"), "offered:b");
  EXPECT_EQ(where("c2"), "queued:default");
  EXPECT_EQ(d().load("a", ChannelKind::kChat), 0u);
}

TEST_F(RoutingTest, ComingBackWithinTheGraceKeepsTheConversations) {
  opts.offline_grace_ms = 120'000;
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  ASSERT_TRUE(status("a", OperatorStatus::kOffline).is_ok());
  now += 60'000;
  ASSERT_TRUE(status("a", OperatorStatus::kOnline).is_ok());
  advance_by(120'000);
  EXPECT_EQ(where("c1"), "assigned:a");
  EXPECT_EQ(d().next_deadline(), std::nullopt);
}

TEST_F(RoutingTest, ZeroGraceReroutesAtOnce) {
  opts.offline_grace_ms = 0;
  ASSERT_TRUE(put_op("a", {"default"}, 1).is_ok());
  ASSERT_TRUE(put_op("b", {"default"}, 1).is_ok());
  ASSERT_EQ(arrive_and_accept("c1"), "a");
  ASSERT_TRUE(status("a", OperatorStatus::kOffline).is_ok());
  EXPECT_EQ(where("c1"), "offered:b");
}

class SelectionTest : public RoutingTest {
 protected:
  void SetUp() override {
    auto tg = make_queue("telegram-q", {}, 0);
    tg.select.channels = {"tg-main"};
    auto billing = make_queue("billing", {}, 5);
    billing.select.keywords = {"Invoice", "refund"};
    auto vip = make_queue("vip", {}, 9);
    vip.select.attributes = {{"vip", "true"}};
    for (const auto& q : {tg, billing, vip, make_queue("support")}) {
      ASSERT_TRUE(put_queue(q).is_ok());
    }
  }
  std::string queue_for(const std::string& channel, const std::string& text,
                        std::vector<Attribute> attrs = {}, const std::string& channel_queue = "") {
    Arrival a;
    a.conversation = "c" + std::to_string(++n_);
    a.channel = channel;
    a.text = text;
    a.attributes = std::move(attrs);
    a.channel_queue = channel_queue;
    EXPECT_TRUE(arrive(a).is_ok());
    return d().conversation(a.conversation)->queue;
  }
  int n_ = 0;
};

TEST_F(SelectionTest, ByChannel) { EXPECT_EQ(queue_for("tg-main", "hello"), "telegram-q"); }

TEST_F(SelectionTest, ByKeywordCaseInsensitive) {
  EXPECT_EQ(queue_for("web", "Where is my INVOICE?"), "billing");
  EXPECT_EQ(queue_for("web", "I want a Refund"), "billing");
  EXPECT_EQ(queue_for("web", "invo ice"), "default");
}

TEST_F(SelectionTest, ByContactAttribute) {
  EXPECT_EQ(queue_for("web", "hi", {{"vip", "true"}}), "vip");
  EXPECT_EQ(queue_for("web", "hi", {{"vip", "false"}}), "default");
}

TEST_F(SelectionTest, HigherPriorityRuleWinsWhenSeveralMatch) {
  EXPECT_EQ(queue_for("tg-main", "refund please", {{"vip", "true"}}), "vip");
  EXPECT_EQ(queue_for("tg-main", "refund please"), "billing");
}

TEST_F(SelectionTest, ElseTheChannelsQueueElseTheDefault) {
  EXPECT_EQ(queue_for("web", "hi", {}, "support"), "support");
  EXPECT_EQ(queue_for("web", "hi", {}, "no-such-queue"), "default");
  EXPECT_EQ(queue_for("web", "hi"), "default");
}

}  // namespace
}  // namespace sb::router::routing::testing

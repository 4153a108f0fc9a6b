// OperatorAnalytics over the frames a TenantState really writes: a
// conversation offered, accepted, answered and resolved gives its operator
// one assignment, one handled conversation, one message, and the three
// durations; the range bounds what counts.
#include "router/analytics.h"

#include <gtest/gtest.h>

#include "router/tenant_state.h"

namespace sb::router {
namespace {

proto::InboundEvent msg(std::string id, std::string user) {
  proto::InboundEvent e;
  e.channel = "tg";
  e.event_id = std::move(id);
  e.contact_external_id = user;
  e.reply_address = user;
  e.text = "hello?";
  return e;
}

std::vector<proto::LogEntry> frames(const std::vector<proto::Change>& changes) {
  std::vector<proto::LogEntry> out;
  for (const auto& c : changes) {
    if (const auto* e = std::get_if<proto::LogEntry>(&c)) out.push_back(*e);
  }
  return out;
}

// Olena takes a conversation at 5 s, answers at 31 s (twice) and resolves at
// 61 s; it opened at 1 s. Taras only gets an assignment.
std::vector<proto::LogEntry> day() {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  routing::QueueConfig q;
  q.name = "support";
  q.offer_timeout_ms = 60'000;
  EXPECT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_queue(q, 0, o); }).is_ok());
  for (const char* id : {"olena", "taras"}) {
    routing::OperatorConfig op;
    op.id = id;
    op.queues = {"support"};
    op.capacity.chat = 1;
    EXPECT_TRUE(
        t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
    EXPECT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                   return d.set_operator_status(id, routing::OperatorStatus::kOnline, 0, o);
                 }).is_ok());
  }
  const auto a = t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1'000, out);
  const auto b = t.ingest(msg("2", "43"), "support", routing::ChannelKind::kChat, 2'000, out);
  for (const auto& [conv, who, at] : {std::tuple{a.conversation_id, "olena", 5'000},
                                      std::tuple{b.conversation_id, "taras", 6'000}}) {
    const auto offered = t.conversation(conv)->offered_to;
    const std::string op = offered.empty() ? who : offered;
    EXPECT_TRUE(
        t.route(at, out, [&](auto& d, auto& o) { return d.accept(conv, op, at, o); }).is_ok())
        << conv;
  }
  const auto owner_a = t.conversation(a.conversation_id)->operator_id;
  EXPECT_TRUE(t.reply(a.conversation_id, owner_a, "on it", 31'000, out).is_ok());
  EXPECT_TRUE(t.reply(a.conversation_id, owner_a, "found it", 31'000, out).is_ok());
  EXPECT_TRUE(t.route(61'000, out, [&](auto& d, auto& o) {
                 return d.resolve(a.conversation_id, owner_a, 61'000, o);
               }).is_ok());
  return frames(out);
}

TEST(OperatorAnalytics, CountsAndDurationsFromRealFrames) {
  OperatorAnalytics an(0, 100'000);
  for (const auto& e : day()) EXPECT_TRUE(an.add(e));
  const auto& figs = an.figures();
  ASSERT_EQ(figs.size(), 2u);
  // Whoever got the first conversation.
  const auto& [owner, f] = *std::find_if(figs.begin(), figs.end(),
                                         [](const auto& kv) { return kv.second.handled == 1; });
  EXPECT_EQ(f.assigned, 1u);
  EXPECT_EQ(f.messages_sent, 2u);
  EXPECT_EQ(f.first_response, std::vector<proto::TimeMs>{30'000})
      << owner << ": one first reply, not two";
  EXPECT_EQ(f.handle_time, std::vector<proto::TimeMs>{56'000});
  EXPECT_EQ(f.resolution_time, std::vector<proto::TimeMs>{60'000});
  for (const auto& [id, g] : figs) {
    if (id == owner) continue;
    EXPECT_EQ(g.assigned, 1u);
    EXPECT_EQ(g.handled, 0u);
    EXPECT_EQ(g.messages_sent, 0u);
  }
}

TEST(OperatorAnalytics, TheRangeBoundsWhatCounts) {
  const auto log = day();
  OperatorAnalytics late(20'000, 100'000);  // after both assignments
  for (const auto& e : log) late.add(e);
  for (const auto& [id, f] : late.figures()) {
    EXPECT_EQ(f.assigned, 0u) << id;
    if (f.handled == 1) {
      EXPECT_TRUE(f.handle_time.empty()) << "its assignment lies before the range";
      EXPECT_EQ(f.resolution_time.size(), 1u);
    }
  }
  OperatorAnalytics early(0, 10'000);
  for (const auto& e : log)
    early.add(e);  // later frames lie within the clock slack: read, not counted
  for (const auto& [id, f] : early.figures()) {
    EXPECT_EQ(f.handled, 0u) << id;
    EXPECT_EQ(f.messages_sent, 0u) << id;
  }
}

TEST(OperatorAnalytics, AFrameAStepOfTheClockLateStillCounts) {
  auto log = day();
  ASSERT_GE(log.size(), 2u);
  // An entry stamped a minute after `to`, then the rest: reading goes on.
  proto::LogEntry stray{0, R"({"seq":0,"type":"operator.status","at":"1970-01-01T00:02:40.000Z"})"};
  log.insert(log.begin(), stray);
  OperatorAnalytics an(0, 100'000);
  for (const auto& e : log) EXPECT_TRUE(an.add(e));
  bool handled = false;
  for (const auto& [id, f] : an.figures()) handled = handled || f.handled == 1;
  EXPECT_TRUE(handled);
  proto::LogEntry far{0, R"({"seq":0,"type":"operator.status","at":"1970-01-01T01:00:00.000Z"})"};
  EXPECT_FALSE(an.add(far)) << "an hour past `to` ends the scan";
}

TEST(OperatorAnalytics, SummariesUseNearestRank) {
  const auto s = summarize({4'000, 1'000, 3'000, 2'000, 10'000});
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.mean_s, 4.0);
  EXPECT_DOUBLE_EQ(s.p50_s, 3.0);
  EXPECT_DOUBLE_EQ(s.p90_s, 10.0);
  EXPECT_EQ(summarize({}).count, 0u);
}

}  // namespace
}  // namespace sb::router

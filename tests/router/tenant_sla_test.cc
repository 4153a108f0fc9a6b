// First-response SLA timers (router/tenant_sla.cc): a conversation opened in
// a queue with a target gets sla.warning at 80% and sla.breached at 100%,
// each once, unless it is answered or resolved first; a restart neither
// repeats a frame nor loses one that fell due meanwhile.
#include <gtest/gtest.h>

#include "router/tenant_state.h"

namespace sb::router {
namespace {

constexpr proto::TimeMs kTarget = 100'000;  // 100 s

proto::InboundEvent msg(std::string id, std::string user) {
  proto::InboundEvent e;
  e.channel = "tg";
  e.event_id = std::move(id);
  e.contact_external_id = user;
  e.contact_name = "User " + user;
  e.reply_address = user;
  e.text = "hello?";
  return e;
}

// The types of the frames in `changes`, in order, that start with "sla.".
std::vector<std::string> sla_frames(const std::vector<proto::Change>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    const auto* e = std::get_if<proto::LogEntry>(&c);
    if (e == nullptr) continue;
    for (const char* type : {"sla.warning", "sla.breached"}) {
      if (e->json.find(std::string(R"("type":")") + type + '"') != std::string::npos)
        out.push_back(type);
    }
  }
  return out;
}

void put_queue(TenantState& t, proto::TimeMs sla_ms, proto::TimeMs offer_timeout_ms = 30'000) {
  routing::QueueConfig q;
  q.name = "support";
  q.first_response_sla_ms = sla_ms;
  q.offer_timeout_ms = offer_timeout_ms;
  std::vector<proto::Change> out;
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_queue(q, 0, o); }).is_ok());
}

std::vector<std::string> advance(TenantState& t, proto::TimeMs now,
                                 std::vector<proto::Change>* keep = nullptr) {
  std::vector<proto::Change> out;
  t.advance(now, out);
  if (keep != nullptr) keep->insert(keep->end(), out.begin(), out.end());
  return sla_frames(out);
}

TEST(TenantSla, WarnsAtEightyPercentThenBreachesOnce) {
  TenantState t("acme", {});
  put_queue(t, kTarget);
  std::vector<proto::Change> out;
  const auto in = t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1000, out);
  const auto conv = t.conversation(in.conversation_id);
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->first_response_due_at, 1000 + kTarget);
  EXPECT_EQ(t.next_deadline(), 1000 + kTarget * 4 / 5);

  EXPECT_TRUE(advance(t, 1000 + kTarget * 4 / 5 - 1).empty());
  EXPECT_EQ(advance(t, 1000 + kTarget * 4 / 5), std::vector<std::string>{"sla.warning"});
  EXPECT_EQ(t.conversation(in.conversation_id)->sla_stage, proto::SlaStage::kWarned);
  EXPECT_TRUE(advance(t, 1000 + kTarget - 1).empty());
  std::vector<proto::Change> breach;
  EXPECT_EQ(advance(t, 1000 + kTarget, &breach), std::vector<std::string>{"sla.breached"});
  EXPECT_EQ(t.conversation(in.conversation_id)->sla_stage, proto::SlaStage::kBreached);
  // The frame names the conversation and the target; the stored conversation
  // records the stage.
  const auto& frame = std::get<proto::LogEntry>(breach[0]).json;
  EXPECT_NE(frame.find(R"("id":")" + in.conversation_id + '"'), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"("target_s":100)"), std::string::npos) << frame;
  EXPECT_EQ(std::get<proto::Conversation>(breach[1]).sla_stage, proto::SlaStage::kBreached);
  EXPECT_TRUE(advance(t, 10 * kTarget).empty());
}

TEST(TenantSla, AFirstReplyOrAResolveStopsTheClock) {
  TenantState t("acme", {});
  put_queue(t, kTarget, /*offer_timeout_ms=*/0);  // auto-accept
  routing::OperatorConfig op;
  op.id = "olena";
  op.queues = {"support"};
  op.capacity.chat = 5;
  std::vector<proto::Change> out;
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                 return d.set_operator_status("olena", routing::OperatorStatus::kOnline, 0, o);
               }).is_ok());
  const auto answered = t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1000, out);
  const auto closed = t.ingest(msg("2", "43"), "support", routing::ChannelKind::kChat, 1000, out);
  ASSERT_TRUE(t.reply(answered.conversation_id, "olena", "on it", 5000, out).is_ok());
  ASSERT_TRUE(t.route(6000, out, [&](auto& d, auto& o) {
                 return d.resolve(closed.conversation_id, "olena", 6000, o);
               }).is_ok());
  EXPECT_TRUE(advance(t, 10 * kTarget).empty());
}

TEST(TenantSla, AQueueWithoutATargetSetsNone) {
  TenantState t("acme", {});
  put_queue(t, 0);
  std::vector<proto::Change> out;
  const auto in = t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1000, out);
  EXPECT_EQ(t.conversation(in.conversation_id)->first_response_due_at, 0);
  EXPECT_TRUE(advance(t, 10 * kTarget).empty());
}

// A resolve pauses an unanswered conversation's clock and a reopen resumes
// it, live as after a restart: the target that passed meanwhile breaches at
// the first advance() after the reopen.
TEST(TenantSla, AReopenedUnansweredConversationResumesItsClock) {
  TenantState t("acme", {});
  put_queue(t, kTarget);
  std::vector<proto::Change> out;
  const auto in = t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1000, out);
  ASSERT_TRUE(t.route(2000, out, [&](auto& d, auto& o) {
                 return d.resolve(in.conversation_id, "", 2000, o);
               }).is_ok());
  EXPECT_TRUE(advance(t, 1000 + kTarget).empty()) << "resolved: nothing is late";
  const auto back =
      t.ingest(msg("2", "42"), "support", routing::ChannelKind::kChat, 1000 + kTarget + 10, out);
  ASSERT_EQ(back.conversation_id, in.conversation_id) << "reopened within the window";
  EXPECT_EQ(advance(t, 1000 + kTarget + 10), std::vector<std::string>{"sla.breached"});
  EXPECT_TRUE(advance(t, 10 * kTarget).empty());
}

// What recovery rebuilds from the stored conversations.
std::unique_ptr<TenantState> restored(const std::vector<proto::Change>& stored, proto::TimeMs now) {
  auto t = std::make_unique<TenantState>("acme", TenantOptions{});
  put_queue(*t, kTarget);
  for (const auto& c : stored) {
    if (const auto* conv = std::get_if<proto::Conversation>(&c)) t->restore(*conv);
    if (const auto* a = std::get_if<proto::ConversationActivity>(&c)) t->restore(*a);
    if (const auto* contact = std::get_if<proto::Contact>(&c)) t->restore(*contact);
    if (const auto* e = std::get_if<proto::LogEntry>(&c)) t->restore_last_seq(e->seq);
  }
  std::vector<proto::Change> repairs;
  t->finish_restore(now, repairs);
  return t;
}

TEST(TenantSla, ARestartNeitherRepeatsNorLosesFrames) {
  TenantState t("acme", {});
  put_queue(t, kTarget);
  std::vector<proto::Change> stored;
  t.ingest(msg("1", "42"), "support", routing::ChannelKind::kChat, 1000, stored);
  auto before_warning = stored;
  ASSERT_EQ(advance(t, 1000 + kTarget * 4 / 5, &stored), std::vector<std::string>{"sla.warning"});

  // Restarted after the warning: only the breach is left.
  auto warned = restored(stored, 1000 + kTarget * 4 / 5 + 1);
  EXPECT_EQ(warned->next_deadline(), 1000 + kTarget);
  EXPECT_EQ(advance(*warned, 1000 + kTarget), std::vector<std::string>{"sla.breached"});

  // Down across both: the breach is written on the way up, once.
  auto slept = restored(before_warning, 5 * kTarget);
  EXPECT_EQ(advance(*slept, 5 * kTarget), std::vector<std::string>{"sla.breached"});
  EXPECT_TRUE(advance(*slept, 6 * kTarget).empty());
}

}  // namespace
}  // namespace sb::router

// Randomized property test: thousands of seeded random sequences of inputs
// (operators joining, leaving, changing capacity, skills and queues; queues
// re-configured; conversations arriving, accepted, declined, timing out,
// transferred, resolved; time jumping) with, after every step:
//  - check_invariants() (one owner, one offer, capacity, offline holds no
//    offers, nobody waits while a free operator could take it, indexes);
//  - outside checks on the decisions: no offer inside a cool-down, accept
//    after expiry refused, a refused input changes nothing;
//  - from some step on, a twin restored from snapshot() that must make
//    exactly the same decisions;
// and at the end: the records reported in Output rebuild the same state, and
// once everyone is online with room, nothing is left waiting.
// Deterministic: the seed is printed on failure; SB_ROUTING_SEQUENCES=N
// runs more sequences.
#include "tests/router/routing_property.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace sb::router::routing::testing {

void PropertyRun::step() {
  using S = proto::ConversationStatus;
  const int roll = pick(100);
  if (roll < 22) {  // a conversation arrives (sometimes a resolved one reopens)
    Arrival a;
    if (chance(5) && !resolved_.empty()) {
      a.conversation = resolved_.back();
      resolved_.pop_back();
    } else {
      a.conversation = "c" + std::to_string(next_conv_++);
    }
    a.kind = chance(30) ? ChannelKind::kEmail : ChannelKind::kChat;
    a.channel = pick_of<std::string>({"tg", "mail", "web"});
    a.text = pick_of<std::string>({"", "my INVOICE", "refund!", "hello"});
    if (chance(20)) a.attributes.push_back({"vip", "true"});
    a.channel_queue = pick_of<std::string>({"", "q1", "q2", "q3", "default", "nope"});
    if (chance(30)) {
      a.last_operator = pick_of(op_ids_);
      a.last_served_at = now_ - pick(2 * static_cast<int>(opts_.sticky_window_ms));
    }
    const Status st =
        input("arrive " + a.conversation + " " + std::string(to_string(a.kind)), maybe_settle(),
              [&](Dispatcher& d, Output& o) { return d.conversation_arrived(a, now_, o); });
    if (!st.is_ok()) fail("arrival refused: " + st.to_string());
  } else if (roll < 40 || (roll < 50 && roll >= 45)) {  // accept or decline an offer
    const bool accepting = roll < 40;
    const bool strict = maybe_settle();
    auto offered = open(S::kOffered);
    if (offered.empty()) return;
    const auto rec = offered[static_cast<std::size_t>(pick(static_cast<int>(offered.size())))];
    const std::string op = chance(15) ? pick_of(op_ids_) : rec.offered_to;
    const bool valid = op == rec.offered_to && rec.offer_expires_at > now_;
    const std::string what = std::string(accepting ? "accept " : "decline ") + rec.id + " by " +
                             op + (valid ? "" : " (invalid)");
    const Status st = input(what, strict, [&](Dispatcher& d, Output& o) {
      return accepting ? d.accept(rec.id, op, now_, o) : d.decline(rec.id, op, now_, o);
    });
    if (!valid) {
      expect(st, true, {Code::kConflict}, Code::kConflict, what);
    } else {
      expect(st, strict, {Code::kOk, Code::kConflict}, Code::kOk, what);
    }
  } else if (roll < 45) {  // resolve, by the owner, an admin, or somebody else
    const bool strict = maybe_settle();
    auto all = open();
    if (all.empty()) return;
    const auto rec = all[static_cast<std::size_t>(pick(static_cast<int>(all.size())))];
    const int who = pick(3);
    const std::string actor = who == 0 ? rec.owner : who == 1 ? "" : pick_of(op_ids_);
    const bool allowed = actor.empty() || actor == rec.owner;
    const std::string what = "resolve " + rec.id + " by '" + actor + "'";
    const Status st = input(
        what, strict, [&](Dispatcher& d, Output& o) { return d.resolve(rec.id, actor, now_, o); });
    if (allowed) {
      expect(st, strict, {Code::kOk, Code::kConflict}, Code::kOk, what);
    } else {
      expect(st, true, {Code::kConflict, Code::kNotFound}, st.code(), what);
    }
    if (st.is_ok()) resolved_.push_back(rec.id);
  } else if (roll < 55) {  // transfer to an operator or a queue
    const bool strict = maybe_settle();
    auto all = open();
    if (all.empty()) return;
    const auto rec = all[static_cast<std::size_t>(pick(static_cast<int>(all.size())))];
    const std::string actor = chance(50) ? rec.owner : "";
    const bool to_op = chance(50);
    const std::string target =
        to_op ? pick_of(op_ids_) : pick_of<std::string>({"default", "q1", "q2", "q3", "nope"});
    const std::string what = "transfer " + rec.id + " by '" + actor + "' to " +
                             (to_op ? "operator " : "queue ") + target;
    const Status st = input(what, strict, [&](Dispatcher& d, Output& o) {
      return to_op ? d.transfer_to_operator(rec.id, actor, target, now_, o)
                   : d.transfer_to_queue(rec.id, actor, target, now_, o);
    });
    expect(st, false, {Code::kOk, Code::kConflict, Code::kNotFound}, Code::kOk, what);
  } else if (roll < 65) {  // an operator changes status
    if (store_.operators.empty()) return;
    auto it = store_.operators.begin();
    std::advance(it, pick(static_cast<int>(store_.operators.size())));
    const std::string id = it->first;
    const auto s = static_cast<OperatorStatus>(pick(3) == 0 ? pick(2) : 2);
    const Status st =
        input("status " + id + " " + std::string(to_string(s)), maybe_settle(),
              [&](Dispatcher& d, Output& o) { return d.set_operator_status(id, s, now_, o); });
    if (!st.is_ok()) fail("status refused: " + st.to_string());
  } else if (roll < 72) {
    put_operator();
  } else if (roll < 74) {
    put_queue(pick_of(queue_names_));
  } else if (roll < 75 && !twin_) {  // restart: a twin restored from the snapshot
    note("twin restored from snapshot");
    twin_ = std::make_unique<Dispatcher>(opts_);
    const Snapshot snap = d_->snapshot();
    twin_->restore(snap);
    Output o;
    if (Status st = twin_->finish_restore(now_, o); !st.is_ok()) fail(st.to_string());
    if (!o.decisions.empty()) fail("restore made decisions:\n" + trace(o));
    if (!(twin_->snapshot() == snap)) fail("restored snapshot differs");
  } else {  // time passes
    if (chance(30) && d_->next_deadline() && *d_->next_deadline() > now_) {
      now_ = *d_->next_deadline();
    } else {
      now_ += pick_of<TimeMs>({0, 1, 999, 1000, 5000, 29999, 30000, 60000, 61000});
    }
    (void)input("advance to " + std::to_string(now_), false, [&](Dispatcher& d, Output& o) {
      d.advance(now_, o);
      return Status::ok();
    });
  }
}

void PropertyRun::finish() {
  // 1. The records reported along the way rebuild exactly the same state.
  Dispatcher back(opts_);
  for (const auto& [id, c] : store_.conversations) back.restore(c);
  for (const auto& [id, r] : store_.runtimes) back.restore(r);
  for (const auto& [id, o] : store_.operators) back.restore(o);
  for (const auto& [id, q] : store_.queues) back.restore(q);
  Output o;
  if (Status st = back.finish_restore(now_, o); !st.is_ok()) fail(st.to_string());
  if (!o.decisions.empty()) fail("restore from records made decisions:\n" + trace(o));
  if (!(back.snapshot() == d_->snapshot())) fail("records do not rebuild the state");
  if (twin_ && !(normalized(twin_->snapshot()) == normalized(d_->snapshot()))) {
    fail("twin state differs at the end");
  }
  if (!failure_.empty()) return;
  // 2. Liveness: with everyone online and room for all, nothing waits for
  // longer than a cool-down.
  for (const auto& id : op_ids_) {
    OperatorConfig cfg;
    cfg.id = id;
    cfg.queues = queue_names_;
    cfg.skills = skills_;
    cfg.capacity = {1000, 1000};
    Status st = input("liveness: " + id + " takes everything", false,
                      [&](Dispatcher& d, Output& out) { return d.put_operator(cfg, now_, out); });
    if (st.is_ok()) {
      st = input("liveness: " + id + " online", false, [&](Dispatcher& d, Output& out) {
        return d.set_operator_status(id, OperatorStatus::kOnline, now_, out);
      });
    }
    if (!st.is_ok()) fail("liveness set-up: " + st.to_string());
  }
  for (int round = 0; round < 20 && failure_.empty(); ++round) {
    now_ += 4000;
    (void)input("advance to " + std::to_string(now_), false, [&](Dispatcher& d, Output& out) {
      d.advance(now_, out);
      return Status::ok();
    });
    for (const auto& rec : open(proto::ConversationStatus::kOffered)) {
      const Status st = input("accept " + rec.id, false, [&](Dispatcher& d, Output& out) {
        return d.accept(rec.id, rec.offered_to, now_, out);
      });
      if (!st.is_ok()) fail("liveness accept: " + st.to_string());
    }
  }
  for (const auto& rec : open(proto::ConversationStatus::kQueued)) {
    fail(rec.id + " still waits in " + rec.queue + " with room everywhere");
  }
}

}  // namespace sb::router::routing::testing

namespace sb::router::routing::testing {
namespace {

TEST(RoutingProperty, RandomSequencesKeepEveryInvariant) {
  int sequences = 1000;
  std::map<std::string, long> seen;
  if (const char* env = std::getenv("SB_ROUTING_SEQUENCES")) sequences = std::atoi(env);
  constexpr int kSteps = 160;
  for (int i = 0; i < sequences; ++i) {
    const std::uint64_t seed = 0x5eed0000ULL + static_cast<std::uint64_t>(i);
    PropertyRun run(seed);
    run.count_into(&seen);
    const std::string failure = run.run(kSteps);
    ASSERT_TRUE(failure.empty()) << "seed " << seed << " (re-run: PropertyRun(" << seed << ").run("
                                 << kSteps << "))\n"
                                 << failure;
  }
  std::string counts;
  for (const auto& [type, n] : seen) counts += " " + type + "=" + std::to_string(n);
  std::printf("decisions made:%s\n", counts.c_str());
  for (const char* type :
       {"conversation.queued", "conversation.offered", "conversation.offer_expired",
        "conversation.offer_declined", "conversation.offer_revoked", "conversation.assigned",
        "conversation.overflowed", "conversation.transferred", "conversation.released",
        "conversation.resolved", "operator.status"}) {
    EXPECT_GT(seen[type], 0) << "the random sequences never produced " << type;
  }
}

}  // namespace
}  // namespace sb::router::routing::testing

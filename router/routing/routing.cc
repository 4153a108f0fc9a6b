// The routing primitives every input is made of. Two directions meet here:
//  - route(): a conversation looks for an operator (best candidate of its
//    queue), else waits in line;
//  - pull(): an operator with a free slot looks for the oldest waiting
//    conversation it may take, highest queue priority first.
// Both run at once on every change, so no free candidate ever coexists with
// a conversation it could take (the "never skipped" invariant).
#include <algorithm>

#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

namespace {
struct WaitMoved {
  std::vector<Conv>* convs;
  void operator()(const WaitEntry& e, std::uint32_t i) const { (*convs)[e.conv].wait_pos = i; }
};
}  // namespace

bool Dispatcher::Impl::cooled(const Conv& cv, Handle op) const {
  for (const auto& cd : cv.cooldowns) {
    if (cd.op == op && cd.until > now_) return true;
  }
  return false;
}

void Dispatcher::Impl::add_cooldown(Conv& cv, Handle op) {
  std::erase_if(cv.cooldowns,
                [&](const CooldownEntry& cd) { return cd.op == op || cd.until <= now_; });
  cv.cooldowns.push_back({op, now_ + opt_.cooldown_ms});
}

bool Dispatcher::Impl::is_candidate(const Conv& cv, Handle op) const {
  const Operator& o = ops_[op];
  for (const Member& m : o.members) {
    if (m.queue == cv.queue) return indexable(o, m, cv.kind) && !cooled(cv, op);
  }
  return false;
}

Handle Dispatcher::Impl::best_candidate(const Conv& cv) {
  const auto& heap = queues_[cv.queue].candidates[static_cast<int>(cv.kind)];
  const std::uint32_t i =
      heap.find_first([&](const CandidateEntry& e) { return !cooled(cv, e.op); }, scratch_);
  return i == kNpos ? kNoHandle : heap.at(i).op;
}

void Dispatcher::Impl::route(Handle c, Handle preferred, Pick preferred_pick) {
  Conv& cv = convs_[c];
  if (preferred != kNoHandle && is_candidate(cv, preferred)) {
    give(c, preferred, preferred_pick);
    return;
  }
  if (Handle op = best_candidate(cv); op != kNoHandle) {
    give(c, op, Pick::kStrategy);
    return;
  }
  // Nobody can take it here. Past its overflow time it moves on instead of
  // waiting (it may have been offered around meanwhile).
  const auto& overflow = queues_[cv.queue].config.overflow;
  if (overflow && now_ >= cv.queued_at + overflow->after_ms) {
    const Handle to = find_queue(overflow->queue);
    if (to != kNoHandle && to != cv.queue) {
      emit(Overflowed{cv.id, queues_[cv.queue].config.name, overflow->queue});
      cv.queue = to;
      cv.queued_at = now_;  // after_ms > 0: the next queue cannot overflow in this call
      touch_conv(c);
      route(c, kNoHandle, Pick::kStrategy);
      return;
    }
  }
  enqueue(c);
}

void Dispatcher::Impl::give(Handle c, Handle op, Pick pick) {
  Conv& cv = convs_[c];
  Operator& o = ops_[op];
  Queue& q = queues_[cv.queue];
  const int k = static_cast<int>(cv.kind);
  ++o.load[k];
  o.last_assigned_at = now_;  // an offer takes a slot too: idle ends here
  for (Member& m : o.members) {
    if (m.queue == cv.queue) m.rr_ticket = ++q.rr_clock;
  }
  cv.pick = pick;
  disarm(cv.cooldown_token);
  if (q.config.offer_timeout_ms == 0) {
    cv.status = proto::ConversationStatus::kAssigned;
    cv.owner = op;
    o.owned.push_back(c);
    emit(Assigned{cv.id, o.config.id, q.config.name, cv.kind, AssignVia::kAuto, pick});
  } else {
    cv.status = proto::ConversationStatus::kOffered;
    cv.offered_to = op;
    cv.offer_expires_at = now_ + q.config.offer_timeout_ms;
    cv.offer_lapsed = false;
    o.offers.push_back(c);
    cv.offer_token = arm(TimerKind::kOfferExpiry, cv.order, c, cv.offer_expires_at);
    emit(Offered{cv.id, o.config.id, q.config.name, cv.kind, cv.offer_expires_at, pick});
  }
  touch_conv(c);
  touch_op(op);
  reindex(op);
}

void Dispatcher::Impl::enqueue(Handle c) {
  Conv& cv = convs_[c];
  cv.status = proto::ConversationStatus::kQueued;
  queues_[cv.queue].waiting[static_cast<int>(cv.kind)].push(
      WaitEntry{WaitKey{cv.queued_at, cv.order}, c}, WaitMoved{&convs_});
  emit(Queued{cv.id, queues_[cv.queue].config.name, cv.kind, cv.queued_at});
  touch_conv(c);
  arm_overflow(c);  // only waiting conversations overflow
  // An operator in its cool-down may be free: try again when that ends.
  std::erase_if(cv.cooldowns, [&](const CooldownEntry& cd) { return cd.until <= now_; });
  if (!cv.cooldowns.empty()) {
    TimeMs first = cv.cooldowns.front().until;
    for (const auto& cd : cv.cooldowns) first = std::min(first, cd.until);
    disarm(cv.cooldown_token);
    cv.cooldown_token = arm(TimerKind::kCooldownEnd, cv.order, c, first);
  }
}

void Dispatcher::Impl::dequeue(Handle c) {
  Conv& cv = convs_[c];
  queues_[cv.queue].waiting[static_cast<int>(cv.kind)].erase(cv.wait_pos, WaitMoved{&convs_});
  disarm(cv.cooldown_token);
  disarm(cv.overflow_token);
}

void Dispatcher::Impl::pull(Handle op) {
  for (int k = 0; k < kChannelKinds; ++k) {
    const auto kind = static_cast<ChannelKind>(k);
    while (ops_[op].status == OperatorStatus::kOnline &&
           ops_[op].load[k] < ops_[op].config.capacity.of(kind)) {
      // The oldest waiting conversation it may take, highest priority first.
      Handle best = kNoHandle;
      int best_priority = 0;
      WaitKey best_key;
      for (const Member& m : ops_[op].members) {
        if (!m.eligible) continue;
        const Queue& q = queues_[m.queue];
        const auto& line = q.waiting[k];
        const std::uint32_t i = line.find_first(
            [&](const WaitEntry& e) { return !cooled(convs_[e.conv], op); }, scratch_);
        if (i == kNpos) continue;
        const WaitEntry& e = line.at(i);
        if (best == kNoHandle || q.config.priority > best_priority ||
            (q.config.priority == best_priority && e.key < best_key)) {
          best = e.conv;
          best_priority = q.config.priority;
          best_key = e.key;
        }
      }
      if (best == kNoHandle) break;
      dequeue(best);
      give(best, op, Pick::kStrategy);
    }
  }
}

void Dispatcher::Impl::drain(Handle q) {
  for (int k = 0; k < kChannelKinds; ++k) {
    auto& line = queues_[q].waiting[k];
    std::vector<WaitEntry> in_order;
    in_order.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) in_order.push_back(line.at(i));
    std::sort(in_order.begin(), in_order.end(),
              [](const WaitEntry& a, const WaitEntry& b) { return a.key < b.key; });
    for (const WaitEntry& e : in_order) {
      if (queues_[q].candidates[k].empty()) break;
      const Handle op = best_candidate(convs_[e.conv]);
      if (op == kNoHandle) continue;  // every free candidate is in its cool-down
      dequeue(e.conv);
      give(e.conv, op, Pick::kStrategy);
    }
  }
}

Handle Dispatcher::Impl::take_offer_back(Handle c) {
  Conv& cv = convs_[c];
  const Handle op = cv.offered_to;
  Operator& o = ops_[op];
  --o.load[static_cast<int>(cv.kind)];
  std::erase(o.offers, c);
  disarm(cv.offer_token);
  cv.offered_to = kNoHandle;
  cv.offer_lapsed = false;
  cv.status = proto::ConversationStatus::kQueued;  // being routed
  touch_conv(c);
  touch_op(op);
  reindex(op);
  return op;
}

Handle Dispatcher::Impl::release_owner(Handle c) {
  Conv& cv = convs_[c];
  const Handle op = cv.owner;
  Operator& o = ops_[op];
  --o.load[static_cast<int>(cv.kind)];
  std::erase(o.owned, c);
  cv.owner = kNoHandle;
  cv.status = proto::ConversationStatus::kQueued;  // being routed
  touch_conv(c);
  touch_op(op);
  reindex(op);
  return op;
}

void Dispatcher::Impl::revoke_offers(Handle op, RevokeReason reason) {
  std::vector<Handle> offers = ops_[op].offers;
  std::sort(offers.begin(), offers.end(),
            [this](Handle a, Handle b) { return convs_[a].order < convs_[b].order; });
  for (Handle c : offers) {
    take_offer_back(c);
    emit(OfferRevoked{convs_[c].id, ops_[op].config.id, reason});
    route(c, kNoHandle, Pick::kStrategy);
  }
}

void Dispatcher::Impl::release_all(Handle op) {
  std::vector<Handle> owned = ops_[op].owned;
  std::sort(owned.begin(), owned.end(),
            [this](Handle a, Handle b) { return convs_[a].order < convs_[b].order; });
  for (Handle c : owned) {
    release_owner(c);
    emit(Released{convs_[c].id, ops_[op].config.id});
    convs_[c].queued_at = now_;
    route(c, kNoHandle, Pick::kStrategy);
  }
}

}  // namespace sb::router::routing

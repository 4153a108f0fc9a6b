// Timers: offer expiry, overflow, the end of a waiting conversation's
// cool-down, and the offline grace. Each owner holds the token of its one
// armed timer per kind; cancelling forgets the token (lazy deletion). Due
// timers fire in (deadline, kind, order) order, all acting at `now_`: the
// time the caller observed, not the deadline, so an offer re-made after a
// late advance() still gets its full timeout.
#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

std::uint64_t Dispatcher::Impl::arm(TimerKind kind, std::uint64_t order, Handle target, TimeMs at) {
  const std::uint64_t token = next_token_++;
  timers_.push(Timer{at, kind, order, target, token});
  ++live_timers_;
  return token;
}

void Dispatcher::Impl::disarm(std::uint64_t& token) {
  if (token == 0) return;
  --live_timers_;
  token = 0;
}

void Dispatcher::Impl::arm_overflow(Handle c) {
  Conv& cv = convs_[c];
  disarm(cv.overflow_token);
  const auto& overflow = queues_[cv.queue].config.overflow;
  if (overflow) {
    cv.overflow_token = arm(TimerKind::kOverflow, cv.order, c, cv.queued_at + overflow->after_ms);
  }
}

bool Dispatcher::Impl::timer_live(const Timer& t) const {
  if (t.kind == TimerKind::kOfflineGrace) return ops_[t.target].grace_token == t.token;
  if (t.target >= convs_.size() || !convs_[t.target].in_use) return false;
  const Conv& cv = convs_[t.target];
  switch (t.kind) {
    case TimerKind::kOfferExpiry:
      return cv.offer_token == t.token;
    case TimerKind::kOverflow:
      return cv.overflow_token == t.token;
    case TimerKind::kCooldownEnd:
      return cv.cooldown_token == t.token;
    case TimerKind::kOfflineGrace:
      break;
  }
  return false;
}

void Dispatcher::Impl::fire_due() {
  while (!timers_.empty() && timers_.top().at <= now_) {
    const Timer t = timers_.top();
    timers_.pop();
    if (!timer_live(t)) continue;
    --live_timers_;  // on_timer() clears the owner's token without disarm()
    on_timer(t);
  }
}

void Dispatcher::Impl::prune_timers() {
  while (!timers_.empty() && !timer_live(timers_.top())) timers_.pop();
  // Cancelled timers wait for their deadline; keep them from piling up.
  if (timers_.size() > 1024 && timers_.size() > 2 * live_timers_) {
    timers_.compact([this](const Timer& t) { return timer_live(t); });
  }
}

void Dispatcher::Impl::on_timer(const Timer& t) {
  const Handle h = t.target;
  switch (t.kind) {
    case TimerKind::kOfferExpiry:
      convs_[h].offer_token = 0;
      on_offer_expired(h);
      return;
    case TimerKind::kOverflow: {
      Conv& cv = convs_[h];
      cv.overflow_token = 0;
      const auto& overflow = queues_[cv.queue].config.overflow;
      // Armed only while waiting (enqueue arms, dequeue disarms).
      if (!overflow || now_ < cv.queued_at + overflow->after_ms) {
        arm_overflow(h);  // the queue's overflow changed meanwhile
        return;
      }
      if (find_queue(overflow->queue) == kNoHandle) return;  // nowhere to go: keeps waiting
      dequeue(h);
      route(h, kNoHandle, Pick::kStrategy);
      return;
    }
    case TimerKind::kCooldownEnd: {
      Conv& cv = convs_[h];
      cv.cooldown_token = 0;
      if (cv.status != proto::ConversationStatus::kQueued) return;
      if (Handle op = best_candidate(cv); op != kNoHandle) {
        dequeue(h);
        give(h, op, Pick::kStrategy);
        return;
      }
      // Still nobody: wait for the next cool-down to end, in place.
      std::erase_if(cv.cooldowns, [&](const CooldownEntry& cd) { return cd.until <= now_; });
      if (cv.cooldowns.empty()) return;
      TimeMs first = cv.cooldowns.front().until;
      for (const auto& cd : cv.cooldowns) first = std::min(first, cd.until);
      cv.cooldown_token = arm(TimerKind::kCooldownEnd, cv.order, h, first);
      return;
    }
    case TimerKind::kOfflineGrace:
      ops_[h].grace_token = 0;
      if (ops_[h].status == OperatorStatus::kOffline) release_all(h);
      return;
  }
}

void Dispatcher::Impl::on_offer_expired(Handle c) {
  const bool counts = !convs_[c].offer_lapsed;  // not the operator's fault if we were down
  const Handle op = take_offer_back(c);
  add_cooldown(convs_[c], op);
  emit(OfferExpired{convs_[c].id, ops_[op].config.id, now_ + opt_.cooldown_ms});
  Operator& o = ops_[op];
  if (counts) {
    ++o.missed_in_row;
    touch_op(op);
  }
  if (opt_.max_missed_offers > 0 && o.missed_in_row >= opt_.max_missed_offers &&
      o.status == OperatorStatus::kOnline) {
    set_status(op, OperatorStatus::kAway, StatusReason::kMissedOffers);  // re-routes its offers
  }
  route(c, kNoHandle, Pick::kStrategy);
  pull(op);
}

}  // namespace sb::router::routing

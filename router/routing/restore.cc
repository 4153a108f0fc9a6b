// Snapshot and recovery. Records are staged as they come (storage iterates
// in key order, not dependency order) and applied by finish_restore(), which
// rebuilds the interned handles, the heaps and the timers. Operators are
// re-created in creation order (OperatorRuntime::seq) so that handles, and
// with them every tie-break, are the same as before the restart.
#include <algorithm>

#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

Snapshot Dispatcher::snapshot() const {
  const Impl& d = *impl_;
  Snapshot s;
  for (const Queue& q : d.queues_) s.queues.push_back(q.config);
  std::sort(s.queues.begin(), s.queues.end(),
            [](const QueueConfig& a, const QueueConfig& b) { return a.name < b.name; });
  for (const Operator& o : d.ops_) {  // handles are in seq order
    s.operators.push_back(o.config);
    s.runtimes.push_back(d.runtime_of(o));
  }
  for (const Conv& cv : d.convs_) {
    if (cv.in_use) s.conversations.push_back(d.record_of(cv));
  }
  std::sort(
      s.conversations.begin(), s.conversations.end(),
      [](const ConversationRecord& a, const ConversationRecord& b) { return a.order < b.order; });
  return s;
}

std::vector<OperatorConfig> Dispatcher::operators() const {
  std::vector<OperatorConfig> out;
  out.reserve(impl_->ops_.size());
  for (const Operator& o : impl_->ops_) out.push_back(o.config);  // handles are in seq order
  return out;
}

void Dispatcher::restore(const QueueConfig& queue) { impl_->staged_queues_.push_back(queue); }
void Dispatcher::restore(const OperatorConfig& op) { impl_->staged_ops_.push_back(op); }
void Dispatcher::restore(const OperatorRuntime& rt) { impl_->staged_runtimes_.push_back(rt); }
void Dispatcher::restore(const ConversationRecord& conv) { impl_->staged_convs_.push_back(conv); }
void Dispatcher::restore(const Snapshot& s) {
  for (const auto& q : s.queues) restore(q);
  for (const auto& o : s.operators) restore(o);
  for (const auto& r : s.runtimes) restore(r);
  for (const auto& c : s.conversations) restore(c);
}

Status Dispatcher::finish_restore(TimeMs now, Output& out) {
  Impl& d = *impl_;
  d.out_ = &out;
  ++d.epoch_;
  d.now_ = std::max(d.now_, now);
  Status st = d.finish_restore();
  d.end();  // due timers fire at the first advance(), as documented
  return st;
}

Status Dispatcher::Impl::finish_restore() {
  Status first_error;
  auto note = [&](Status st) {
    if (first_error.is_ok() && !st.is_ok()) first_error = std::move(st);
  };
  // Queues (the default queue already exists and may be replaced).
  std::sort(staged_queues_.begin(), staged_queues_.end(),
            [](const QueueConfig& a, const QueueConfig& b) { return a.name < b.name; });
  for (const auto& q : staged_queues_) {
    if (q.name.empty() || q.offer_timeout_ms < 0 || (q.overflow && q.overflow->after_ms <= 0) ||
        static_cast<int>(q.strategy) > static_cast<int>(Strategy::kRoundRobin)) {
      note(Status::corruption("invalid stored queue " + q.name));
      continue;
    }
    if (Handle h = find_queue(q.name); h != kNoHandle) {
      apply_queue_config(h, q);
    } else {
      create_queue(q);
    }
  }
  // Operators, in creation order.
  NameMap<const OperatorRuntime*> runtimes;
  for (const auto& r : staged_runtimes_) runtimes[r.id] = &r;
  auto seq_of = [&](const OperatorConfig& c) {
    auto it = runtimes.find(c.id);
    return it == runtimes.end() ? UINT64_MAX : it->second->seq;
  };
  std::sort(staged_ops_.begin(), staged_ops_.end(),
            [&](const OperatorConfig& a, const OperatorConfig& b) {
              const auto sa = seq_of(a), sb = seq_of(b);
              return sa != sb ? sa < sb : a.id < b.id;
            });
  // Sized once: at 100k operators and 1M conversations their growth was a
  // visible part of start-up (docs/performance.md).
  ops_.reserve(ops_.size() + staged_ops_.size());
  op_by_id_.reserve(op_by_id_.size() + staged_ops_.size());
  for (const auto& cfg : staged_ops_) {
    if (cfg.id.empty() || find_op(cfg.id) != kNoHandle) {
      note(Status::corruption("invalid or duplicate stored operator " + cfg.id));
      continue;
    }
    const auto op = static_cast<Handle>(ops_.size());
    ops_.emplace_back();
    op_by_id_.insert(cfg.id, op);
    Operator& o = ops_[op];
    o.config = cfg;
    o.skills = intern_skills(cfg.skills);
    auto it = runtimes.find(cfg.id);
    const OperatorRuntime* rt = it == runtimes.end() ? nullptr : it->second;
    o.seq = rt != nullptr && rt->seq != 0 ? rt->seq : next_op_seq_;
    next_op_seq_ = std::max(next_op_seq_, o.seq + 1);
    if (rt != nullptr) {
      o.status = static_cast<int>(rt->status) <= static_cast<int>(OperatorStatus::kOnline)
                     ? rt->status
                     : OperatorStatus::kOffline;
      o.last_assigned_at = rt->last_assigned_at;
      o.missed_in_row = rt->missed_in_row;
      o.offline_since = rt->offline_since;
    }
    rebuild_members(op, rt != nullptr ? &rt->round_robin : nullptr);
    touch_op(op);
  }
  // Conversations, in arrival order.
  std::sort(
      staged_convs_.begin(), staged_convs_.end(),
      [](const ConversationRecord& a, const ConversationRecord& b) { return a.order < b.order; });
  std::vector<Handle> to_route;
  convs_.reserve(convs_.size() + staged_convs_.size());
  conv_by_id_.reserve(conv_by_id_.size() + staged_convs_.size());
  for (const auto& rec : staged_convs_) {
    if (rec.status == proto::ConversationStatus::kResolved) continue;
    if (rec.id.empty() || find_conv(rec.id) != kNoHandle ||
        (rec.kind != ChannelKind::kChat && rec.kind != ChannelKind::kEmail)) {
      note(Status::corruption("invalid or duplicate stored conversation " + rec.id));
      continue;
    }
    const Handle c = alloc_conv();
    Conv& cv = convs_[c];
    cv.in_use = true;
    cv.id = rec.id;
    cv.queue = find_queue(rec.queue);
    cv.kind = rec.kind;
    cv.pick = rec.pick;
    cv.queued_at = rec.queued_at;
    cv.order = rec.order != 0 ? rec.order : next_order_;
    next_order_ = std::max(next_order_, cv.order + 1);
    conv_by_id_.insert(cv.id, c);
    for (const auto& cd : rec.cooldowns) {
      const Handle op = find_op(cd.operator_id);
      if (op != kNoHandle && cd.until > now_) cv.cooldowns.push_back({op, cd.until});
    }
    bool placed = cv.queue != kNoHandle;
    if (!placed) cv.queue = default_queue_;  // its queue is gone: route it anew
    const int k = static_cast<int>(cv.kind);
    if (placed && rec.status == proto::ConversationStatus::kAssigned) {
      const Handle op = find_op(rec.owner);
      placed = op != kNoHandle && ops_[op].load[k] < ops_[op].config.capacity.of(cv.kind);
      if (placed) {
        cv.status = proto::ConversationStatus::kAssigned;
        cv.owner = op;
        ++ops_[op].load[k];
        ops_[op].owned.push_back(c);
      }
    } else if (placed && rec.status == proto::ConversationStatus::kOffered) {
      const Handle op = find_op(rec.offered_to);
      placed = op != kNoHandle && ops_[op].status == OperatorStatus::kOnline &&
               ops_[op].load[k] < ops_[op].config.capacity.of(cv.kind);
      if (placed) {
        cv.status = proto::ConversationStatus::kOffered;
        cv.offered_to = op;
        cv.offer_expires_at = rec.offer_expires_at;
        cv.offer_lapsed = rec.offer_expires_at <= now_;
        ++ops_[op].load[k];
        ops_[op].offers.push_back(c);
        cv.offer_token = arm(TimerKind::kOfferExpiry, cv.order, c, cv.offer_expires_at);
      }
    } else if (placed) {
      cv.status = proto::ConversationStatus::kQueued;
      queues_[cv.queue].waiting[k].push(
          WaitEntry{WaitKey{cv.queued_at, cv.order}, c},
          [this](const WaitEntry& e, std::uint32_t i) { convs_[e.conv].wait_pos = i; });
      if (!cv.cooldowns.empty()) {
        TimeMs first = cv.cooldowns.front().until;
        for (const auto& cd : cv.cooldowns) first = std::min(first, cd.until);
        cv.cooldown_token = arm(TimerKind::kCooldownEnd, cv.order, c, first);
      }
      arm_overflow(c);
    }
    if (!placed) {
      cv.status = proto::ConversationStatus::kQueued;
      to_route.push_back(c);
      touch_conv(c);
    }
  }
  for (Handle op = 0; op < ops_.size(); ++op) {
    reindex(op);
    if (ops_[op].status == OperatorStatus::kOffline && opt_.offline_grace_ms &&
        !ops_[op].owned.empty()) {
      ops_[op].grace_token = arm(TimerKind::kOfflineGrace, ops_[op].seq, op,
                                 ops_[op].offline_since + *opt_.offline_grace_ms);
    }
  }
  // Repairs, then whatever a changed configuration now allows.
  for (Handle c : to_route) route(c, kNoHandle, Pick::kStrategy);
  std::vector<Handle> by_name(queues_.size());
  for (Handle q = 0; q < queues_.size(); ++q) by_name[q] = q;
  std::sort(by_name.begin(), by_name.end(),
            [this](Handle a, Handle b) { return queues_[a].config.name < queues_[b].config.name; });
  for (Handle q : by_name) drain(q);
  for (Handle op = 0; op < ops_.size(); ++op) pull(op);
  staged_queues_.clear();
  staged_ops_.clear();
  staged_runtimes_.clear();
  staged_convs_.clear();
  return first_error;
}

}  // namespace sb::router::routing

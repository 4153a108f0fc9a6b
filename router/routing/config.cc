// Configuration inputs: queues, operators, operator status. These are rare
// next to conversations, so they may scan (a queue's operators, all queues);
// each ends by handing newly possible work out at once.
#include <algorithm>

#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

namespace {
std::string lower_ascii(std::string_view s) {
  std::string r(s);
  for (char& ch : r) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return r;
}

Status validate(const QueueConfig& q, std::string_view self) {
  if (q.name.empty()) return Status::invalid("queue name is empty");
  if (static_cast<int>(q.strategy) > static_cast<int>(Strategy::kRoundRobin)) {
    return Status::invalid("unknown strategy");
  }
  if (q.offer_timeout_ms < 0) return Status::invalid("offer_timeout must be >= 0");
  if (q.first_response_sla_ms < 0) return Status::invalid("first_response_sla must be >= 0");
  if (q.overflow) {
    // after_ms > 0 also rules out overflow loops inside one input.
    if (q.overflow->after_ms <= 0) return Status::invalid("overflow.after must be > 0");
    if (q.overflow->queue.empty() || q.overflow->queue == self) {
      return Status::invalid("overflow.queue must name another queue");
    }
  }
  return Status::ok();
}
}  // namespace

std::vector<std::uint32_t> Dispatcher::Impl::intern_skills(const std::vector<std::string>& names) {
  std::vector<std::uint32_t> ids;
  ids.reserve(names.size());
  for (const auto& n : names) {
    auto [it, fresh] = skill_ids_.try_emplace(n, static_cast<std::uint32_t>(skill_ids_.size()));
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Handle Dispatcher::Impl::create_queue(const QueueConfig& cfg) {
  const auto q = static_cast<Handle>(queues_.size());
  queues_.emplace_back();
  queue_by_name_.emplace(cfg.name, q);
  apply_queue_config(q, cfg);
  return q;
}

void Dispatcher::Impl::apply_queue_config(Handle q, const QueueConfig& cfg) {
  Queue& queue = queues_[q];
  queue.config = cfg;
  queue.skills = intern_skills(cfg.skills);
  queue.keywords.clear();
  for (const auto& k : cfg.select.keywords) {
    if (!k.empty()) queue.keywords.push_back(lower_ascii(k));
  }
  rebuild_selection_order();
}

Status Dispatcher::Impl::put_queue(const QueueConfig& cfg) {
  if (Status st = validate(cfg, cfg.name); !st.is_ok()) return st;
  Handle q = find_queue(cfg.name);
  if (q == kNoHandle) {
    q = create_queue(cfg);
  } else {
    apply_queue_config(q, cfg);
    clear_candidates(q);  // strategy or skills may have changed every key
  }
  // Operators that list this queue: (re)build their membership in it.
  for (Handle op = 0; op < ops_.size(); ++op) {
    const auto& names = ops_[op].config.queues;
    if (std::find(names.begin(), names.end(), cfg.name) == names.end()) continue;
    unindex(op);
    rebuild_members(op, nullptr);
    reindex(op);
  }
  // A changed overflow applies to those already waiting.
  for (auto& line : queues_[q].waiting) {
    for (std::uint32_t i = 0; i < line.size(); ++i) arm_overflow(line.at(i).conv);
  }
  drain(q);
  return Status::ok();
}

// Precondition: the operator is in no candidate heap (unindex).
void Dispatcher::Impl::rebuild_members(Handle op, const std::vector<RoundRobinMark>* marks) {
  Operator& o = ops_[op];
  std::vector<Member> old = std::move(o.members);
  o.members.clear();
  for (const Member& m : old) free_member_ids_.push_back(m.id);
  for (const auto& name : o.config.queues) {
    const Handle q = find_queue(name);
    if (q == kNoHandle) continue;
    if (std::any_of(o.members.begin(), o.members.end(),
                    [q](const Member& m) { return m.queue == q; })) {
      continue;  // listed twice
    }
    Member m;
    m.queue = q;
    const auto& need = queues_[q].skills;
    m.eligible = std::includes(o.skills.begin(), o.skills.end(), need.begin(), need.end());
    for (const Member& prev : old) {
      if (prev.queue == q) m.rr_ticket = prev.rr_ticket;
    }
    if (marks != nullptr) {
      for (const auto& mark : *marks) {
        if (mark.queue == name) m.rr_ticket = mark.ticket;
      }
    }
    queues_[q].rr_clock = std::max(queues_[q].rr_clock, m.rr_ticket);
    if (free_member_ids_.empty()) {
      m.id = static_cast<std::uint32_t>(member_pos_.size());
      member_pos_.push_back({kNpos, kNpos});
    } else {
      m.id = free_member_ids_.back();
      free_member_ids_.pop_back();
      member_pos_[m.id] = {kNpos, kNpos};
    }
    o.members.push_back(m);
  }
}

Status Dispatcher::Impl::put_operator(const OperatorConfig& cfg) {
  if (cfg.id.empty()) return Status::invalid("operator id is empty");
  Handle op = find_op(cfg.id);
  if (op != kNoHandle) {
    const Operator& o = ops_[op];
    for (int k = 0; k < kChannelKinds; ++k) {
      std::uint32_t assigned = 0;
      for (Handle c : o.owned) assigned += static_cast<int>(convs_[c].kind) == k;
      if (assigned > cfg.capacity.of(static_cast<ChannelKind>(k))) {
        return Status(Code::kConflict, "capacity below the conversations " + cfg.id +
                                           " already owns; resolve or transfer them first");
      }
    }
  } else {
    op = static_cast<Handle>(ops_.size());
    ops_.emplace_back();
    ops_[op].seq = next_op_seq_++;
    op_by_id_.insert(cfg.id, op);
  }
  unindex(op);  // heap entries point into the membership vector rebuilt below
  Operator& o = ops_[op];
  o.config = cfg;
  o.skills = intern_skills(cfg.skills);
  rebuild_members(op, nullptr);
  touch_op(op);
  // Lowered capacity: withdraw the newest offers above it.
  for (int k = 0; k < kChannelKinds; ++k) {
    const auto kind = static_cast<ChannelKind>(k);
    while (ops_[op].load[k] > cfg.capacity.of(kind)) {
      Handle newest = kNoHandle;
      for (Handle c : ops_[op].offers) {
        if (convs_[c].kind == kind &&
            (newest == kNoHandle || convs_[c].order > convs_[newest].order)) {
          newest = c;
        }
      }
      take_offer_back(newest);
      emit(OfferRevoked{convs_[newest].id, cfg.id, RevokeReason::kCapacityLowered});
      route(newest, kNoHandle, Pick::kStrategy);
    }
  }
  reindex(op);
  pull(op);
  return Status::ok();
}

void Dispatcher::Impl::set_status(Handle op, OperatorStatus s, StatusReason reason) {
  Operator& o = ops_[op];
  if (o.status == s) return;
  o.status = s;
  touch_op(op);
  emit(OperatorStatusChanged{o.config.id, s, reason});
  if (s == OperatorStatus::kOnline) {
    disarm(o.grace_token);
    o.missed_in_row = 0;
    reindex(op);
    pull(op);
    return;
  }
  reindex(op);  // leaves every candidate heap
  revoke_offers(op, s == OperatorStatus::kAway ? RevokeReason::kOperatorAway
                                               : RevokeReason::kOperatorOffline);
  if (s != OperatorStatus::kOffline) {
    disarm(ops_[op].grace_token);
    return;
  }
  ops_[op].offline_since = now_;
  // Nothing owned: nothing to release (an offline operator gains nothing).
  if (!opt_.offline_grace_ms || ops_[op].owned.empty()) return;
  if (*opt_.offline_grace_ms == 0) {
    release_all(op);
  } else if (ops_[op].grace_token == 0) {
    ops_[op].grace_token =
        arm(TimerKind::kOfflineGrace, ops_[op].seq, op, now_ + *opt_.offline_grace_ms);
  }
}

void Dispatcher::Impl::rebuild_selection_order() {
  selection_order_.clear();
  for (Handle q = 0; q < queues_.size(); ++q) {
    if (!queues_[q].config.select.empty()) selection_order_.push_back(q);
  }
  std::sort(selection_order_.begin(), selection_order_.end(), [this](Handle a, Handle b) {
    const auto& x = queues_[a].config;
    const auto& y = queues_[b].config;
    if (x.priority != y.priority) return x.priority > y.priority;
    return x.name < y.name;
  });
}

Handle Dispatcher::Impl::select_queue(const Arrival& a) const {
  std::string text;  // lower-cased on first need only
  bool lowered = false;
  for (Handle q : selection_order_) {
    const Queue& queue = queues_[q];
    const SelectionRules& r = queue.config.select;
    if (std::find(r.channels.begin(), r.channels.end(), a.channel) != r.channels.end()) return q;
    for (const auto& rule : r.attributes) {
      for (const auto& attr : a.attributes) {
        if (attr.key == rule.key && attr.value == rule.value) return q;
      }
    }
    if (!queue.keywords.empty() && !lowered) {
      text = lower_ascii(a.text);
      lowered = true;
    }
    for (const auto& k : queue.keywords) {
      if (text.find(k) != std::string::npos) return q;
    }
  }
  if (!a.channel_queue.empty()) {
    if (Handle q = find_queue(a.channel_queue); q != kNoHandle) return q;
  }
  return default_queue_;
}

}  // namespace sb::router::routing

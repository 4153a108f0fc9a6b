// The candidate index: per queue and channel kind, a heap of the operators
// that could take a conversation right now (online, holding the queue's
// skills, with a free slot of that kind), smallest key first. Every change of
// an operator's status, load or idle time re-keys its entries in the queues
// it serves: O(memberships x log n), never a scan of the tenant.
#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

namespace {
// Keeps the member positions in step with the heap.
struct CandidateMoved {
  std::vector<MemberPos>* pos;
  int kind;
  void operator()(const CandidateEntry& e, std::uint32_t i) const { (*pos)[e.member][kind] = i; }
};
}  // namespace

bool Dispatcher::Impl::indexable(const Operator& o, const Member& m, ChannelKind k) const {
  return o.status == OperatorStatus::kOnline && m.eligible &&
         o.load[static_cast<int>(k)] < o.config.capacity.of(k);
}

CandidateKey Dispatcher::Impl::candidate_key(const Operator& o, const Member& m,
                                             ChannelKind k) const {
  CandidateKey key;
  key.idle_since = o.last_assigned_at;
  key.seq = o.seq;
  switch (queues_[m.queue].config.strategy) {
    case Strategy::kLeastLoaded: {
      // load / capacity in 32.32 fixed point: exact enough to tell apart any
      // two ratios with capacities below 65536, and no floating-point ties.
      const std::uint64_t cap = o.config.capacity.of(k);
      key.primary = cap == 0
                        ? UINT64_MAX
                        : (static_cast<std::uint64_t>(o.load[static_cast<int>(k)]) << 32) / cap;
      break;
    }
    case Strategy::kLongestIdle:
      key.primary = 0;
      break;
    case Strategy::kRoundRobin:
      key.primary = m.rr_ticket;  // least recently picked in this queue first
      break;
  }
  return key;
}

void Dispatcher::Impl::reindex(Handle op) {
  Operator& o = ops_[op];
  for (const Member& m : o.members) {
    for (int k = 0; k < kChannelKinds; ++k) {
      const auto kind = static_cast<ChannelKind>(k);
      auto& heap = queues_[m.queue].candidates[k];
      const CandidateMoved moved{&member_pos_, k};
      const std::uint32_t at = pos(m, k);
      if (indexable(o, m, kind)) {
        const CandidateKey key = candidate_key(o, m, kind);
        if (at == kNpos) {
          heap.push(CandidateEntry{key, op, m.id}, moved);
        } else if (heap.at(at).key != key) {
          heap.update(at, key, moved);
        }
      } else if (at != kNpos) {
        heap.erase(at, moved);
      }
    }
  }
}

void Dispatcher::Impl::unindex(Handle op) {
  Operator& o = ops_[op];
  for (const Member& m : o.members) {
    for (int k = 0; k < kChannelKinds; ++k) {
      if (pos(m, k) != kNpos) {
        queues_[m.queue].candidates[k].erase(pos(m, k), CandidateMoved{&member_pos_, k});
      }
    }
  }
}

void Dispatcher::Impl::clear_candidates(Handle q) {
  for (int k = 0; k < kChannelKinds; ++k) {
    queues_[q].candidates[k].clear(CandidateMoved{&member_pos_, k});
  }
}

}  // namespace sb::router::routing

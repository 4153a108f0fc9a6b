// check_invariants(): recomputes everything from the plain records (ids and
// configured names, not the interned handles or heaps) and compares. Slow on
// purpose; the property test runs it after every step.
#include <algorithm>
#include <array>

#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

namespace {
Status violation(std::string m) { return Status(Code::kInternal, "invariant: " + std::move(m)); }

bool distinct(std::vector<Handle> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) == v.end();
}

bool has_all_skills(const OperatorConfig& o, const QueueConfig& q) {
  return std::all_of(q.skills.begin(), q.skills.end(), [&](const std::string& s) {
    return std::find(o.skills.begin(), o.skills.end(), s) != o.skills.end();
  });
}
}  // namespace

Status Dispatcher::Impl::check_invariants() const {
  std::vector<std::array<std::uint32_t, kChannelKinds>> counted(ops_.size(), {0, 0});
  std::vector<std::size_t> offers(ops_.size(), 0);
  std::size_t in_use = 0;
  for (Handle c = 0; c < convs_.size(); ++c) {
    const Conv& cv = convs_[c];
    if (!cv.in_use) continue;
    ++in_use;
    const std::string& id = cv.id;
    if (find_conv(id) != c) return violation(id + ": id index is stale");
    if (cv.queue >= queues_.size()) return violation(id + ": no queue");
    const int k = static_cast<int>(cv.kind);
    const auto& line = queues_[cv.queue].waiting[k];
    const bool in_line =
        cv.wait_pos != kNpos && cv.wait_pos < line.size() && line.at(cv.wait_pos).conv == c;
    if (cv.wait_pos != kNpos && !in_line) return violation(id + ": bad waiting position");
    switch (cv.status) {
      case proto::ConversationStatus::kQueued:
        if (cv.owner != kNoHandle || cv.offered_to != kNoHandle) {
          return violation(id + ": waiting with an owner or an offer");
        }
        if (!in_line) return violation(id + ": queued but not in its queue's line");
        break;
      case proto::ConversationStatus::kOffered: {
        if (cv.owner != kNoHandle) return violation(id + ": both an owner and an offer");
        if (cv.offered_to >= ops_.size()) return violation(id + ": offered to nobody");
        const Operator& o = ops_[cv.offered_to];
        if (o.status != OperatorStatus::kOnline) {
          return violation(id + ": pending offer held by " + std::string(to_string(o.status)) +
                           " operator " + o.config.id);
        }
        if (in_line) return violation(id + ": offered and waiting");
        if (cv.offer_token == 0) return violation(id + ": offer without a deadline");
        ++counted[cv.offered_to][k];
        ++offers[cv.offered_to];
        break;
      }
      case proto::ConversationStatus::kAssigned:
        if (cv.offered_to != kNoHandle) return violation(id + ": both an owner and an offer");
        if (cv.owner >= ops_.size()) return violation(id + ": assigned to nobody");
        if (in_line) return violation(id + ": assigned and waiting");
        ++counted[cv.owner][k];
        break;
      case proto::ConversationStatus::kResolved:
        return violation(id + ": resolved but still routed");
    }
  }
  if (in_use != conv_by_id_.size()) return violation("conversation id index size");

  for (Handle op = 0; op < ops_.size(); ++op) {
    const Operator& o = ops_[op];
    const std::string& id = o.config.id;
    // Its lists and the conversations pointing at it are the same sets.
    if (o.offers.size() != offers[op] ||
        o.offers.size() + o.owned.size() != counted[op][0] + counted[op][1] ||
        !distinct(o.offers) || !distinct(o.owned)) {
      return violation(id + ": a conversation is listed twice or held by two operators");
    }
    for (Handle c : o.offers) {
      if (c >= convs_.size() || convs_[c].offered_to != op) return violation(id + ": stray offer");
    }
    for (Handle c : o.owned) {
      if (c >= convs_.size() || convs_[c].owner != op) return violation(id + ": stray owned");
    }
    for (int k = 0; k < kChannelKinds; ++k) {
      const auto kind = static_cast<ChannelKind>(k);
      if (o.load[k] != counted[op][k]) return violation(id + ": load out of step");
      if (o.load[k] > o.config.capacity.of(kind)) {
        return violation(id + ": over " + std::string(to_string(kind)) + " capacity");
      }
    }
    if (o.status == OperatorStatus::kOffline && !o.offers.empty()) {
      return violation(id + ": offline with pending offers");
    }
    // The candidate index holds exactly the operators that could take work.
    for (const Member& m : o.members) {
      for (int k = 0; k < kChannelKinds; ++k) {
        const auto kind = static_cast<ChannelKind>(k);
        const auto& heap = queues_[m.queue].candidates[k];
        const bool want = indexable(o, m, kind);
        const std::uint32_t at = pos(m, k);
        if (!want && at != kNpos) return violation(id + ": indexed but not a candidate");
        if (want && (at >= heap.size() || heap.at(at).op != op || heap.at(at).member != m.id)) {
          return violation(id + ": a candidate missing from the index");
        }
        if (want && heap.at(at).key != candidate_key(o, m, kind)) {
          return violation(id + ": stale index key");
        }
      }
    }
  }
  for (const Queue& q : queues_) {
    for (int k = 0; k < kChannelKinds; ++k) {
      if (!q.candidates[k].is_heap() || !q.waiting[k].is_heap()) {
        return violation(q.config.name + ": heap order broken");
      }
      std::size_t indexed = 0;
      for (const Operator& o : ops_) {
        for (const Member& m : o.members) indexed += &queues_[m.queue] == &q && pos(m, k) != kNpos;
      }
      if (indexed != q.candidates[k].size()) return violation(q.config.name + ": stray candidate");
    }
  }

  // Never skipped: no operator that could take a waiting conversation now is
  // left free. Decided from configured names, not from the index.
  for (const Conv& cv : convs_) {
    if (!cv.in_use || cv.status != proto::ConversationStatus::kQueued) continue;
    const QueueConfig& qc = queues_[cv.queue].config;
    for (Handle op = 0; op < ops_.size(); ++op) {
      const Operator& o = ops_[op];
      const auto& names = o.config.queues;
      if (o.status != OperatorStatus::kOnline ||
          std::find(names.begin(), names.end(), qc.name) == names.end() ||
          !has_all_skills(o.config, qc) ||
          o.load[static_cast<int>(cv.kind)] >= o.config.capacity.of(cv.kind) || cooled(cv, op)) {
        continue;
      }
      return violation(cv.id + " waits in " + qc.name + " though " + o.config.id +
                       " could take it");
    }
  }
  return Status::ok();
}

}  // namespace sb::router::routing

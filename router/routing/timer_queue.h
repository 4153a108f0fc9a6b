// TimerQueue: deadlines in a binary min-heap with lazy deletion.
//
// Cancelling a timer is O(1): its owner forgets the token, and the stale
// entry is dropped when it reaches the top (or by compact(), which the owner
// calls when stale entries outnumber live ones, so memory stays O(live)).
// Entries are ordered by (at, kind, order): equal deadlines fire in a fixed
// order that survives a restart, because `order` is persisted (conversation
// arrival sequence or operator creation sequence). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "proto/model.h"

namespace sb::router::routing {

enum class TimerKind : std::uint8_t {
  kOfferExpiry = 0,   // target: conversation
  kOverflow = 1,      // target: conversation
  kCooldownEnd = 2,   // target: conversation (waiting, an operator's cool-down ends)
  kOfflineGrace = 3,  // target: operator
};

struct Timer {
  proto::TimeMs at = 0;
  TimerKind kind = TimerKind::kOfferExpiry;
  std::uint64_t order = 0;
  std::uint32_t target = 0;  // conversation slot or operator handle
  std::uint64_t token = 0;   // valid while the target still holds this token
};

class TimerQueue {
 public:
  void push(const Timer& t) {
    v_.push_back(t);
    std::push_heap(v_.begin(), v_.end(), later);
  }
  bool empty() const { return v_.empty(); }
  std::size_t size() const { return v_.size(); }
  const Timer& top() const { return v_.front(); }
  void pop() {
    std::pop_heap(v_.begin(), v_.end(), later);
    v_.pop_back();
  }
  // Keeps only the entries `live` accepts. O(n).
  template <class Live>
  void compact(Live&& live) {
    std::erase_if(v_, [&](const Timer& t) { return !live(t); });
    std::make_heap(v_.begin(), v_.end(), later);
  }
  const std::vector<Timer>& entries() const { return v_; }

 private:
  static bool later(const Timer& a, const Timer& b) {
    if (a.at != b.at) return a.at > b.at;
    if (a.kind != b.kind) return a.kind > b.kind;
    return a.order > b.order;
  }
  std::vector<Timer> v_;
};

}  // namespace sb::router::routing

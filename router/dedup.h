// DedupWindow remembers which platform deliveries were already accepted, for
// a sliding window of time, so that a platform's retry is absorbed.
//
// Keys are exact (channel, event id) strings, never hashes: a collision would
// silently drop a customer's message. Memory is bounded by the window: marks
// older than it are forgotten in insertion order. Single-threaded: owned by one
// shard.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "proto/model.h"

namespace sb::router {

class DedupWindow {
 public:
  explicit DedupWindow(proto::TimeMs window_ms) : window_ms_(window_ms) {}

  // True if (channel, event_id) was inserted and has not expired.
  bool contains(std::string_view channel, std::string_view event_id) const;
  // Records a delivery accepted at `at`. Marks must arrive in non-decreasing
  // time order, except during recovery (then call expire() afterwards).
  void insert(std::string_view channel, std::string_view event_id, proto::TimeMs at);
  // Forgets marks older than now - window.
  void expire(proto::TimeMs now);
  // Recovery: stages a stored mark (they come in key order, not time order).
  // finish_restore() indexes them all at once, with one reserve() and one
  // sort: about twice as fast as insert() one by one for millions of marks.
  void restore(std::string_view channel, std::string_view event_id, proto::TimeMs at);
  // After recovery restored (or inserted) marks in key order: restores age
  // order. Call expire() afterwards.
  void finish_restore();

  std::size_t size() const { return keys_.size(); }
  proto::TimeMs window_ms() const { return window_ms_; }

 private:
  static std::string make_key(std::string_view channel, std::string_view event_id);

  // Points at the key inside keys_: set nodes never move, and an entry is
  // dropped before its key is erased. A copy would cost 24 more bytes a mark.
  struct Entry {
    proto::TimeMs at;
    const std::string* key;
  };
  proto::TimeMs window_ms_;
  std::unordered_set<std::string> keys_;
  std::deque<Entry> by_age_;
  std::vector<std::pair<proto::TimeMs, std::string>> staged_;  // recovery only
};

}  // namespace sb::router

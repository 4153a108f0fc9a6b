// IndexedHeap: a 4-ary min-heap in one contiguous array whose entries can be
// updated or erased in O(log n) because each entry's owner remembers where it
// is. The owner learns every move through the `moved(entry, index)` callback
// passed to each mutating call (a template parameter, inlined: no
// std::function). `index == kNpos` means "no longer in the heap".
//
// Four children per node halve the depth of a binary heap, and siblings share
// a cache line or two: at 100,000 operators a re-key touches ~7 levels.
//
// find_first() returns the smallest entry a predicate accepts, visiting the
// heap best-first: it looks at no more entries than it rejects, plus one,
// times their four children. Routing uses it to skip the few operators in a
// conversation's cool-down without scanning the queue.
//
// Entry must have a `key` member ordered by operator<. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sb::router::routing {

inline constexpr std::uint32_t kNpos = UINT32_MAX;

template <class Entry>
class IndexedHeap {
  static constexpr std::uint32_t kArity = 4;
  static std::uint32_t parent(std::uint32_t i) { return (i - 1) / kArity; }
  static std::uint32_t first_child(std::uint32_t i) { return kArity * i + 1; }

 public:
  std::size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  const Entry& at(std::uint32_t i) const { return v_[i]; }
  const Entry& top() const { return v_.front(); }

  template <class Moved>
  void push(Entry e, Moved&& moved) {
    v_.push_back(std::move(e));
    sift_up(static_cast<std::uint32_t>(v_.size() - 1), moved);
  }

  template <class Moved>
  void erase(std::uint32_t i, Moved&& moved) {
    moved(v_[i], kNpos);
    const auto last = static_cast<std::uint32_t>(v_.size() - 1);
    if (i != last) {
      v_[i] = std::move(v_[last]);
      v_.pop_back();
      restore(i, moved);
    } else {
      v_.pop_back();
    }
  }

  // Replaces the key of entry i and moves it to its place.
  template <class Key, class Moved>
  void update(std::uint32_t i, const Key& key, Moved&& moved) {
    v_[i].key = key;
    restore(i, moved);
  }

  template <class Accept>
  std::uint32_t find_first(Accept&& accept, std::vector<std::uint32_t>& scratch) const {
    if (v_.empty()) return kNpos;
    if (accept(v_[0])) return 0;  // the common case: nobody to skip
    scratch.clear();
    const auto greater = [this](std::uint32_t a, std::uint32_t b) { return v_[b].key < v_[a].key; };
    const auto visit_children = [&](std::uint32_t i) {
      const std::uint32_t first = first_child(i);
      for (std::uint32_t c = first; c < first + kArity && c < v_.size(); ++c) {
        scratch.push_back(c);
        std::push_heap(scratch.begin(), scratch.end(), greater);
      }
    };
    visit_children(0);
    while (!scratch.empty()) {
      std::pop_heap(scratch.begin(), scratch.end(), greater);
      const std::uint32_t i = scratch.back();
      scratch.pop_back();
      if (accept(v_[i])) return i;
      visit_children(i);
    }
    return kNpos;
  }

  // For invariant checks: every parent <= its children.
  bool is_heap() const {
    for (std::uint32_t i = 1; i < v_.size(); ++i) {
      if (v_[i].key < v_[parent(i)].key) return false;
    }
    return true;
  }

  template <class Moved>
  void clear(Moved&& moved) {
    for (auto& e : v_) moved(e, kNpos);
    v_.clear();
  }

 private:
  template <class Moved>
  void restore(std::uint32_t i, Moved& moved) {
    if (i > 0 && v_[i].key < v_[parent(i)].key) {
      sift_up(i, moved);
    } else {
      sift_down(i, moved);
    }
  }

  template <class Moved>
  void sift_up(std::uint32_t i, Moved& moved) {
    Entry e = std::move(v_[i]);
    while (i > 0) {
      const std::uint32_t up = parent(i);
      if (!(e.key < v_[up].key)) break;
      v_[i] = std::move(v_[up]);
      moved(v_[i], i);
      i = up;
    }
    v_[i] = std::move(e);
    moved(v_[i], i);
  }

  template <class Moved>
  void sift_down(std::uint32_t i, Moved& moved) {
    const auto n = static_cast<std::uint32_t>(v_.size());
    Entry e = std::move(v_[i]);
    while (true) {
      const std::uint32_t first = first_child(i);
      if (first >= n) break;
      std::uint32_t child = first;
      const std::uint32_t end = first + kArity < n ? first + kArity : n;
      for (std::uint32_t c = first + 1; c < end; ++c) {
        if (v_[c].key < v_[child].key) child = c;
      }
      if (!(v_[child].key < e.key)) break;
      v_[i] = std::move(v_[child]);
      moved(v_[i], i);
      i = child;
    }
    v_[i] = std::move(e);
    moved(v_[i], i);
  }

  std::vector<Entry> v_;
};

}  // namespace sb::router::routing

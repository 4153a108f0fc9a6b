// IdIndex: string id -> dense handle, for the ids that arrive with every
// input (conversations, operators).
//
// Open addressing with linear probing over 8-byte slots {hash, handle}. The
// id itself is not copied here: its owner (the conversation or operator
// slot) keeps it, and callers pass `id_of(handle)` to compare. A lookup
// touches one slot (usually one cache line) and the owner's id, where a
// node-based std::unordered_map chases a bucket, a node and a heap string.
// Deletion shifts the following entries back (no tombstones), so probes stay
// short under the constant churn of conversations. Load factor <= 1/2.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace sb::router::routing {

class IdIndex {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;

  std::size_t size() const { return size_; }
  // Ids it holds before the table grows (at a load factor of 1/2).
  std::size_t capacity() const { return slots_.size() / 2; }

  template <class IdOf>
  std::uint32_t find(std::string_view id, const IdOf& id_of) const {
    if (slots_.empty()) return kAbsent;
    const std::uint32_t h = hash(id);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.handle == kAbsent) return kAbsent;
      if (s.hash == h && id_of(s.handle) == id) return s.handle;
    }
  }

  // Precondition: `id` is absent.
  void insert(std::string_view id, std::uint32_t handle) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place(Slot{hash(id), handle});
    ++size_;
  }

  // Removes `id` if present.
  template <class IdOf>
  void erase(std::string_view id, const IdOf& id_of) {
    if (slots_.empty()) return;
    const std::uint32_t h = hash(id);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.handle == kAbsent) return;
      if (s.hash == h && id_of(s.handle) == id) break;
    }
    // Backward shift: move up every later entry whose home is not in (i, j].
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].handle == kAbsent) break;
      const std::size_t home = slots_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
  }

  // Room for `n` ids without growing (recovery knows how many come).
  void reserve(std::size_t n) {
    std::size_t want = 16;
    while (want < 2 * n) want *= 2;
    if (want > slots_.size()) grow_to(want);
  }

  void clear() {
    slots_.clear();
    size_ = 0;
    mask_ = 0;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t handle = kAbsent;
  };

  static std::uint32_t hash(std::string_view id) {
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }

  void place(Slot s) {
    std::size_t i = s.hash & mask_;
    while (slots_[i].handle != kAbsent) i = (i + 1) & mask_;
    slots_[i] = s;
  }

  void grow() { grow_to(slots_.empty() ? 16 : 2 * slots_.size()); }

  void grow_to(std::size_t slots) {  // a power of two
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(slots, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.handle != kAbsent) place(s);  // stored hashes: no id needed
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sb::router::routing

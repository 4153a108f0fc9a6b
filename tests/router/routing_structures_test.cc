// The two index structures under the Dispatcher, against plain references:
// IdIndex against std::map, IndexedHeap (with find_first) against a sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "router/routing/id_index.h"
#include "router/routing/indexed_heap.h"

namespace sb::router::routing {
namespace {

TEST(IdIndexTest, MatchesAMapUnderRandomInsertsAndErases) {
  std::mt19937 rng(7);
  std::vector<std::string> ids;  // handle -> id ("" when free)
  std::map<std::string, std::uint32_t> ref;
  IdIndex index;
  auto id_of = [&](std::uint32_t h) -> std::string_view { return ids[h]; };
  for (int step = 0; step < 200000; ++step) {
    const std::string id = "cv-" + std::to_string(rng() % 3000);
    auto it = ref.find(id);
    if (it == ref.end()) {
      const auto h = static_cast<std::uint32_t>(ids.size());
      ids.push_back(id);
      index.insert(id, h);
      ref.emplace(id, h);
    } else if (rng() % 2 == 0) {
      index.erase(id, id_of);
      ids[it->second].clear();
      ref.erase(it);
    }
    ASSERT_EQ(index.size(), ref.size());
    const std::string probe = "cv-" + std::to_string(rng() % 3000);
    auto want = ref.find(probe);
    ASSERT_EQ(index.find(probe, id_of), want == ref.end() ? IdIndex::kAbsent : want->second)
        << "step " << step << " probe " << probe;
  }
  for (const auto& [id, h] : ref) ASSERT_EQ(index.find(id, id_of), h);
}

TEST(IdIndexTest, ReservingKeepsWhatItHoldsAndFindsWhatComesAfter) {
  std::vector<std::string> ids;
  IdIndex index;
  auto id_of = [&](std::uint32_t h) -> std::string_view { return ids[h]; };
  for (std::uint32_t h = 0; h < 100; ++h) {
    ids.push_back("cv-" + std::to_string(h));
    index.insert(ids.back(), h);
  }
  index.reserve(5000);  // grows the table once, entries re-placed
  const auto reserved = index.capacity();
  EXPECT_GE(reserved, 5000u);
  index.reserve(10);  // never shrinks
  EXPECT_EQ(index.capacity(), reserved);
  for (std::uint32_t h = 100; h < 5000; ++h) {
    ids.push_back("cv-" + std::to_string(h));
    index.insert(ids.back(), h);
  }
  ASSERT_EQ(index.size(), 5000u);
  EXPECT_EQ(index.capacity(), reserved) << "no growth while filling what was reserved";
  for (std::uint32_t h = 0; h < 5000; ++h) ASSERT_EQ(index.find(ids[h], id_of), h);
  EXPECT_EQ(index.find("cv-5000", id_of), IdIndex::kAbsent);
}

struct Item {
  int key = 0;
  std::uint32_t id = 0;
};

TEST(IndexedHeapTest, UpdatesErasesAndFindFirstMatchASortedReference) {
  std::mt19937 rng(11);
  IndexedHeap<Item> heap;
  std::vector<std::uint32_t> pos(500, kNpos);
  std::vector<int> key(500, 0);
  auto moved = [&](const Item& e, std::uint32_t i) { pos[e.id] = i; };
  std::vector<std::uint32_t> scratch;
  for (int step = 0; step < 15000; ++step) {
    const std::uint32_t id = rng() % 500;
    const int k = static_cast<int>(rng() % 100);
    if (pos[id] == kNpos) {
      heap.push(Item{k, id}, moved);
      key[id] = k;
    } else if (rng() % 3 == 0) {
      heap.erase(pos[id], moved);
    } else {
      heap.update(pos[id], k, moved);
      key[id] = k;
    }
    ASSERT_TRUE(heap.is_heap());
    // Every member's position is right, and find_first() skipping the
    // multiples of 3 finds the smallest other key.
    int best = INT32_MAX;
    for (std::uint32_t i = 0; i < 500; ++i) {
      if (pos[i] == kNpos) continue;
      ASSERT_EQ(heap.at(pos[i]).id, i);
      ASSERT_EQ(heap.at(pos[i]).key, key[i]);
      if (key[i] % 3 != 0) best = std::min(best, key[i]);
    }
    const std::uint32_t at = heap.find_first([](const Item& e) { return e.key % 3 != 0; }, scratch);
    if (best == INT32_MAX) {
      ASSERT_EQ(at, kNpos);
    } else {
      ASSERT_NE(at, kNpos);
      ASSERT_EQ(heap.at(at).key, best);
    }
  }
}

}  // namespace
}  // namespace sb::router::routing

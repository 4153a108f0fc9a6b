#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "router/mpsc_queue.h"

namespace sb::router {
namespace {

TEST(BoundedQueue, FifoAndFull) {
  BoundedQueue<int> q(4);
  EXPECT_EQ(q.capacity(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));  // full: refused, never blocks
  for (int i = 0; i < 4; ++i) EXPECT_EQ(q.try_pop(), i);
  EXPECT_FALSE(q.try_pop().has_value());
}

TEST(BoundedQueue, ManyProducersOneConsumerLoseNothing) {
  constexpr int kProducers = 4, kPerProducer = 20000;
  BoundedQueue<int> q(256);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        while (!q.try_push(p * kPerProducer + i)) std::this_thread::yield();
      }
    });
  }
  std::vector<int> last(kProducers, -1);
  int received = 0;
  while (received < kProducers * kPerProducer) {
    auto v = q.try_pop();
    if (!v) {
      std::this_thread::yield();
      continue;
    }
    const int p = *v / kPerProducer, i = *v % kPerProducer;
    ASSERT_GT(i, last[p]) << "per-producer order broken";
    last[p] = i;
    ++received;
  }
  for (auto& t : producers) t.join();
  EXPECT_FALSE(q.try_pop().has_value());
}

}  // namespace
}  // namespace sb::router

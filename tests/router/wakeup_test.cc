// Wakeup: the eventcount that shards and committers sleep on. Producers race
// a sleeping consumer; every item must be seen without relying on the
// consumer's timeout. The consumer waits with a timeout of an hour: a lost
// wake-up leaves it asleep, and the test hangs until ctest's timeout fails it.
#include "router/wakeup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "router/mpsc_queue.h"

namespace sb::router {
namespace {

constexpr std::chrono::milliseconds kForever{3'600'000};

// Many producers, one consumer that sleeps whenever the queue looks empty.
// Only the first producer to find it asleep makes the wake-up syscall; the
// others' items must still be drained (the consumer looks again before it
// sleeps the next time).
TEST(Wakeup, ManyProducersNoItemIsLeftBehind) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 50'000;
  BoundedQueue<int> queue(1024);
  Wakeup wakeup;
  std::atomic<int> sleeps{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        while (!queue.try_push(p * kPerProducer + i)) std::this_thread::yield();
        wakeup.notify();
        if (i % 64 == 0) std::this_thread::yield();  // let the consumer fall asleep often
      }
    });
  }
  std::vector<bool> seen(kProducers * kPerProducer, false);
  int received = 0;
  while (received < kProducers * kPerProducer) {
    while (auto v = queue.try_pop()) {
      ASSERT_FALSE(seen[*v]) << *v;
      seen[*v] = true;
      ++received;
    }
    if (received == kProducers * kPerProducer) break;
    const auto token = wakeup.prepare();
    if (!queue.empty_approx()) {
      wakeup.cancel();
      continue;
    }
    sleeps.fetch_add(1);
    wakeup.wait(token, kForever);
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(received, kProducers * kPerProducer);
  EXPECT_GT(sleeps.load(), 0) << "the consumer never slept: the race was not exercised";
}

// A notify with nobody asleep is not remembered as a wake-up for later: the
// next sleep still needs its own notify (here from a producer that pushes
// after the consumer has prepared).
TEST(Wakeup, ANotifyReachesAConsumerThatPreparedBeforeIt) {
  BoundedQueue<int> queue(8);
  Wakeup wakeup;
  wakeup.notify();  // nobody asleep: no effect
  const auto token = wakeup.prepare();
  ASSERT_TRUE(queue.empty_approx());
  std::thread producer([&] {
    ASSERT_TRUE(queue.try_push(7));
    wakeup.notify();
  });
  wakeup.wait(token, kForever);
  producer.join();
  EXPECT_EQ(queue.try_pop(), std::optional<int>(7));
}

}  // namespace
}  // namespace sb::router

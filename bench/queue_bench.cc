// router::BoundedQueue, the lock-free hand-off from I/O threads to a shard.
// The queue carries Command* in the daemon; a pointer-sized integer here.
// Capacity is the shard's default (ShardOptions::queue_capacity).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <thread>
#include <vector>

#include "bench/bench_stats.h"
#include "router/mpsc_queue.h"

namespace {

using Queue = sb::router::BoundedQueue<std::uintptr_t>;
constexpr std::size_t kCapacity = 16384;

// One push and one pop on one thread: the uncontended cost of each.
void BM_Queue_PushPop(benchmark::State& state) {
  Queue queue(kCapacity);
  std::uintptr_t value = 0;
  for (auto _ : state) {
    if (!queue.try_push(++value)) return state.SkipWithError("full");
    auto out = queue.try_pop();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

// Push a burst, then drain it, as a shard drains what queued up while it was
// committing the previous batch. Items are counted once (push + pop).
void BM_Queue_Burst(benchmark::State& state) {
  const auto burst = static_cast<std::uintptr_t>(state.range(0));
  Queue queue(kCapacity);
  for (auto _ : state) {
    for (std::uintptr_t i = 0; i < burst; ++i) {
      if (!queue.try_push(i)) return state.SkipWithError("full");
    }
    for (std::uintptr_t i = 0; i < burst; ++i) {
      auto out = queue.try_pop();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Two producer threads (I/O threads) push into one queue that the benchmark
// thread drains (the shard), on this 2-core machine: 3 runnable threads.
// One iteration moves kPerProducer items from each producer. A full queue
// makes a producer yield and retry (the daemon would answer 503 instead);
// an empty one makes the consumer yield. Threads are started per iteration;
// that costs tens of microseconds against milliseconds of queue traffic.
constexpr std::uintptr_t kPerProducer = 1 << 15;
constexpr int kProducers = 2;

void BM_Queue_TwoProducers(benchmark::State& state) {
  Queue queue(kCapacity);
  std::uint64_t full_retries = 0, empty_polls = 0;
  bool fifo_ok = true;
  for (auto _ : state) {
    std::array<std::uint64_t, kProducers> retries{};
    std::vector<std::jthread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&queue, &retries, p] {
        // The high bits name the producer; the low bits count its items.
        const std::uintptr_t tag = static_cast<std::uintptr_t>(p) << 32;
        std::uint64_t mine = 0;  // local: no false sharing while pushing
        for (std::uintptr_t i = 0; i < kPerProducer; ++i) {
          while (!queue.try_push(tag | i)) {
            ++mine;
            std::this_thread::yield();
          }
        }
        retries[p] = mine;
      });
    }
    // Each producer's items must come out in the order it pushed them.
    std::array<std::uintptr_t, kProducers> expected{};
    for (std::uintptr_t received = 0; received < kPerProducer * kProducers;) {
      auto v = queue.try_pop();
      if (!v) {
        ++empty_polls;
        std::this_thread::yield();
        continue;
      }
      const auto p = static_cast<std::size_t>(*v >> 32);
      fifo_ok = fifo_ok && p < kProducers && (*v & 0xffffffffu) == expected[p];
      if (p < kProducers) ++expected[p];
      ++received;
    }
    producers.clear();  // join
    for (auto r : retries) full_retries += r;
  }
  if (!fifo_ok) state.SkipWithError("per-producer order was not kept");
  const auto items = state.iterations() * static_cast<std::int64_t>(kPerProducer * kProducers);
  state.SetItemsProcessed(items);
  const auto per_item = [&](std::uint64_t n) {
    return static_cast<double>(n) / static_cast<double>(items);
  };
  state.counters["full_retries_per_item"] = per_item(full_retries);
  state.counters["empty_polls_per_item"] = per_item(empty_polls);
}

BENCHMARK(BM_Queue_PushPop)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Queue_Burst)->Arg(64)->Arg(1024)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Queue_TwoProducers)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Apply(sb::bench::with_min_max);

}  // namespace

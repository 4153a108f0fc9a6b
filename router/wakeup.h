// Wakeup: lets a shard thread sleep when its queue is empty and be woken by a
// producer, with a deadline (for timers), without a mutex: an eventcount on a
// Linux futex. A producer pays a syscall only when the consumer sleeps, and
// only the first one to find it asleep (one consumer per Wakeup).
//
//   consumer: auto t = w.prepare(); if (!q.empty()) w.cancel(); else w.wait(t, timeout);
//   producer: q.push(x); w.notify();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sb::router {

class Wakeup {
 public:
  std::uint32_t prepare();
  void cancel();
  // Sleeps until notify() after prepare(), or the timeout.
  void wait(std::uint32_t token, std::chrono::milliseconds timeout);
  void notify();

 private:
  // Bit 0: the consumer is about to sleep or asleep; the rest: the epoch,
  // which every wake-up moves on. One word, so that one atomic step both
  // clears the flag and changes what the consumer sleeps on.
  std::atomic<std::uint32_t> state_{0};
};

}  // namespace sb::router

#include "router/wakeup.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

namespace sb::router {

namespace {
// A full barrier between a store and a later load (the eventcount's Dekker
// handshake). ThreadSanitizer does not model fences, so under it the same
// ordering comes from a seq_cst read-modify-write on one shared atomic.
void full_fence() {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<int> barrier{0};
  barrier.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

long futex(std::atomic<std::uint32_t>* addr, int op, std::uint32_t val, const timespec* ts) {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), op, val, ts, nullptr, 0);
}

constexpr std::uint32_t kSleeping = 1;  // bit 0 of state_; the epoch counts in steps of 2
}  // namespace

std::uint32_t Wakeup::prepare() {
  // The flag and the epoch it goes with are set and read in one step, so
  // that a producer who clears the flag always changes the value wait()
  // sleeps on: a late notify (for an item already taken) cannot use up this
  // sleep's flag without also waking it.
  const std::uint32_t token = state_.fetch_or(kSleeping, std::memory_order_seq_cst) | kSleeping;
  full_fence();
  return token;
}

void Wakeup::cancel() { state_.fetch_and(~kSleeping, std::memory_order_relaxed); }

void Wakeup::wait(std::uint32_t token, std::chrono::milliseconds timeout) {
  if (timeout.count() > 0) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
    futex(&state_, FUTEX_WAIT_PRIVATE, token, &ts);
  }
  state_.fetch_and(~kSleeping, std::memory_order_relaxed);
}

void Wakeup::notify() {
  full_fence();
  // Only a producer that finds the consumer asleep wakes it, and only the
  // first of them: the compare-exchange moves the epoch on and clears the
  // flag at once, so the others see no flag and skip the syscall (their
  // items are taken when the consumer drains on waking, since it looks at
  // the queue again before it sleeps next). Under load most notifies used to
  // be a FUTEX_WAKE that found nobody waiting (strace under wrk: 2 of 3).
  std::uint32_t s = state_.load(std::memory_order_seq_cst);
  while ((s & kSleeping) != 0) {
    if (state_.compare_exchange_weak(s, (s + 2) & ~kSleeping, std::memory_order_seq_cst)) {
      futex(&state_, FUTEX_WAKE_PRIVATE, 1, nullptr);
      return;
    }
  }
}

}  // namespace sb::router

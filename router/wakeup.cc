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
}  // namespace

std::uint32_t Wakeup::prepare() {
  sleeping_.store(true, std::memory_order_seq_cst);
  full_fence();
  return epoch_.load(std::memory_order_seq_cst);
}

void Wakeup::cancel() { sleeping_.store(false, std::memory_order_relaxed); }

void Wakeup::wait(std::uint32_t token, std::chrono::milliseconds timeout) {
  if (timeout.count() > 0) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
    futex(&epoch_, FUTEX_WAIT_PRIVATE, token, &ts);
  }
  sleeping_.store(false, std::memory_order_relaxed);
}

void Wakeup::notify() {
  full_fence();
  // Only the first producer to find the consumer asleep wakes it: the others'
  // items are in the queue it drains on waking (it prepares again, and looks
  // at the queue, before it sleeps next). Under load most notifies used to be
  // a FUTEX_WAKE that found nobody waiting (strace of an I/O thread under
  // wrk: 2 of 3), each a syscall.
  if (sleeping_.load(std::memory_order_seq_cst) && sleeping_.exchange(false, std::memory_order_seq_cst)) {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    futex(&epoch_, FUTEX_WAKE_PRIVATE, 1, nullptr);
  }
}

}  // namespace sb::router

#include "router/committer.h"

#include <chrono>
#include <utility>

#include "proto/thread_name.h"
#include "router/shard.h"

namespace sb::router {

namespace {
// The committer sleeps this long at most when idle (stop() also wakes it).
constexpr std::chrono::milliseconds kIdleWake{200};
}  // namespace

Committer::Committer(storage::Db& db, ShardStats& stats, std::atomic<bool>& healthy,
                     std::size_t max_in_flight, CompletionWindow window)
    : db_(db),
      stats_(stats),
      healthy_(healthy),
      synchronous_(max_in_flight == 0),
      max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight),
      window_(std::move(window)),
      queue_(max_in_flight_ + 1) {}

Committer::~Committer() { stop(); }

void Committer::start(std::string thread_name) {
  if (synchronous_) return;
  thread_ = std::thread([this, name = std::move(thread_name)] {
    proto::name_this_thread(name);
    run();
  });
}

void Committer::stop() {
  stopping_.store(true, std::memory_order_release);
  work_.notify();
  if (thread_.joinable()) thread_.join();
}

void Committer::wait_for_room(std::size_t limit) {
  while (in_flight_.load(std::memory_order_acquire) > limit) {
    const auto token = room_.prepare();
    if (in_flight_.load(std::memory_order_acquire) <= limit) {
      room_.cancel();
      break;
    }
    room_.wait(token, kIdleWake);
  }
}

void Committer::submit(std::unique_ptr<PreparedBatch> batch) {
  if (synchronous_) {
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    std::vector<PreparedBatch*> group{batch.release()};
    commit(group);
    return;
  }
  wait_for_room(max_in_flight_ - 1);
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  // Cannot fail: at most max_in_flight batches are queued and the ring is larger.
  (void)queue_.try_push(batch.release());
  work_.notify();
}

void Committer::drain() { wait_for_room(0); }

void Committer::run() {
  std::vector<PreparedBatch*> group;
  for (;;) {
    while (auto next = queue_.try_pop()) group.push_back(*next);
    if (group.empty()) {
      if (stopping_.load(std::memory_order_acquire)) {
        if (queue_.empty_approx()) return;
        continue;
      }
      const auto token = work_.prepare();
      if (!queue_.empty_approx() || stopping_.load(std::memory_order_acquire)) {
        work_.cancel();
        continue;
      }
      work_.wait(token, kIdleWake);
      continue;
    }

    commit(group);
    group.clear();
  }
}

void Committer::commit(std::vector<PreparedBatch*>& group) {
  auto& writes = writes_;  // reused: commit() runs on one thread only
  writes.clear();
  Status st = failed() ? Status::unavailable("storage writes are failing") : Status::ok();
  for (auto* b : group) {
    if (st.is_ok() && !b->prepare_status.is_ok()) st = b->prepare_status;
    if (!b->write.empty()) writes.push_back(&b->write);
  }
  if (!st.is_ok() && !failed()) {
    failed_.store(true, std::memory_order_release);
    healthy_.store(false, std::memory_order_release);
  }
  // Batches of reads only still wait their turn, so that no answer reflects
  // a change that is not yet on disk, but they cost no write.
  if (st.is_ok() && !writes.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    st = db_.write(writes);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::size_t commands = 0;
    for (auto* b : group) commands += b->commands;
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    stats_.commit_micros_total.fetch_add(static_cast<std::uint64_t>(micros),
                                         std::memory_order_relaxed);
    stats_.commit_micros.observe(static_cast<std::uint64_t>(micros));
    stats_.commit_commands.observe(commands);
    if (!st.is_ok()) {
      stats_.commit_failures.fetch_add(1, std::memory_order_relaxed);
      // Every batch after this one was built on it: all of them fail until
      // the shard has rebuilt its state from disk.
      failed_.store(true, std::memory_order_release);
      healthy_.store(false, std::memory_order_release);
    }
  }
  for (auto* b : group) stats_.commands.fetch_add(b->commands, std::memory_order_relaxed);
  struct Window {  // closed also if a completion throws
    const CompletionWindow& w;
    explicit Window(const CompletionWindow& x) : w(x) {
      if (w.open) w.open();
    }
    ~Window() {
      if (w.close) w.close();
    }
  } window(window_);
  if (st.is_ok()) {
    for (auto* b : group) {
      for (auto& fn : b->after_commit) fn();
    }
  }
  for (auto* b : group) {
    if (b->complete) b->complete(st);
    delete b;
  }
  in_flight_.fetch_sub(group.size(), std::memory_order_acq_rel);
  room_.notify();
}

}  // namespace sb::router

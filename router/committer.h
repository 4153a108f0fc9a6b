// Committer: makes a shard's batches durable, then completes them: each
// batch's after_commit functions, then its completion. So no answer, frame
// or reply ever reflects a change that is not on disk.
//
// Synchronous (max_in_flight 0, the shard's default): submit() writes the
// batch with one fsync on the caller's (the shard's) thread and completes it
// before returning. Commands that arrive meanwhile queue up at the shard and
// make its next batch, so batches grow with the load (group commit) and no
// batch changes threads.
//
// Threaded (max_in_flight N > 0): submit() hands the batch to the
// committer's own thread and the shard goes on routing the next commands
// while it writes. Whatever batches have queued up meanwhile are written
// together, in order, as one RocksDB WriteBatch with one fsync.
//
// Threaded, memory runs ahead of disk by at most `max_in_flight` batches
// (synchronous, by none). When a write fails, that batch and every batch
// submitted after it (built on top of it) fail; failed() stays true until
// the shard has drained, rebuilt its state from disk, and called reset().
//
// Thread-safety: submit(), failed(), drain(), reset() and stop() are for the
// owning shard thread (stop() for whoever stops the shard, once); the hand-off
// is a lock-free queue and a futex eventcount, no mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proto/change.h"
#include "router/mpsc_queue.h"
#include "router/wakeup.h"
#include "storage/db.h"

namespace sb::router {

struct ShardStats;

// Brackets the after_commit work and completions of one group commit, on the
// thread that runs them (ShardOptions::completion_window). Either may be empty.
struct CompletionWindow {
  std::function<void()> open;
  std::function<void()> close;
};

struct PreparedBatch {
  storage::PreparedWrite write;  // the batch's change sets, encoded by the shard (Db::prepare)
  Status prepare_status;         // not ok: encoding failed; the batch fails like a failed write
  std::size_t commands = 0;
  // Run in order once the write is durable (never after a failed one): the
  // after_commit work of every batch of a group commit runs before the first
  // completion of the group. E.g. publishing the batch's frames.
  std::vector<std::function<void()>> after_commit;
  // Runs on the committer thread after the write: the commands' completions.
  std::function<void(const Status&)> complete;
};

class Committer {
 public:
  Committer(storage::Db& db, ShardStats& stats, std::atomic<bool>& healthy,
            std::size_t max_in_flight, CompletionWindow window = {});
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Starts the committer thread, named `thread_name` (at most 15 bytes
  // kept); nothing when synchronous.
  void start(std::string thread_name);
  // Writes and completes what was submitted, then joins.
  void stop();

  // Synchronous: writes and completes the batch before returning. Threaded:
  // blocks while max_in_flight batches wait to be written (back-pressure).
  void submit(std::unique_ptr<PreparedBatch> batch);
  // True from a failed write until reset().
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Blocks until every submitted batch has been completed.
  void drain();
  // After drain(), once the shard's state is rebuilt from disk.
  void reset() { failed_.store(false, std::memory_order_release); }

 private:
  void run();
  // Writes `group` as one batch, then runs its after_commit work and completions.
  void commit(std::vector<PreparedBatch*>& group);
  void wait_for_room(std::size_t limit);

  storage::Db& db_;
  ShardStats& stats_;
  std::atomic<bool>& healthy_;
  const bool synchronous_;  // max_in_flight 0: submit() writes on the caller's thread
  std::size_t max_in_flight_;
  CompletionWindow window_;
  // commit()'s list of the group's writes, kept for its capacity. commit()
  // runs on the shard's thread (synchronous) or the committer's, never both.
  std::vector<storage::PreparedWrite*> writes_;
  BoundedQueue<PreparedBatch*> queue_;
  Wakeup work_;                            // shard -> committer: a batch is queued
  Wakeup room_;                            // committer -> shard: batches were completed
  std::atomic<std::size_t> in_flight_{0};  // submitted, not yet completed
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sb::router

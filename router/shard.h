// Shard: one thread that owns the routing state of a subset of tenants.
//
// I/O threads reach it only through submit(), a lock-free bounded queue. The
// shard drains what has queued up and applies each command to its tenants'
// state (router core, no I/O). Its Committer then writes the resulting
// changes as one RocksDB batch with one fsync (group commit) and only then
// runs each command's completion: by default on the shard thread itself,
// while the next commands queue up; with max_batches_in_flight > 0 on a
// committer thread while the shard routes the next ones. If a write fails,
// every command built on it fails and the shard reloads its tenants from
// disk, so nothing unwritten is ever answered or kept.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "router/commands.h"
#include "router/committer.h"
#include "router/directory.h"
#include "router/mpsc_queue.h"
#include "router/stats_histogram.h"
#include "router/wakeup.h"
#include "storage/db.h"

namespace sb::router {

struct ShardOptions {
  std::size_t queue_capacity = 16384;
  std::size_t max_batch = 1024;  // commands per group commit
  TenantOptions tenant;
  std::function<proto::TimeMs()> clock;          // wall clock in ms; injected for tests
  std::function<bool(const std::string&)> owns;  // which tenants are this shard's (for reload)
  // 0 (the default): the shard thread writes each batch itself and goes on
  // with what queued up meanwhile (run to completion: no hand-off per batch).
  // N > 0: a committer thread of the shard's own writes while the shard
  // applies the next batches, at most N of them ahead of the disk
  // (router/committer.h). On two cores the first made 14-18 % more webhooks/s
  // for less CPU each (docs/performance-history.md, session 9).
  std::size_t max_batches_in_flight = 0;
  // Called on the shard thread for every change set once it is encoded for
  // its write; the set may be moved from (the write holds its bytes). Returns
  // what runs once the set is durable, in commit order, before the commands'
  // completions (streams publish from there), or an empty function. Work done
  // here (building frames) is done before the write, not after it, where the
  // next batch waits for it.
  std::function<std::function<void()>(proto::ChangeSet&)> after_commit;
  // Optional. Called on the thread that runs a group commit's after_commit
  // work and completions, before the first and after the last of them, so
  // that the adapters can hand what those produce to other threads in one go
  // (adapters/deferred_post.h).
  CompletionWindow completion_window;
};

// Counters read by /metrics from other threads (relaxed atomics).
struct ShardStats {
  std::atomic<std::uint64_t> commands{0};
  std::atomic<std::uint64_t> events_stored{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> commit_micros_total{0};
  // Per group commit that wrote: its RocksDB write in microseconds (fsync
  // included) and how many commands it carried. An acknowledgement waits for
  // the write in progress and then its own, so the first bounds the ack tail
  // (docs/performance-history.md, session 11). Finer below 5 ms, where a disk's fsync
  // usually falls.
  StatsHistogram commit_micros{100,   200,   300,    400,    500,    750,     1000,   1500,
                               2000,  3000,  4000,   5000,   7500,   10000,   15000,  20000,
                               30000, 50000, 100000, 250000, 500000, 1000000, 2500000};
  StatsHistogram commit_commands{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384};
  // Per command: microseconds from submit() to the shard taking it into a
  // batch. Long waits mean the shard is the bottleneck (each batch it works
  // on makes the next commands wait for its routing, write and completions).
  StatsHistogram queue_wait_micros{50,    100,   200,   300,    500,    750,    1000,
                                   1500,  2000,  3000,  4000,   5000,   7500,   10000,
                                   15000, 25000, 50000, 100000, 250000, 1000000};
  std::atomic<std::uint64_t> rejected_full{0};
  // Summed over the shard's tenants after each batch (TenantState::outbound_*).
  std::atomic<std::uint64_t> outbound_pending{0};
  std::atomic<std::uint64_t> outbound_refused{0};
};

class Shard {
 public:
  Shard(int index, storage::Db& db, Directory& directory, ShardOptions options);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Any thread. False when the queue is full: the caller answers 503.
  bool submit(Command command);

  // Before start(): recovery feeds stored state into the shard's tenants.
  TenantState& tenant_for_restore(const std::string& tenant);
  // Commits the repairs recovery needed; not ok if that write failed.
  Status finish_restore(proto::TimeMs now);

  void start();
  // Stops taking commands, drains and commits what was queued, joins.
  void stop();

  const ShardStats& stats() const { return stats_; }
  // Before start() only: each tenant's last event-log seq.
  std::vector<std::pair<std::string, std::uint64_t>> last_seqs() const;
  // Before start() only: each tenant's table sizes (storage::TableSizes).
  std::vector<std::pair<std::string, storage::TableSizes>> table_sizes() const;
  std::size_t queue_depth() const { return queue_.size_approx(); }
  // False from a failed commit until the shard has resumed storage and
  // rebuilt its state (readiness reports it). Any thread.
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  int index() const { return index_; }

 private:
  struct Pending;
  // A command in the queue, with when it was submitted (for queue_wait_micros).
  struct Queued {
    Command command;
    std::chrono::steady_clock::time_point at;
  };
  void run();
  void process_batch(std::vector<Queued*>& batch);
  void fail_all(std::vector<Queued*>& batch, const Status& st);
  Status reload();
  void complete(std::vector<Pending>& pending, const Status& st);
  void fire_timers(proto::TimeMs now, std::vector<proto::ChangeSet>& sets);
  void publish_outbound_stats();
  // How long the shard may sleep: until the next routing deadline, at most kIdleWake.
  std::chrono::milliseconds sleep_budget() const;
  TenantState& tenant(const std::string& id);

  int index_;
  storage::Db& db_;
  Directory& directory_;
  ShardOptions options_;
  BoundedQueue<Queued*> queue_;
  Wakeup wakeup_;
  std::atomic<bool> stopping_{false};                          // submit() refuses from now on
  std::atomic<int> submitters_{0};                             // submit() calls under way
  std::atomic<bool> drained_{false};                           // stopping and no submit() under way
  bool needs_reload_ = false;                                  // shard thread only
  std::uint64_t refused_before_reload_ = 0;                    // shard thread only
  std::chrono::steady_clock::time_point next_recovery_try_{};  // shard thread only
  std::atomic<bool> healthy_{true};
  std::thread thread_;
  ShardStats stats_;
  Committer committer_;  // after stats_ and healthy_, which it uses
  std::unordered_map<std::string, std::unique_ptr<TenantState>> tenants_;
};

}  // namespace sb::router

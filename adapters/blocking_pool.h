// BlockingPool: a few threads for work that blocks on disk (RocksDB reads for
// stream replay and API reads), so that it never runs on an I/O thread or a
// shard thread. Tasks run in no particular order. Thread-safe.
#pragma once

#include <functional>
#include <memory>

namespace sb::adapters {

class BlockingPool {
 public:
  explicit BlockingPool(int threads);
  ~BlockingPool();  // stop()
  void run(std::function<void()> task);
  // Runs what is queued, then joins the threads; tasks given later never run.
  // The daemon calls it before the I/O threads stop: replay tasks post to
  // stream connections.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::adapters

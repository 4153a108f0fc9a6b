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
  ~BlockingPool();  // waits for queued tasks
  void run(std::function<void()> task);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::adapters

// FaultInjection: a RocksDB file system under the daemon's database that makes
// every write fail with "no space left" while a switch file exists. Reads keep
// working, as on a full disk. It serves chaos drills (storage.fault_injection_file)
// and the storage-fault tests of issue 6: they create the file to fill the
// "disk" and remove it to free it, against the real binary.
//
// The switch is checked by a watcher thread every 20 ms, so the write path only
// loads an atomic flag. Thread-safe. Must outlive the database using env().
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace rocksdb {
class Env;
}

namespace sb::storage {

class FaultInjection {
 public:
  explicit FaultInjection(std::string switch_file);
  ~FaultInjection();
  FaultInjection(const FaultInjection&) = delete;
  FaultInjection& operator=(const FaultInjection&) = delete;

  // The Env to open the database with.
  rocksdb::Env* env() const { return env_.get(); }
  // True while writes fail (the switch file was seen).
  bool failing() const { return failing_->load(std::memory_order_acquire); }

 private:
  void watch();

  std::string switch_file_;
  std::shared_ptr<std::atomic<bool>> failing_;
  std::unique_ptr<rocksdb::Env> env_;
  std::atomic<bool> stop_{false};
  std::thread watcher_;
};

}  // namespace sb::storage

#include "storage/fault_injection.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>
#include <sys/stat.h>

#include <chrono>

namespace sb::storage {

namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

IOStatus no_space() { return IOStatus::NoSpace("injected: storage.fault_injection_file exists"); }

// Every way of putting bytes on disk fails while the flag is up.
class FailingFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FailingFile(std::unique_ptr<rocksdb::FSWritableFile>&& f,
              std::shared_ptr<std::atomic<bool>> failing)
      : FSWritableFileOwnerWrapper(std::move(f)), failing_(std::move(failing)) {}

  IOStatus Append(const Slice& d, const IOOptions& o, IODebugContext* dbg) override {
    return down() ? no_space() : target()->Append(d, o, dbg);
  }
  IOStatus Append(const Slice& d, const IOOptions& o, const rocksdb::DataVerificationInfo& v,
                  IODebugContext* dbg) override {
    return down() ? no_space() : target()->Append(d, o, v, dbg);
  }
  IOStatus PositionedAppend(const Slice& d, uint64_t off, const IOOptions& o,
                            IODebugContext* dbg) override {
    return down() ? no_space() : target()->PositionedAppend(d, off, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& d, uint64_t off, const IOOptions& o,
                            const rocksdb::DataVerificationInfo& v, IODebugContext* dbg) override {
    return down() ? no_space() : target()->PositionedAppend(d, off, o, v, dbg);
  }
  IOStatus Flush(const IOOptions& o, IODebugContext* dbg) override {
    return down() ? no_space() : target()->Flush(o, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    return down() ? no_space() : target()->Sync(o, dbg);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return down() ? no_space() : target()->Fsync(o, dbg);
  }
  IOStatus RangeSync(uint64_t off, uint64_t n, const IOOptions& o, IODebugContext* dbg) override {
    return down() ? no_space() : target()->RangeSync(off, n, o, dbg);
  }

 private:
  bool down() const { return failing_->load(std::memory_order_acquire); }
  std::shared_ptr<std::atomic<bool>> failing_;
};

class FailingFs final : public rocksdb::FileSystemWrapper {
 public:
  FailingFs(std::shared_ptr<rocksdb::FileSystem> base, std::shared_ptr<std::atomic<bool>> failing)
      : FileSystemWrapper(base), failing_(std::move(failing)) {}
  const char* Name() const override { return "SwitchboardFaultInjection"; }

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& fo,
                           std::unique_ptr<rocksdb::FSWritableFile>* r,
                           IODebugContext* dbg) override {
    return wrap(target()->NewWritableFile(f, fo, r, dbg), r);
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& fo,
                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                              IODebugContext* dbg) override {
    return wrap(target()->ReopenWritableFile(f, fo, r, dbg), r);
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                             const rocksdb::FileOptions& fo,
                             std::unique_ptr<rocksdb::FSWritableFile>* r,
                             IODebugContext* dbg) override {
    return wrap(target()->ReuseWritableFile(f, old, fo, r, dbg), r);
  }

 private:
  IOStatus wrap(IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (!s.ok()) return s;
    if (failing_->load(std::memory_order_acquire)) {
      r->reset();
      return no_space();
    }
    *r = std::make_unique<FailingFile>(std::move(*r), failing_);
    return s;
  }
  std::shared_ptr<std::atomic<bool>> failing_;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

FaultInjection::FaultInjection(std::string switch_file)
    : switch_file_(std::move(switch_file)),
      failing_(std::make_shared<std::atomic<bool>>(exists(switch_file_))) {
  env_ = rocksdb::NewCompositeEnv(
      std::make_shared<FailingFs>(rocksdb::FileSystem::Default(), failing_));
  watcher_ = std::thread([this] { watch(); });
}

FaultInjection::~FaultInjection() {
  stop_.store(true, std::memory_order_release);
  if (watcher_.joinable()) watcher_.join();
}

void FaultInjection::watch() {
  while (!stop_.load(std::memory_order_acquire)) {
    failing_->store(exists(switch_file_), std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sb::storage

#include "storage/wal_files.h"

#include <fcntl.h>
#include <rocksdb/file_system.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "proto/thread_name.h"

namespace sb::storage {

namespace {

constexpr const char* kSparePrefix = "SB-WAL-SPARE-";

bool is_wal(const std::string& fname) {
  return fname.size() > 4 && fname.compare(fname.size() - 4, 4, ".log") == 0;
}

// Writes `bytes` of zeros to a new file at `path` and makes them durable; false
// (and nothing left behind) on any error. Through the page cache, so that the
// WAL's writes of partial pages find them there instead of reading them from
// the disk. 128 KiB at a time, each written out and waited for before the
// next: a WAL fdatasync that queues behind one waits for 128 KiB, not for a
// burst of dirty zeros (written in one go, the spare's writeback stalled the
// acknowledgements behind it). One fdatasync at the end flushes the disk's
// cache and the file's allocation.
bool write_zeros(const std::string& path, std::uint64_t bytes, const std::atomic<bool>& stop) {
  constexpr std::size_t kChunk = 128 << 10;
  static const std::vector<char> zeros(kChunk, 0);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = true;
  for (std::uint64_t done = 0; ok && done < bytes && !stop.load(std::memory_order_relaxed);) {
    const auto w = ::write(fd, zeros.data(), kChunk);
    ok = w == static_cast<ssize_t>(kChunk) &&
         ::sync_file_range(
             fd, static_cast<off_t>(done), kChunk,
             SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0;
    done += kChunk;
  }
  ok = ok && !stop.load(std::memory_order_relaxed) && ::fdatasync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok) ::unlink(path.c_str());
  return ok;
}

class PrezeroedWalFs final : public rocksdb::FileSystemWrapper {
 public:
  PrezeroedWalFs(std::shared_ptr<rocksdb::FileSystem> base, std::string dir,
                 PrezeroedWalOptions options)
      : FileSystemWrapper(std::move(base)), dir_(std::move(dir)), options_(options) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      if (e.path().filename().string().rfind(kSparePrefix, 0) == 0)
        std::filesystem::remove(e.path(), ec);
    }
    thread_ = std::thread([this] { run(); });
  }

  ~PrezeroedWalFs() override {
    {
      std::lock_guard lock(mu_);
      stop_.store(true, std::memory_order_relaxed);
    }
    cv_.notify_all();
    thread_.join();
    for (const auto& s : ready_) ::unlink(s.c_str());
  }

  static const char* kClassName() { return "SbPrezeroedWalFs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (is_wal(fname)) {
      std::string spare;
      {
        std::lock_guard lock(mu_);
        ++wal_files_;
        if (!ready_.empty()) {
          spare = std::move(ready_.front());
          ready_.pop_front();
        }
      }
      cv_.notify_one();
      if (!spare.empty()) {
        // Opens the spare without truncating it and renames it to the WAL's
        // name: RocksDB writes from offset 0 over the zeros.
        auto s = target()->ReuseWritableFile(fname, spare, options, result, dbg);
        if (s.ok()) {
          used_.fetch_add(1, std::memory_order_relaxed);
          return s;
        }
        ::unlink(spare.c_str());
      }
    }
    return target()->NewWritableFile(fname, options, result, dbg);
  }

  int ready() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(ready_.size());
  }
  std::int64_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  void run() {
    proto::name_this_thread("sb-wal-spares");
    // Its CPU (copying zeros) yields to the shard and the I/O threads.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
    std::uint64_t n = 0;
    std::unique_lock lock(mu_);
    while (!stop_.load(std::memory_order_relaxed)) {
      if (wal_files_ < options_.start_after_wal_files ||
          static_cast<int>(ready_.size()) >= options_.spares) {
        cv_.wait(lock);
        continue;
      }
      const std::string path = dir_ + "/" + kSparePrefix + std::to_string(++n);
      lock.unlock();
      const bool ok = write_zeros(path, options_.file_bytes, stop_);
      lock.lock();
      if (ok) {
        ready_.push_back(path);
      } else if (!stop_.load(std::memory_order_relaxed)) {
        // The disk refused (full?): try again later, WALs are created plainly meanwhile.
        cv_.wait_for(lock, std::chrono::seconds(1));
      }
    }
  }

  const std::string dir_;
  const PrezeroedWalOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;
  int wal_files_ = 0;  // WAL files RocksDB created so far (under mu_)
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> used_{0};
  std::thread thread_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> make_prezeroed_wal_fs(
    std::shared_ptr<rocksdb::FileSystem> base, std::string dir, PrezeroedWalOptions options) {
  return std::make_shared<PrezeroedWalFs>(std::move(base), std::move(dir), options);
}

int prezeroed_wal_spares_ready(const rocksdb::FileSystem& fs) {
  const auto* p = dynamic_cast<const PrezeroedWalFs*>(&fs);
  return p ? p->ready() : -1;
}

std::int64_t prezeroed_wal_files_used(const rocksdb::FileSystem& fs) {
  const auto* p = dynamic_cast<const PrezeroedWalFs*>(&fs);
  return p ? p->used() : -1;
}

}  // namespace sb::storage

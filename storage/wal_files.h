// PrezeroedWal: a RocksDB file system wrapper that hands every new write-ahead
// log a file whose blocks are already written (zeros), prepared in advance by
// a background thread.
//
// Why: every group commit ends in an fdatasync of the WAL. Appending to a file
// changes its size, so on ext4 that fdatasync also writes the inode: two
// device round trips before the cache flush instead of one. Writing over
// blocks that already hold data leaves the size alone (measured here: 136
// against 200 us per fdatasync, p99 205 against 250-850 us; docs/performance-history.md,
// session 11). RocksDB's own WAL recycling does this, but 7.8 allows it only
// with a recovery mode that skips corrupted records anywhere in the log, and
// crashed its flush thread when tried.
//
// Safety: a spare is zero-filled and fdatasync'ed before it is used, so after
// a crash the log ends in zeros, never in stale data; RocksDB's log reader
// skips zero-filled blocks as padding, and a record torn by the crash is
// handled as before (point-in-time recovery stops there). On a clean close
// RocksDB truncates the log to what it wrote. Spares live in the database
// directory under a name RocksDB ignores; leftovers of a crashed run are
// removed at start. When no spare is ready (the thread fell behind), a WAL is
// created the usual way.
//
// Thread-safe: RocksDB calls in from its writer and background threads; the
// spare list takes a mutex only when a WAL file is created (a few times per
// second at most), never per write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace rocksdb {
class FileSystem;
}

namespace sb::storage {

struct PrezeroedWalOptions {
  std::uint64_t file_bytes = 24ull << 20;  // each spare's size: a WAL grows past it if it must
  int spares = 2;                          // kept ready
  // Spares are first made once RocksDB has created this many WAL files in
  // this process (one at open, one more per memtable switch), so that a
  // database that never fills a memtable (tests, an idle daemon) never
  // writes them. 0: at once.
  int start_after_wal_files = 2;
};

// Wraps `base` for the database in `dir`. The result must outlive the database.
std::shared_ptr<rocksdb::FileSystem> make_prezeroed_wal_fs(
    std::shared_ptr<rocksdb::FileSystem> base, std::string dir, PrezeroedWalOptions options);

// Spares ready now (for tests): a wrapper made by make_prezeroed_wal_fs, else -1.
int prezeroed_wal_spares_ready(const rocksdb::FileSystem& fs);
// WAL files that got a spare (for tests and the log), else -1.
std::int64_t prezeroed_wal_files_used(const rocksdb::FileSystem& fs);

}  // namespace sb::storage

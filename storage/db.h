// Db: Switchboard's RocksDB store. One database, one column family per kind
// of record (events, messages, contacts, conversations, dedup, meta); the key
// layout is in storage/keys.h and docs/storage.md.
//
// Thread-safety: all methods are safe to call concurrently (RocksDB is), but
// they block on disk, so only shard threads and start-up recovery call them,
// never an I/O thread. Every rocksdb::Status is translated to sb::Status in
// db.cc and nowhere else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "proto/change.h"
#include "proto/status.h"

namespace sb::storage {

struct DbOptions {
  // fsync the WAL before commit() returns. Off only in benchmarks that say so.
  bool sync = true;
  // Chaos drills and storage-fault tests: while this file exists, every write
  // to the database fails with "no space left" (storage/fault_injection.h).
  std::string fault_injection_file;
  // The dedup window (TenantOptions::dedup_window_ms). When > 0, compactions
  // of the dedup CF drop marks older than it, so that the CF holds about one
  // window of marks rather than every delivery ever seen, and recovery does
  // not walk (and delete) a backlog of expired marks. 0: they stay until
  // recovery deletes them.
  std::int64_t dedup_window_ms = 0;
  // How many threads call write() at once (the daemon: one committer per
  // shard). With one, RocksDB's pipelined write is only overhead: it lets a
  // group's WAL write overlap the previous group's memtable inserts, which
  // needs a second writer to have anything to overlap.
  std::size_t concurrent_writers = 1;
  // New write-ahead logs go into files already written with zeros, so that a
  // group commit's fdatasync does not also write the inode
  // (storage/wal_files.h). Spares are made only once the first memtable has
  // been switched. Off by default: it writes every WAL byte twice, and on the
  // reference machine it traded a lower median for a slightly higher ack p99
  // at half the peak (docs/performance-history.md, session 11).
  bool prezeroed_wal = false;
};

// How many rows a tenant's in-memory tables held when the daemon last
// started: a sizing hint, so that the next recovery reserves its tables once
// instead of growing them row by row. Stale or missing is harmless; recover()
// never hands back more than about twice what the tables' CFs hold.
struct TableSizes {
  std::uint64_t contacts = 0;
  std::uint64_t identities = 0;
  std::uint64_t conversations = 0;
};

// What recovery hands back, tenant by tenant. Called in key order per CF:
// meta, contacts, conversations, routing, dedup, then the last seq.
class RecoveryVisitor {
 public:
  virtual ~RecoveryVisitor() = default;
  virtual void on_channel(const std::string& tenant, proto::ChannelConfig c) = 0;
  // From the meta CF, so before the tenant's contacts and conversations.
  virtual void on_table_sizes(const std::string& /*tenant*/, TableSizes /*sizes*/) {}
  virtual void on_contact(const std::string& tenant, proto::Contact c) = 0;
  virtual void on_identity(const std::string& tenant, proto::IdentityLink l) = 0;
  virtual void on_conversation(const std::string& tenant, proto::Conversation c) = 0;
  virtual void on_dedup(const std::string& tenant, proto::DedupMark m) = 0;
  virtual void on_last_seq(const std::string& tenant, std::uint64_t seq) = 0;
  virtual void on_routing(const std::string& tenant, proto::RoutingRecord r) = 0;
  // Replies not yet delivered (state "pending", or "sending": an attempt was
  // under way).
  virtual void on_outbox(const std::string& /*tenant*/, proto::OutboxItem /*item*/) {}
};

// The encoded records of some change sets, built by Db::prepare() on the
// thread that made the changes and written later by Db::write() on another
// (the shard's committer), so that encoding does not load the writer.
// Move-only; valid across a reopen of the database.
class PreparedWrite {
 public:
  PreparedWrite();
  ~PreparedWrite();
  PreparedWrite(PreparedWrite&&) noexcept;
  PreparedWrite& operator=(PreparedWrite&&) noexcept;
  bool empty() const;

 private:
  friend class Db;
  struct Batch;
  std::unique_ptr<Batch> batch_;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> open(const std::string& dir, DbOptions options = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Writes every change of every set as one atomic WriteBatch (group commit).
  Status commit(std::span<const proto::ChangeSet* const> sets);
  Status commit(const proto::ChangeSet& set);
  // The same in two steps: prepare() encodes (any thread), write() writes the
  // prepared groups in order and returns once all are durable (one fsync at
  // the end). On failure none of them is acknowledged; some may have reached
  // the WAL, as with any failed write.
  Status prepare(std::span<const proto::ChangeSet* const> sets, PreparedWrite& out);
  Status write(std::span<PreparedWrite* const> writes);

  // After a failed write (e.g. disk full) RocksDB refuses writes until it is
  // resumed; this asks it to, and is ok if the database is healthy.
  Status resume();

  // Replays stored state into `v`. Dedup marks older than `dedup_since` are
  // deleted instead of replayed.
  Status recover(RecoveryVisitor& v, proto::TimeMs dedup_since);
  // Stores each tenant's table sizes for the next recovery, in one batch and
  // without an fsync of its own: a hint, made durable by the next synced
  // write or by a clean close.
  Status put_table_sizes(const std::vector<std::pair<std::string, TableSizes>>& sizes);

  // Event log entries of `tenant` with seq > after, in order, at most `limit`.
  Status read_log(const std::string& tenant, std::uint64_t after, std::size_t limit,
                  std::vector<proto::LogEntry>& out);
  // Messages of one conversation, oldest first.
  Status read_messages(const std::string& tenant, const std::string& conversation,
                       std::vector<proto::Message>& out);
  // A contact's timeline: the log entries indexed under it with seq > after,
  // oldest first, at most `limit`.
  Status read_timeline(const std::string& tenant, const std::string& contact, std::uint64_t after,
                       std::size_t limit, std::vector<proto::LogEntry>& out);
  // The same over several contacts' timelines as one (a contact and those
  // merged into it): seq order, each entry once, at most `limit`.
  Status read_timelines(const std::string& tenant, const std::vector<std::string>& contacts,
                        std::uint64_t after, std::size_t limit, std::vector<proto::LogEntry>& out);
  // Every outbox item of a tenant (tests, tools).
  Status read_outbox(const std::string& tenant, std::vector<proto::OutboxItem>& out);
  // Number of dedup marks stored for a tenant (tests and metrics).
  Result<std::uint64_t> count_dedup(const std::string& tenant);
  // Compacts the dedup CF now, dropping expired marks (tests and tools;
  // RocksDB otherwise does it in the background).
  Status compact_dedup();

  // Pre-zeroed WAL spares (DbOptions::prezeroed_wal), for metrics: WAL files
  // that were given a spare since open, and spares ready now. -1 when the
  // option is off. Any thread.
  std::int64_t wal_files_from_spares() const;
  int wal_spares_ready() const;

 private:
  struct Impl;
  explicit Db(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::storage

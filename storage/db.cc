#include "storage/db.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "proto/codec.h"
#include "storage/conversation_merge.h"
#include "storage/fault_injection.h"
#include "storage/keys.h"
#include "storage/wal_files.h"

namespace sb::storage {

namespace {

// The one place where RocksDB's status becomes ours.
Status to_status(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  std::string m(what);
  m += ": ";
  m += s.ToString();
  if (s.IsNotFound()) return Status::not_found(std::move(m));
  if (s.IsCorruption()) return Status::corruption(std::move(m));
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::unavailable(std::move(m));
  return Status::io_error(std::move(m));
}

enum Cf : std::size_t {
  kDefault,
  kEvents,
  kMessages,
  kContacts,
  kConversations,
  kDedup,
  kMeta,
  kRouting,
  kTimeline,
  kOutbox,
  kCount
};
constexpr const char* kCfNames[kCount] = {"default",       "events", "messages", "contacts",
                                          "conversations", "dedup",  "meta",     "routing",
                                          "timeline",      "outbox"};

constexpr std::size_t kBatchHeader = 12;  // WriteBatch rep: sequence (8) + count (4)

const Status kReopening = Status::unavailable("storage is being reopened after a write failure");

std::string be64(std::uint64_t v) {
  std::string s;
  keys::append_be64(s, v);
  return s;
}

// A messages-CF value is either a full Message record (JSON, so it starts
// with '{'; what versions before this one wrote for every message) or an
// index entry: this marker and the message's event_id, its content being the
// "message" of the log entry with the same seq. Storing it once, in the
// frame, took over a quarter of an inbound event's bytes off the write path
// (2,007 to 1,448 bytes of WAL per webhook; docs/performance-history.md, session 7).
constexpr char kMessageIndexMark = '\x01';

std::string message_index_value(const proto::Message& m) {
  std::string v(1, kMessageIndexMark);
  v += m.event_id;
  return v;
}

// Drops the dedup marks (value: accepted-at ms, be64) that are older than the
// window when RocksDB compacts the dedup CF: the same rule as recovery's and
// as the DedupWindow's in memory. Stateless, so safe on any compaction thread.
class ExpiredDedupFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiredDedupFilter(std::int64_t window_ms) : window_ms_(window_ms) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    const auto at = keys::read_be64(value.ToStringView());
    if (!at) return false;  // not ours to judge: recovery reports it
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    return static_cast<std::int64_t>(*at) < now - window_ms_;
  }
  const char* Name() const override { return "switchboard.ExpiredDedupFilter"; }

 private:
  std::int64_t window_ms_;
};

// The key up to and including its n-th '\0' (keys.h: names never contain
// one). Given to RocksDB as the memtable's insert hint: keys that share such
// a prefix arrive in order (a tenant's log seqs, a conversation's messages, a
// contact's timeline), so each insert starts where the last one of its prefix
// ended instead of searching the skip list from the top. The profile had that
// search (FindSpliceForLevel) as the largest single cost of the write path.
class SeparatorPrefix final : public rocksdb::SliceTransform {
 public:
  explicit SeparatorPrefix(int separators)
      : separators_(separators),
        name_("switchboard.SeparatorPrefix." + std::to_string(separators)) {}
  const char* Name() const override { return name_.c_str(); }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), end_of_prefix(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return end_of_prefix(key) != 0; }

 private:
  // Length of the prefix, 0 if the key has fewer separators.
  std::size_t end_of_prefix(const rocksdb::Slice& key) const {
    int seen = 0;
    for (std::size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '\0' && ++seen == separators_) return i + 1;
    }
    return 0;
  }
  int separators_;
  std::string name_;
};

// A format byte, then three be64 counts. Another format (a later daemon's)
// is not read: the hint is only worth having when it is certain.
constexpr char kTableSizesFormat = '\x01';

std::string encode_table_sizes(const TableSizes& s) {
  std::string v(1, kTableSizesFormat);
  for (auto n : {s.contacts, s.identities, s.conversations}) keys::append_be64(v, n);
  return v;
}

std::optional<TableSizes> decode_table_sizes(std::string_view v) {
  if (v.size() != 25 || v[0] != kTableSizesFormat) return std::nullopt;
  TableSizes s;
  s.contacts = *keys::read_be64(v.substr(1, 8));
  s.identities = *keys::read_be64(v.substr(9, 8));
  s.conversations = *keys::read_be64(v.substr(17, 8));
  return s;
}

}  // namespace

struct Db::Impl {
  std::string dir;
  DbOptions options;
  std::shared_ptr<const rocksdb::SliceTransform> by_tenant = std::make_shared<SeparatorPrefix>(1);
  std::shared_ptr<const rocksdb::SliceTransform> by_second_component =
      std::make_shared<SeparatorPrefix>(2);
  std::unique_ptr<FaultInjection> faults;       // outlives db (declared first)
  std::shared_ptr<rocksdb::FileSystem> wal_fs;  // outlives db too; over faults' if any
  std::unique_ptr<rocksdb::Env> wal_env;
  std::unique_ptr<ExpiredDedupFilter> dedup_filter;  // outlives db too
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  // Reopening after an error RocksDB cannot resume from needs the instance to
  // itself: callers register in `users` (two uncontended atomic ops, no lock),
  // and the reopener waits for them to leave.
  std::atomic<int> users{0};
  std::atomic<bool> reopening{false};
  std::atomic<std::uint64_t> generation{0};  // opens so far

  ~Impl() {
    // A clean stop leaves nothing in the WAL for the next start to replay
    // (up to max_total_wal_size: seconds of start-up). Best effort: after a
    // storage failure this fails and the WAL is replayed as after a crash.
    if (db && !reopening.load()) (void)db->Flush(rocksdb::FlushOptions(), cf);
    close();
  }

  Status open_rocks() {
    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    opts.IncreaseParallelism(2);
    // Many small batches from several shards: let RocksDB pipeline their
    // write groups. With one writer it costs more than it overlaps
    // (docs/performance-history.md, session 7: 7 % more webhooks/s without it).
    opts.enable_pipelined_write = options.concurrent_writers > 1;
    // Vector memtables and insert hints (below) need writers to fill the
    // memtables one at a time. With one shard (the default) there is only one
    // writer anyway; with several, the leader of a RocksDB write group now
    // inserts the whole group's batches itself instead of each writer in
    // parallel (not measured with several shards).
    opts.allow_concurrent_memtable_write = false;
    opts.max_total_wal_size = 256ull << 20;
    opts.keep_log_file_num = 4;
    // A memtable flush writes tens of MiB of SST; left to the end of the
    // file, its writeback lands at once and the WAL's next fdatasync waits
    // behind it on the disk. Syncing flush and compaction output every MiB
    // spreads it out (RocksDB's tuning guide; ack p99 in docs/performance-history.md,
    // session 9).
    opts.bytes_per_sync = 1 << 20;
    // 16 MiB memtables instead of 64: on a virtual disk every flush slows the
    // write path for as long as it lasts (the ack p99 of a run is set by the
    // seconds with a flush), and a quarter of the flush is a quarter of the
    // stall. Throughput was the same (docs/performance-history.md, session 9); it
    // also bounds memtable memory and the log replayed after a crash.
    opts.write_buffer_size = 16 << 20;
    if (faults) opts.env = faults->env();
    if (options.prezeroed_wal) {
      if (!wal_env) {  // kept across reopens: its spares stay valid
        wal_fs = make_prezeroed_wal_fs(opts.env->GetFileSystem(), dir, PrezeroedWalOptions{});
        wal_env = rocksdb::NewCompositeEnv(wal_fs);
      }
      opts.env = wal_env.get();
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const char* name : kCfNames) descs.emplace_back(name, rocksdb::ColumnFamilyOptions(opts));
    // The memtable is most of the committer's time (profile in
    // docs/performance.md). CFs read while serving get a skip list with an
    // insert hint (keys.h: their keys arrive in order per prefix); CFs read
    // only by recovery's scans get an append-only vector, sorted once when
    // it is flushed or scanned, instead of a skip-list search per insert.
    // A hint costs a splice in the memtable's arena (counted in its size) and
    // a small map node per distinct prefix, until the memtable is flushed.
    descs[kEvents].options.memtable_insert_with_hint_prefix_extractor = by_tenant;
    descs[kMessages].options.memtable_insert_with_hint_prefix_extractor = by_second_component;
    descs[kTimeline].options.memtable_insert_with_hint_prefix_extractor = by_second_component;
    for (Cf c : {kContacts, kConversations, kDedup, kRouting}) {
      descs[c].options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
    }
    descs[kConversations].options.merge_operator = conversation_merge_operator();
    if (options.dedup_window_ms > 0) {
      if (!dedup_filter)
        dedup_filter = std::make_unique<ExpiredDedupFilter>(options.dedup_window_ms);
      descs[kDedup].options.compaction_filter = dedup_filter.get();
      // Files that no write pushes into a compaction are rewritten (and
      // filtered) at least daily.
      descs[kDedup].options.periodic_compaction_seconds = 24 * 3600;
    }
    rocksdb::DB* raw = nullptr;
    cf.clear();
    auto s = rocksdb::DB::Open(rocksdb::DBOptions(opts), dir, descs, &cf, &raw);
    if (!s.ok()) return to_status(s, "open " + dir);
    db.reset(raw);
    generation.fetch_add(1, std::memory_order_seq_cst);
    return Status::ok();
  }

  // Whether the disk takes writes again: a small file written and synced
  // through the same Env as the database (so injected faults apply too).
  Status probe_write() {
    rocksdb::Env* env = faults ? faults->env() : rocksdb::Env::Default();
    const std::string path = dir + "/WRITE_PROBE";
    std::unique_ptr<rocksdb::WritableFile> f;
    auto s = env->NewWritableFile(path, &f, rocksdb::EnvOptions());
    if (s.ok()) s = f->Append("probe");
    if (s.ok()) s = f->Sync();
    if (f) (void)f->Close();
    (void)env->DeleteFile(path);
    return to_status(s, "write probe");
  }
  void close() {
    for (auto* h : cf) {
      if (h != nullptr && db) (void)db->DestroyColumnFamilyHandle(h);
    }
    cf.clear();
    if (db) (void)db->Close();
    db.reset();
  }

  // Holds the instance open for one call. `ok()` is false while it is being
  // reopened or after a reopen failed: the caller answers kUnavailable.
  class Use {
   public:
    explicit Use(Impl& i) : i_(i) {
      i_.users.fetch_add(1, std::memory_order_seq_cst);
      ok_ = !i_.reopening.load(std::memory_order_seq_cst) && i_.db != nullptr;
    }
    ~Use() { i_.users.fetch_sub(1, std::memory_order_seq_cst); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    bool ok() const { return ok_; }

   private:
    Impl& i_;
    bool ok_ = false;
  };

  void put(rocksdb::WriteBatch& b, Cf c, const std::string& k, const std::string& v) {
    (void)b.Put(cf[c], k, v);
  }

  // The event-log entries at `event_keys`, in one MultiGet: a status each.
  std::vector<rocksdb::Status> get_events(const rocksdb::ReadOptions& ro,
                                          const std::vector<std::string>& event_keys,
                                          std::vector<std::string>& values) {
    std::vector<rocksdb::Slice> slices(event_keys.begin(), event_keys.end());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(slices.size(), cf[kEvents]);
    return db->MultiGet(ro, cfs, slices, &values);
  }

  // `logged`: the seqs of the log entries in the same change set. A message
  // whose entry is among them is stored as an index entry only (its content
  // is that entry's "message"); any other as a full record.
  void add(rocksdb::WriteBatch& b, const std::string& t, const proto::Change& change,
           std::span<const std::uint64_t> logged) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, proto::Contact>) {
            put(b, kContacts, keys::contact(t, x.id), proto::encode(x));
          } else if constexpr (std::is_same_v<T, proto::IdentityLink>) {
            put(b, kContacts, keys::identity(t, x.identity.channel, x.identity.external_id),
                x.contact_id);
          } else if constexpr (std::is_same_v<T, proto::Conversation>) {
            put(b, kConversations, keys::conversation(t, x.id), proto::encode(x));
          } else if constexpr (std::is_same_v<T, proto::ConversationActivity>) {
            (void)b.Merge(cf[kConversations], keys::conversation(t, x.conversation_id),
                          encode_activity(x));
          } else if constexpr (std::is_same_v<T, proto::Message>) {
            const bool in_log = std::find(logged.begin(), logged.end(), x.seq) != logged.end();
            put(b, kMessages, keys::message(t, x.conversation_id, x.seq),
                in_log ? message_index_value(x) : proto::encode(x));
          } else if constexpr (std::is_same_v<T, proto::DedupMark>) {
            put(b, kDedup, keys::dedup(t, x.channel, x.event_id),
                be64(static_cast<std::uint64_t>(x.at)));
          } else if constexpr (std::is_same_v<T, proto::LogEntry>) {
            put(b, kEvents, keys::event(t, x.seq), x.json);
          } else if constexpr (std::is_same_v<T, proto::ChannelConfig>) {
            put(b, kMeta, keys::channel(t, x.name), proto::encode(x));
          } else if constexpr (std::is_same_v<T, proto::TimelineMark>) {
            put(b, kTimeline, keys::timeline(t, x.contact_id, x.seq), std::string());
          } else if constexpr (std::is_same_v<T, proto::OutboxItem>) {
            put(b, kOutbox, keys::outbox(t, x.message_id), proto::encode(x));
          } else if constexpr (std::is_same_v<T, proto::RoutingRecord>) {
            if (x.erase) {
              (void)b.Delete(cf[kRouting], keys::routing(t, x.kind, x.id));
            } else {
              put(b, kRouting, keys::routing(t, x.kind, x.id), x.json);
            }
          }
        },
        change);
  }
};

Db::Db(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Db::~Db() = default;

Result<std::unique_ptr<Db>> Db::open(const std::string& dir, DbOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  if (!options.fault_injection_file.empty()) {
    impl->faults = std::make_unique<FaultInjection>(options.fault_injection_file);
  }
  if (auto st = impl->open_rocks(); !st.is_ok()) return st;
  return std::unique_ptr<Db>(new Db(std::move(impl)));
}

Status Db::commit(std::span<const proto::ChangeSet* const> sets) {
  PreparedWrite w;
  if (auto st = prepare(sets, w); !st.is_ok()) return st;
  PreparedWrite* one[] = {&w};
  return write(one);
}

struct PreparedWrite::Batch {
  rocksdb::WriteBatch batch;
};
PreparedWrite::PreparedWrite() = default;
PreparedWrite::~PreparedWrite() = default;
PreparedWrite::PreparedWrite(PreparedWrite&&) noexcept = default;
PreparedWrite& PreparedWrite::operator=(PreparedWrite&&) noexcept = default;
bool PreparedWrite::empty() const { return !batch_ || batch_->batch.Count() == 0; }

Status Db::prepare(std::span<const proto::ChangeSet* const> sets, PreparedWrite& out) {
  Impl::Use use(*impl_);  // the column family handles; the batch keeps only their ids
  if (!use.ok()) return kReopening;
  out.batch_ = std::make_unique<PreparedWrite::Batch>();
  std::vector<std::uint64_t> logged;
  for (const auto* set : sets) {
    logged.clear();
    for (const auto& c : set->changes) {
      if (const auto* e = std::get_if<proto::LogEntry>(&c)) logged.push_back(e->seq);
    }
    for (const auto& c : set->changes) impl_->add(out.batch_->batch, set->tenant, c, logged);
  }
  return Status::ok();
}

Status Db::write(std::span<PreparedWrite* const> writes) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  std::size_t last = writes.size(), non_empty = 0;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i]->empty()) continue;
    last = i;
    ++non_empty;
  }
  if (non_empty == 0) return Status::ok();
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  if (non_empty == 1)
    return to_status(impl_->db->Write(wo, &writes[last]->batch_->batch), "commit");
  // Several groups become ONE WriteBatch, so that the whole group is atomic
  // and nothing of it is visible before its fsync. A batch's bytes are a
  // 12-byte header (sequence: fixed64, count: fixed32, little-endian) and
  // then its records (rocksdb/db/write_batch.cc): records concatenate.
  std::string rep;
  std::uint32_t count = 0;
  for (auto* w : writes) {
    if (w->empty()) continue;
    const std::string& data = w->batch_->batch.Data();
    if (rep.empty()) {
      rep = data;
    } else {
      rep.append(data, kBatchHeader, std::string::npos);
    }
    count += w->batch_->batch.Count();
  }
  for (int i = 0; i < 4; ++i) rep[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
  rocksdb::WriteBatch merged(std::move(rep));
  return to_status(impl_->db->Write(wo, &merged), "commit");
}

Status Db::commit(const proto::ChangeSet& set) {
  const proto::ChangeSet* one[] = {&set};
  return commit(std::span<const proto::ChangeSet* const>(one));
}

Status Db::resume() {
  const auto generation = impl_->generation.load(std::memory_order_seq_cst);
  {
    Impl::Use use(*impl_);
    if (use.ok()) {
      auto st = to_status(impl_->db->Resume(), "resume");
      if (st.is_ok()) return st;
    }
  }
  // Resume() gives up for good on some errors (e.g. a flush that failed while
  // resuming): close the instance and open it again, which replays the WAL.
  // Only once the disk takes writes again, though: until then the open
  // instance keeps serving reads, and a reopen would only fail.
  if (auto probe = impl_->probe_write(); !probe.is_ok()) return probe;
  bool expected = false;
  if (!impl_->reopening.compare_exchange_strong(expected, true)) return kReopening;
  if (impl_->generation.load(std::memory_order_seq_cst) != generation && impl_->db) {
    impl_->reopening.store(false, std::memory_order_seq_cst);
    return Status::ok();  // another caller reopened it meanwhile: a fresh instance
  }
  while (impl_->users.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  impl_->close();
  auto st = impl_->open_rocks();
  impl_->reopening.store(false, std::memory_order_seq_cst);
  return st;
}

Status Db::put_table_sizes(const std::vector<std::pair<std::string, TableSizes>>& sizes) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::WriteBatch b;
  for (const auto& [tenant, s] : sizes) {
    if (auto st = b.Put(impl_->cf[kMeta], keys::table_sizes(tenant), encode_table_sizes(s));
        !st.ok()) {
      return to_status(st, "table sizes");
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = false;
  return to_status(impl_->db->Write(wo, &b), "write table sizes");
}

Status Db::recover(RecoveryVisitor& v, proto::TimeMs dedup_since) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  auto& db = *impl_->db;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  // Whole-CF scans read the files front to back: large reads after a reboot
  // (cold page cache) instead of one block at a time.
  rocksdb::ReadOptions scan_ro = ro;
  scan_ro.readahead_size = 2 << 20;

  auto scan = [&](Cf c, auto&& fn) -> Status {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(scan_ro, impl_->cf[c]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (auto st = fn(it->key().ToStringView(), it->value().ToStringView()); !st.is_ok()) {
        return st;
      }
    }
    return to_status(it->status(), std::string("scan ") + kCfNames[c]);
  };
  auto bad_key = [](Cf c) { return Status::corruption(std::string("bad key in ") + kCfNames[c]); };
  // A sizing hint never asks for much more than is stored: at most twice
  // RocksDB's key estimate for its CF (estimates are rough), so that a
  // corrupt record cannot make recovery reserve terabytes.
  auto hint_cap = [&](Cf c) {
    std::uint64_t keys = 0;
    (void)db.GetIntProperty(impl_->cf[c], "rocksdb.estimate-num-keys", &keys);
    return 2 * keys + 1024;
  };
  const std::uint64_t contacts_cap = hint_cap(kContacts);
  const std::uint64_t conversations_cap = hint_cap(kConversations);

  if (auto st = scan(kMeta,
                     [&](std::string_view k, std::string_view val) -> Status {
                       auto parts = keys::split(k, 3);
                       if (!parts) return bad_key(kMeta);
                       if (parts->p[1] == "sizes") {
                         // A hint: a value this daemon cannot read is skipped.
                         if (auto s = decode_table_sizes(val)) {
                           s->contacts = std::min(s->contacts, contacts_cap);
                           s->identities = std::min(s->identities, contacts_cap);
                           s->conversations = std::min(s->conversations, conversations_cap);
                           v.on_table_sizes(std::string(parts->p[0]), *s);
                         }
                         return Status::ok();
                       }
                       if (parts->p[1] != "channel") return Status::ok();
                       auto c = proto::decode_channel_config(val);
                       if (!c) return Status::corruption("channel record: " + c.status().message());
                       v.on_channel(std::string(parts->p[0]), std::move(c).value());
                       return Status::ok();
                     });
      !st.is_ok()) {
    return st;
  }

  if (auto st = scan(kContacts,
                     [&](std::string_view k, std::string_view val) -> Status {
                       auto head = keys::split(k, 3);
                       if (!head) return bad_key(kContacts);
                       const std::string tenant(head->p[0]);
                       if (head->p[1] == "c") {
                         auto c = proto::decode_contact(val);
                         if (!c)
                           return Status::corruption("contact record: " + c.status().message());
                         v.on_contact(tenant, std::move(c).value());
                       } else if (head->p[1] == "i") {
                         auto rest = keys::split(head->p[2], 2);
                         if (!rest) return bad_key(kContacts);
                         v.on_identity(tenant, proto::IdentityLink{{std::string(rest->p[0]),
                                                                    std::string(rest->p[1])},
                                                                   std::string(val)});
                       }
                       return Status::ok();
                     });
      !st.is_ok()) {
    return st;
  }

  if (auto st = scan(kConversations,
                     [&](std::string_view k, std::string_view val) -> Status {
                       auto parts = keys::split(k, 2);
                       if (!parts) return bad_key(kConversations);
                       if (!val.empty() && val[0] == kActivityMark) {
                         return Status::corruption("conversation activity without its record: " +
                                                   std::string(parts->p[1]));
                       }
                       auto c = proto::decode_conversation(val);
                       if (!c)
                         return Status::corruption("conversation record: " + c.status().message());
                       v.on_conversation(std::string(parts->p[0]), std::move(c).value());
                       return Status::ok();
                     });
      !st.is_ok()) {
    return st;
  }

  if (auto st = scan(kRouting,
                     [&](std::string_view k, std::string_view val) -> Status {
                       auto parts = keys::split(k, 3);
                       if (!parts || parts->p[1].size() != 1) return bad_key(kRouting);
                       v.on_routing(std::string(parts->p[0]),
                                    proto::RoutingRecord{parts->p[1][0], std::string(parts->p[2]),
                                                         std::string(val)});
                       return Status::ok();
                     });
      !st.is_ok()) {
    return st;
  }

  if (auto st = scan(kOutbox,
                     [&](std::string_view k, std::string_view val) -> Status {
                       auto parts = keys::split(k, 2);
                       if (!parts) return bad_key(kOutbox);
                       auto item = proto::decode_outbox_item(val);
                       if (!item)
                         return Status::corruption("outbox record: " + item.status().message());
                       if (item->state == "pending" || item->state == "sending")
                         v.on_outbox(std::string(parts->p[0]), std::move(item).value());
                       return Status::ok();
                     });
      !st.is_ok()) {
    return st;
  }

  rocksdb::WriteBatch expired;
  if (auto st = scan(
          kDedup,
          [&](std::string_view k, std::string_view val) -> Status {
            auto parts = keys::split(k, 3);
            auto at = keys::read_be64(val);
            if (!parts || !at) return bad_key(kDedup);
            const auto ts = static_cast<proto::TimeMs>(*at);
            if (ts < dedup_since) {
              (void)expired.Delete(impl_->cf[kDedup], rocksdb::Slice(k.data(), k.size()));
              return Status::ok();
            }
            v.on_dedup(std::string(parts->p[0]),
                       proto::DedupMark{std::string(parts->p[1]), std::string(parts->p[2]), ts});
            return Status::ok();
          });
      !st.is_ok()) {
    return st;
  }
  if (expired.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = impl_->options.sync;
    if (auto st = to_status(db.Write(wo, &expired), "expire dedup"); !st.is_ok()) return st;
  }

  // The last seq of each tenant: walk the events CF tenant by tenant, jumping
  // from the end of one tenant's range to the next without reading entries.
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, impl_->cf[kEvents]));
  it->SeekToFirst();
  while (it->Valid()) {
    auto parts = keys::split(it->key().ToStringView(), 2);
    if (!parts) return bad_key(kEvents);
    const std::string tenant(parts->p[0]);
    std::string upper = keys::tenant_prefix(tenant);
    upper.append(8, '\xff');
    it->SeekForPrev(upper);
    if (!it->Valid()) break;
    auto last = keys::split(it->key().ToStringView(), 2);
    auto seq = last ? keys::read_be64(last->p[1]) : std::nullopt;
    if (!seq) return bad_key(kEvents);
    v.on_last_seq(tenant, *seq);
    // Next tenant: the smallest key after "tenant\x01".
    std::string next(tenant);
    next.push_back('\x01');
    it->Seek(next);
  }
  return to_status(it->status(), "scan events");
}

Status Db::read_log(const std::string& tenant, std::uint64_t after, std::size_t limit,
                    std::vector<proto::LogEntry>& out) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::ReadOptions ro;
  const std::string prefix = keys::tenant_prefix(tenant);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kEvents]));
  for (it->Seek(keys::event(tenant, after + 1)); it->Valid() && out.size() < limit; it->Next()) {
    auto k = it->key().ToStringView();
    if (!k.starts_with(prefix)) break;
    auto seq = keys::read_be64(k.substr(prefix.size()));
    if (!seq) return Status::corruption("bad key in events");
    out.push_back(proto::LogEntry{*seq, it->value().ToString()});
  }
  return to_status(it->status(), "read log");
}

Status Db::read_messages(const std::string& tenant, const std::string& conversation,
                         std::vector<proto::Message>& out) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::ReadOptions ro;
  const std::string prefix = keys::message_prefix(tenant, conversation);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kMessages]));
  // Full records decode in place; index entries are completed from the log
  // in one MultiGet, in order.
  const std::size_t first = out.size();
  std::vector<std::size_t> indexed;  // positions in `out` waiting for their log entry
  std::vector<std::string> event_keys;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const auto k = it->key().ToStringView();
    if (!k.starts_with(prefix)) break;
    const auto v = it->value().ToStringView();
    if (!v.empty() && v[0] == kMessageIndexMark) {
      const auto seq = keys::read_be64(k.substr(prefix.size()));
      if (!seq) return Status::corruption("bad key in messages");
      proto::Message m;
      m.seq = *seq;
      m.event_id = std::string(v.substr(1));
      indexed.push_back(out.size());
      event_keys.push_back(keys::event(tenant, *seq));
      out.push_back(std::move(m));
      continue;
    }
    auto m = proto::decode_message(v);
    if (!m) return Status::corruption("message record: " + m.status().message());
    out.push_back(std::move(m).value());
  }
  if (auto st = to_status(it->status(), "read messages"); !st.is_ok()) return st;
  if (indexed.empty()) return Status::ok();
  std::vector<std::string> values;
  const auto statuses = impl_->get_events(ro, event_keys, values);
  for (std::size_t i = 0; i < indexed.size(); ++i) {
    if (auto st = to_status(statuses[i], "read message's log entry"); !st.is_ok()) {
      out.resize(first);
      return st.code() == Code::kNotFound ? Status::corruption(st.message()) : st;
    }
    auto m = proto::decode_frame_message(values[i]);
    auto& slot = out[indexed[i]];
    if (!m || m->seq != slot.seq) {
      out.resize(first);
      return Status::corruption("message " + std::to_string(slot.seq) +
                                ": its log entry holds no message" +
                                (m ? std::string() : ": " + m.status().message()));
    }
    m->event_id = std::move(slot.event_id);
    slot = std::move(m).value();
  }
  return Status::ok();
}

Status Db::read_timeline(const std::string& tenant, const std::string& contact, std::uint64_t after,
                         std::size_t limit, std::vector<proto::LogEntry>& out) {
  return read_timelines(tenant, {contact}, after, limit, out);
}

Status Db::read_timelines(const std::string& tenant, const std::vector<std::string>& contacts,
                          std::uint64_t after, std::size_t limit,
                          std::vector<proto::LogEntry>& out) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  // One snapshot for every timeline: an entry committed between two of the
  // reads must not show up in one page while an earlier one is missing (a
  // cursor past it would skip it for good).
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = contacts.size() > 1 ? impl_->db->GetSnapshot() : nullptr;
  ro.snapshot = snapshot;
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() {
      if (s != nullptr) db->ReleaseSnapshot(s);
    }
  } release{impl_->db.get(), snapshot};

  // The seqs first (keys only); each timeline's first `limit` hold the
  // union's first `limit`. Then the entries of those seqs in one MultiGet.
  std::vector<std::uint64_t> seqs;
  for (const auto& contact : contacts) {
    const std::string prefix = keys::timeline_prefix(tenant, contact);
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kTimeline]));
    std::size_t taken = 0;
    for (it->Seek(keys::timeline(tenant, contact, after + 1)); it->Valid() && taken < limit;
         it->Next(), ++taken) {
      auto k = it->key().ToStringView();
      if (!k.starts_with(prefix)) break;
      auto seq = keys::read_be64(k.substr(prefix.size()));
      if (!seq) return Status::corruption("bad key in timeline");
      seqs.push_back(*seq);
    }
    if (auto st = to_status(it->status(), "read timeline"); !st.is_ok()) return st;
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  if (seqs.size() > limit) seqs.resize(limit);
  if (seqs.empty()) return Status::ok();
  std::vector<std::string> event_keys;
  event_keys.reserve(seqs.size());
  for (auto seq : seqs) event_keys.push_back(keys::event(tenant, seq));
  std::vector<std::string> values;
  const auto statuses = impl_->get_events(ro, event_keys, values);
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (auto st = to_status(statuses[i], "read timeline entry"); !st.is_ok()) return st;
    out.push_back(proto::LogEntry{seqs[i], std::move(values[i])});
  }
  return Status::ok();
}

Status Db::read_outbox(const std::string& tenant, std::vector<proto::OutboxItem>& out) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::ReadOptions ro;
  const std::string prefix = keys::tenant_prefix(tenant);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kOutbox]));
  for (it->Seek(prefix); it->Valid() && it->key().ToStringView().starts_with(prefix); it->Next()) {
    auto item = proto::decode_outbox_item(it->value().ToStringView());
    if (!item) return Status::corruption("outbox record: " + item.status().message());
    out.push_back(std::move(item).value());
  }
  return to_status(it->status(), "read outbox");
}

Result<std::uint64_t> Db::count_dedup(const std::string& tenant) {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::ReadOptions ro;
  const std::string prefix = keys::tenant_prefix(tenant);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kDedup]));
  std::uint64_t n = 0;
  for (it->Seek(prefix); it->Valid() && it->key().ToStringView().starts_with(prefix); it->Next())
    ++n;
  if (auto st = to_status(it->status(), "count dedup"); !st.is_ok()) return st;
  return n;
}

Status Db::compact_dedup() {
  Impl::Use use(*impl_);
  if (!use.ok()) return kReopening;
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return to_status(impl_->db->CompactRange(o, impl_->cf[kDedup], nullptr, nullptr),
                   "compact dedup");
}

// wal_fs is set by the first open and kept across reopens, so it can be read
// without joining the users of the instance.
std::int64_t Db::wal_files_from_spares() const {
  return impl_->wal_fs ? prezeroed_wal_files_used(*impl_->wal_fs) : -1;
}

int Db::wal_spares_ready() const {
  return impl_->wal_fs ? prezeroed_wal_spares_ready(*impl_->wal_fs) : -1;
}

}  // namespace sb::storage

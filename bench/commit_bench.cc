// One group commit: storage::Db::commit of the ChangeSets of N events as one
// RocksDB WriteBatch, exactly as a shard writes a drained batch, with
// sync=true (the WAL is fsync'd before commit returns: the daemon's setting,
// what "200 only after the event is durable" costs) and sync=false (the same
// write without the flush, for comparison). BM_Fdatasync measures the disk's
// own flush rate: the ceiling of batches per second with sync=true.
//
// Every run works in a fresh directory under /tmp that is removed afterwards.
// Real time is measured: an fsync blocks without using CPU.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_stats.h"
#include "router/tenant_state.h"
#include "storage/db.h"

namespace {

namespace fs = std::filesystem;
using sb::proto::ChangeSet;
using sb::proto::TimeMs;

constexpr TimeMs kStartMs = 1'717'171'717'000;
// Every run commits the same 16,384 distinct events (plus one untimed first
// batch), whatever the batch size: RocksDB's memtable cost grows with its
// fill, so runs of different N must write the same amount to be comparable.
constexpr std::size_t kEventsPerRun = 16384;

// A directory that exists for one benchmark run and is removed with it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sb-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// 1 + kEventsPerRun / batch_size batches of `batch_size` ChangeSets (one per
// event, as Shard::process_batch builds them) produced by a real TenantState:
// one event in four is a new customer's first message (identity, contact,
// conversation, log entries), the rest are follow-ups in open conversations.
// No operator is online, so conversations wait in their queue. Fixed seed.
std::vector<std::vector<ChangeSet>> make_batches(std::size_t batch_size) {
  sb::router::TenantState tenant("acme", {});
  std::mt19937_64 rng(42);
  std::uint64_t customers = 0;
  sb::proto::InboundEvent e;
  e.channel = "tg-main";
  e.contact_name = "Олена Коваленко";
  e.text = "Добрий день! My order #A-20931 has not arrived yet, can you check, please?";
  const std::size_t count = 1 + kEventsPerRun / batch_size;
  std::vector<std::vector<ChangeSet>> batches(count, std::vector<ChangeSet>(batch_size));
  std::uint64_t n = 0;
  for (auto& batch : batches) {
    for (auto& set : batch) {
      const std::uint64_t customer = n % 4 == 0 ? customers++ : rng() % customers;
      e.event_id = std::to_string(483'920'175 + n);
      e.contact_external_id = std::to_string(428'819'731 + customer);
      e.reply_address = e.contact_external_id;
      set.tenant = "acme";
      tenant.ingest(e, "support", sb::router::routing::ChannelKind::kChat,
                    kStartMs + static_cast<TimeMs>(n), set.changes);
      ++n;
    }
  }
  return batches;
}

std::uintmax_t wal_bytes(const fs::path& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (f.path().extension() == ".log") total += f.file_size(ec);
  }
  return total;
}

// One iteration = one Db::commit of `batch_size` events; registered below
// with exactly kEventsPerRun / batch_size iterations.
void BM_GroupCommit(benchmark::State& state, std::size_t batch_size, bool sync) {
  const auto batches = make_batches(batch_size);
  std::vector<std::vector<const ChangeSet*>> ptrs(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) {
    for (const auto& set : batches[i]) ptrs[i].push_back(&set);
  }

  TempDir dir;
  if (!dir.ok()) return state.SkipWithError("cannot create a temp dir");
  sb::storage::DbOptions options;
  options.sync = sync;
  auto db = sb::storage::Db::open(dir.path().string(), options);
  if (!db) return state.SkipWithError(db.status().message().c_str());

  // Untimed first batch: creates the WAL and tells what an event costs in it.
  const auto wal_before = wal_bytes(dir.path());
  if (!(*db)->commit(ptrs[0]).is_ok()) return state.SkipWithError("first commit failed");
  const auto wal_per_event =
      static_cast<double>(wal_bytes(dir.path()) - wal_before) / static_cast<double>(batch_size);

  std::size_t next = 1;  // the iteration count is fixed: each batch is used once
  for (auto _ : state) {
    auto st = (*db)->commit(ptrs[next++]);
    if (!st.is_ok()) {
      state.SkipWithError(st.message().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch_size));  // events/s
  state.counters["batches_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["wal_bytes_per_event"] = wal_per_event;
}

// Append 600 bytes and fdatasync: what the disk allows per flush, hence the
// ceiling of group commits per second. An event costs ~1.4 KB of WAL
// (wal_bytes_per_event above); a small batch fits in a page either way.
void BM_Fdatasync(benchmark::State& state) {
  TempDir dir;
  if (!dir.ok()) return state.SkipWithError("cannot create a temp dir");
  const auto file = (dir.path() / "append.log").string();
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return state.SkipWithError("cannot open the file");
  const std::string record(600, 'x');
  for (auto _ : state) {
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());  // flushes/s
}

// Registered first, so that it runs right before BM_GroupCommit/batch:1/sync:1
// and the two are compared under the same disk conditions (the disk is shared).
BENCHMARK(BM_Fdatasync)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond)
    ->Apply(sb::bench::with_min_max);

// Registered by hand: the fixed iteration count differs per batch size.
// Names keep the usual "family/arg:value" shape for filters and reports.
// sync=true and sync=false of one N run back to back: their ratio is taken
// under the same conditions.
[[maybe_unused]] const bool kGroupCommitRegistered = [] {
  for (std::size_t batch : {1, 16, 128, 1024}) {
    for (bool sync : {true, false}) {
      const auto name =
          "BM_GroupCommit/batch:" + std::to_string(batch) + "/sync:" + (sync ? "1" : "0");
      auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_GroupCommit, batch, sync);
      b->Iterations(static_cast<benchmark::IterationCount>(kEventsPerRun / batch));
      b->UseRealTime()->Unit(benchmark::kMicrosecond);
      sb::bench::with_min_max(b);
    }
  }
  return true;
}();

}  // namespace

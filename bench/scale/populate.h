// Builds a real Switchboard data directory at scale, for the memory and
// restart measurements of bench/scale/run.sh (docs/performance.md, "Scale:
// memory and restart").
//
// It drives the project's own core the way a shard does: channels are
// ChannelConfig changes (PUT /v1/channels), queues and operators go through
// Dispatcher::put_queue / put_operator plus their records and a token hash
// (PUT /v1/queues, /v1/operators), operators go online (PUT .../status),
// customer messages go through TenantState::ingest, and every offer is
// accepted at once by the operator holding it (POST .../accept). The changes
// are committed with storage::Db::commit in big batches with sync=false: the
// resulting records are exactly what the daemon writes, only faster.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "proto/model.h"
#include "proto/status.h"

namespace sb::bench::scale {

struct PopulateSpec {
  std::string db_dir;               // <data-dir>/db
  int tenants = 1;                  // "demo", then "tenant-1", "tenant-2", ...
  std::uint64_t conversations = 0;  // contacts, each with one open conversation at the end
  std::uint64_t operators = 0;      // online, each serving one queue of its tenant
  std::uint64_t events = 0;         // inbound customer messages (>= conversations)
  int queues_per_tenant = 10;       // each with one telegram channel feeding it
  proto::TimeMs end_ms = 0;         // the last event's time (usually now)
  proto::TimeMs span_ms = 0;        // events are spread evenly over [end - span, end]
  std::size_t batch = 4096;         // commands per group commit
  std::uint64_t seed = 42;          // which contact writes each follow-up
  // The first `resolved` contacts (at most `conversations`) also have an
  // older conversation: one message, accepted and resolved kResolvedAgeMs
  // before the events begin, so that it lies beyond the dedup, reopen and
  // sticky windows (its dedup mark expired, the next message opens a new
  // conversation). What resolved history costs a daemon's memory and start.
  std::uint64_t resolved = 0;
};

inline constexpr proto::TimeMs kResolvedAgeMs = 8LL * 24 * 3600 * 1000;

struct PopulateResult {
  std::vector<std::string> tenant_ids;
  std::uint64_t conversations = 0;  // open at the end
  std::uint64_t resolved = 0;       // resolved before the events began
  std::uint64_t operators = 0;
  std::uint64_t events = 0;       // inbound messages stored
  std::uint64_t log_entries = 0;  // event-log frames written (sum of last seqs)
  std::uint64_t commits = 0;
  double seconds = 0;
};

// Called about once a second with (events done, events total).
using Progress = std::function<void(std::uint64_t, std::uint64_t)>;

Result<PopulateResult> populate(const PopulateSpec& spec, const Progress& progress);

// The tenant names populate() uses, in order.
std::string tenant_name(int index);

}  // namespace sb::bench::scale

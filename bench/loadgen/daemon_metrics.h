// The daemon's own view of its group commits, from its /metrics (Prometheus
// text format) scraped before and after the load window: how many batches it
// wrote, how many commands each carried, and how long each write took with
// its fsync (switchboard_commit_duration_seconds, summed over shards). Beside
// the load generator's ack latency this says how much of the ack is the
// disk's: an ack waits for the write in progress, then for its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::loadgen {

struct CommitMetrics {
  std::uint64_t commits = 0;   // switchboard_group_commits_total
  std::uint64_t commands = 0;  // switchboard_commit_batch_commands_sum
  double write_seconds = 0;    // switchboard_commit_duration_seconds_sum
  // (le in seconds, cumulative count) of switchboard_commit_duration_seconds,
  // ascending, the last le infinite.
  std::vector<std::pair<double, std::uint64_t>> write_buckets;
};

// The figures of every shard summed; nullopt if the text lacks the commit
// duration histogram (a daemon older than it) or is malformed.
std::optional<CommitMetrics> parse_commit_metrics(std::string_view text);

// What happened between two scrapes of one daemon; nullopt if `after` is not
// a later scrape of the same buckets (a restart, another daemon).
std::optional<CommitMetrics> commits_between(const CommitMetrics& before,
                                             const CommitMetrics& after);

// The q-quantile (0..1) of the write durations in seconds, interpolated within
// its bucket as Prometheus' histogram_quantile() does; -1 without writes. In
// the +Inf bucket: the last finite bound.
double write_quantile(const CommitMetrics& m, double q);

}  // namespace sb::loadgen

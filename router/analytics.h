// OperatorAnalytics: per-operator figures over a time range, computed from a
// tenant's event log (the frames streams replay), for
// GET /v1/analytics/operators. Pure: it is fed log entries in seq order and
// never reads disk or a clock.
//
// Over the frames whose `at` lies in [from, to]:
//   assigned          conversation.assigned frames naming the operator
//   handled           conversation.resolved frames whose owner it was
//   messages_sent     message.created frames with an "out" message it wrote
//   first_response    per conversation whose first reply it wrote in the
//                     range: first_response_at - created_at
//   handle_time       assignment to resolve, per resolve in the range whose
//                     assignment to that operator is in the range too
//   resolution_time   created_at to resolve, per conversation it resolved
// Summaries give count, mean, p50 and p90 (nearest rank) in seconds.
//
// Not thread-safe; one per request.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "proto/change.h"
#include "proto/model.h"

namespace sb::router {

struct DurationSummary {
  std::uint64_t count = 0;
  double mean_s = 0, p50_s = 0, p90_s = 0;
};
DurationSummary summarize(std::vector<proto::TimeMs> millis);

struct OperatorFigures {
  std::uint64_t assigned = 0;
  std::uint64_t handled = 0;
  std::uint64_t messages_sent = 0;
  std::vector<proto::TimeMs> first_response, handle_time, resolution_time;  // ms samples
};

class OperatorAnalytics {
 public:
  OperatorAnalytics(proto::TimeMs from, proto::TimeMs to) : from_(from), to_(to) {}

  // Takes the next log entry. False once an entry lies more than
  // kClockSlackMs after `to` (the log is in time order but for steps of the
  // wall clock, so the caller may stop reading). Entries that are not frames
  // it counts, or do not parse, are skipped.
  bool add(const proto::LogEntry& e);
  static constexpr proto::TimeMs kClockSlackMs = 5 * 60 * 1000;

  // Keyed by operator id, sorted.
  const std::map<std::string, OperatorFigures>& figures() const { return ops_; }
  std::uint64_t frames_read() const { return frames_; }

 private:
  proto::TimeMs from_, to_;
  std::uint64_t frames_ = 0;
  std::map<std::string, OperatorFigures> ops_;
  // conversation id -> (operator, time) of its latest assignment in range.
  std::unordered_map<std::string, std::pair<std::string, proto::TimeMs>> assigned_at_;
  // Conversations whose first reply was counted (two replies in one ms).
  std::unordered_set<std::string> first_counted_;
};

// The `at` of a frame (its RFC 3339 "at" field), 0 if it has none.
proto::TimeMs frame_time(std::string_view frame_json);

}  // namespace sb::router

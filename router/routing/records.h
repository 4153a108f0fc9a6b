// Routing records: the durable state of the Dispatcher, and Output, what one
// input returns.
//
// Persisting QueueConfig and OperatorConfig (as put), OperatorRuntime and
// ConversationRecord (as reported in Output) is enough to recover: feed them
// to Dispatcher::restore() and call finish_restore(). An operator's load is
// not stored; it is derived from the conversations. Plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/model.h"
#include "router/routing/decision.h"
#include "router/routing/types.h"

namespace sb::router::routing {

// An operator's round-robin position in one queue (lower = its turn sooner).
struct RoundRobinMark {
  std::string queue;
  std::uint64_t ticket = 0;
  bool operator==(const RoundRobinMark&) const = default;
};

struct OperatorRuntime {
  std::string id;
  OperatorStatus status = OperatorStatus::kOffline;
  TimeMs last_assigned_at = 0;  // last offer or assignment; "idle since"
  std::uint32_t missed_in_row = 0;
  TimeMs offline_since = 0;  // re-arms the offline grace after a restart
  std::uint64_t seq = 0;     // creation order: the last tie-break, stable across restarts
  std::vector<RoundRobinMark> round_robin;
  bool operator==(const OperatorRuntime&) const = default;
};

struct Cooldown {
  std::string operator_id;
  TimeMs until = 0;  // exclusive
  bool operator==(const Cooldown&) const = default;
};

// The routing state of one open conversation. status kResolved means "the
// conversation left routing": delete the record.
struct ConversationRecord {
  std::string id;
  std::string queue;
  ChannelKind kind = ChannelKind::kChat;
  proto::ConversationStatus status = proto::ConversationStatus::kQueued;
  std::string owner;       // kAssigned
  std::string offered_to;  // kOffered
  TimeMs offer_expires_at = 0;
  Pick pick = Pick::kStrategy;      // how the current offer or owner was picked
  TimeMs queued_at = 0;             // entered its current queue; orders the waiting line
  std::uint64_t order = 0;          // arrival sequence: breaks ties of queued_at
  std::vector<Cooldown> cooldowns;  // sorted by operator id
  bool operator==(const ConversationRecord&) const = default;
};

// What one input produced. The caller clears it (or not) between inputs;
// the Dispatcher only appends.
struct Output {
  std::vector<Decision> decisions;
  // Final state of every conversation whose record changed, once each.
  std::vector<ConversationRecord> conversations;
  // Runtime of every operator that changed, once each.
  std::vector<OperatorRuntime> operators;

  void clear() {
    decisions.clear();
    conversations.clear();
    operators.clear();
  }
  bool empty() const { return decisions.empty() && conversations.empty() && operators.empty(); }
};

// The whole state, for tests, tools and a full rewrite of the store.
struct Snapshot {
  std::vector<QueueConfig> queues;                // by name
  std::vector<OperatorConfig> operators;          // by seq
  std::vector<OperatorRuntime> runtimes;          // by seq
  std::vector<ConversationRecord> conversations;  // by order
  bool operator==(const Snapshot&) const = default;
};

}  // namespace sb::router::routing

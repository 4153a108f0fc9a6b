// A Change is one durable effect of a routing decision. The router core
// returns Changes; storage/ writes a batch of them atomically (one RocksDB
// WriteBatch, one fsync); recovery reads them back. The core never touches
// disk, so this list is the whole contract between the two.
//
// A Message whose LogEntry (same seq, a frame embedding it as "message") is
// in the same ChangeSet is stored once, in that entry; storage keeps only an
// index entry for it (docs/storage.md). Without one it is stored whole.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "proto/model.h"

namespace sb::proto {

// (channel, platform external id) -> contact
struct IdentityLink {
  Identity identity;
  std::string contact_id;
};

// A platform delivery id seen at `at`; a retry of it is absorbed.
struct DedupMark {
  std::string channel;
  std::string event_id;
  TimeMs at = 0;
};

// One record of the tenant's event log, in seq order. `json` is the frame that
// streams replay (it already contains "seq" and "type").
struct LogEntry {
  std::uint64_t seq = 0;
  std::string json;
};

// A record of the routing core (queues, operators, routing state of open
// conversations, operator token hashes), encoded by router/. storage/ keeps
// it opaque: key (tenant, kind, id), value json; `erase` deletes it.
struct RoutingRecord {
  // 'q' queue, 'o' operator, 'r' operator runtime, 'v' conversation routing, 't' token.
  char kind = 0;
  std::string id;
  std::string json;
  bool erase = false;
};

// Indexes a log entry under the contact it concerns (the contact timeline).
struct TimelineMark {
  std::string contact_id;
  std::uint64_t seq = 0;
};

// A reply waiting to be delivered to the customer's channel, or its outcome.
struct OutboxItem {
  std::string message_id;
  std::string conversation_id;
  std::string channel;
  std::string reply_address;
  std::string text;
  std::string state = "pending";  // pending, sending (attempt under way), delivered, failed
  std::uint32_t attempts = 0;
  TimeMs next_attempt_at = 0;
  std::string platform_message_id;
  std::string error;
  bool operator==(const OutboxItem&) const = default;
};

// A message that changed nothing of its conversation but these counters (a
// customer's follow-up, an operator's reply or note). storage/ merges it
// into the stored Conversation record instead of rewriting the record (a
// RocksDB merge operand, docs/storage.md); the record must already be stored
// or be earlier in the same ChangeSet.
struct ConversationActivity {
  std::string conversation_id;
  TimeMs updated_at = 0;
  std::uint64_t message_count = 0;
};

inline void apply(const ConversationActivity& a, Conversation& c) {
  c.updated_at = a.updated_at;
  c.message_count = a.message_count;
}

using Change =
    std::variant<Contact, IdentityLink, Conversation, Message, DedupMark, LogEntry, ChannelConfig,
                 RoutingRecord, TimelineMark, OutboxItem, ConversationActivity>;

// All changes of one tenant caused by one command.
struct ChangeSet {
  std::string tenant;
  std::vector<Change> changes;
};

}  // namespace sb::proto

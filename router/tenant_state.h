// TenantState: the routing state of one tenant and the pure decision function
// that ingests customer events into it.
//
//   (state, event, now) -> (state', changes)
//
// It deduplicates deliveries, resolves the contact behind a platform identity,
// threads the message into the contact's one open conversation (opening one
// if there is none), and appends the event-log entries that streams replay.
// It never touches disk, sockets or a clock: the caller persists the returned
// changes (storage::Db::commit) and passes time in.
//
// Single-threaded: owned by exactly one shard.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "proto/change.h"
#include "router/dedup.h"

namespace sb::router {

struct TenantOptions {
  proto::TimeMs dedup_window_ms = 7LL * 24 * 3600 * 1000;
};

struct IngestOutcome {
  enum class Kind { kStored, kDuplicate };
  Kind kind = Kind::kStored;
  std::string contact_id;
  std::string conversation_id;
  std::string message_id;
  bool new_conversation = false;
};

class TenantState {
 public:
  TenantState(std::string tenant, TenantOptions options);

  // Applies one inbound event. `queue` is the queue of the channel it came
  // from (where a new conversation waits). Appends what must be persisted to
  // `out`; on kDuplicate nothing is appended.
  IngestOutcome ingest(const proto::InboundEvent& e, const std::string& queue, proto::TimeMs now,
                       std::vector<proto::Change>& out);

  // Recovery: rebuild from stored records, then finish_restore().
  void restore(proto::Contact c);
  void restore(const proto::IdentityLink& l);
  void restore(proto::Conversation c);
  void restore(const proto::DedupMark& m);
  void restore_last_seq(std::uint64_t seq);
  void finish_restore(proto::TimeMs now);

  const std::string& tenant() const { return tenant_; }
  std::uint64_t last_seq() const { return last_seq_; }
  const proto::Conversation* conversation(const std::string& id) const;
  const proto::Contact* contact(const std::string& id) const;
  std::size_t conversation_count() const { return conversations_.size(); }
  std::size_t contact_count() const { return contacts_.size(); }
  const DedupWindow& dedup() const { return dedup_; }

 private:
  std::uint64_t next_seq() { return ++last_seq_; }
  proto::Contact& resolve_contact(const proto::InboundEvent& e, proto::TimeMs now,
                                  std::vector<proto::Change>& out);
  void append_log(std::string_view type, proto::TimeMs now, const proto::Conversation& conv,
                  const proto::Message* msg, std::uint64_t seq, std::vector<proto::Change>& out);

  std::string tenant_;
  TenantOptions options_;
  std::uint64_t last_seq_ = 0;
  DedupWindow dedup_;
  std::unordered_map<std::string, std::string> identities_;  // channel\0external -> contact id
  std::unordered_map<std::string, proto::Contact> contacts_;
  std::unordered_map<std::string, proto::Conversation> conversations_;
  std::unordered_map<std::string, std::string> open_by_contact_;  // contact id -> conversation id
};

}  // namespace sb::router

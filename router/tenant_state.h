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

#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "proto/change.h"
#include "router/dedup.h"
#include "router/routing/dispatcher.h"
#include "router/tenant_tables.h"

namespace sb::router {

struct TenantOptions {
  proto::TimeMs dedup_window_ms = 7LL * 24 * 3600 * 1000;
  // A customer writing again within this long after a resolve reopens the
  // conversation; later, a new one opens (preferring the last operator).
  proto::TimeMs reopen_window_ms = 3600LL * 1000;
  // Replies waiting for delivery on one channel (pending outbox items); a
  // further reply is refused with kResourceExhausted, so a platform that is
  // down cannot make the outbox grow without bound. 0: no limit.
  std::uint32_t max_pending_outbound_per_channel = 10000;
  routing::DispatcherOptions routing;
};

// Identities one contact can have (its first plus linked ones).
inline constexpr std::size_t kMaxIdentitiesPerContact = 32;

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
  TenantState(const TenantState&) = delete;
  TenantState& operator=(const TenantState&) = delete;

  // Applies one inbound event. `queue` is the queue of the channel it came
  // from (where a new conversation waits). Appends what must be persisted to
  // `out`; on kDuplicate nothing is appended. A new conversation is
  // acknowledged with `auto_reply` (the channel's), unless it is empty.
  IngestOutcome ingest(const proto::InboundEvent& e, const std::string& queue,
                       routing::ChannelKind kind, proto::TimeMs now,
                       std::vector<proto::Change>& out, const std::string& auto_reply = {});

  // Some platforms sign a single-use nonce instead of the body (Mailgun signs
  // timestamp + token): a captured signature could otherwise carry any other
  // body while its timestamp is fresh. The first delivery with `nonce` binds
  // it to `event_ids` (the delivery's events, in order); the same nonce with
  // the same ids is a retry and passes, with any other ids it is refused
  // (kUnauthenticated). Nonces are unique within `scope` (a name no channel
  // has, used as the marks' channel). Kept as dedup marks, so for the dedup
  // window (which the config keeps longer than a signature lives) and across
  // restarts; appends them to `out` on first use only. The first delivery to
  // reach the shard owns the nonce: this protects what was stored, not a
  // request still in flight.
  Status claim_nonce(const std::string& scope, std::string_view nonce,
                     const std::vector<std::string>& event_ids, proto::TimeMs now,
                     std::vector<proto::Change>& out);

  // An operator's reply to the customer (direction "out"), queued in the
  // outbox for delivery on the conversation's channel. NotFound for an
  // unknown conversation, Conflict unless `op` is its current owner,
  // ResourceExhausted when the channel has max_pending_outbound_per_channel
  // replies not yet delivered.
  Result<proto::Message> reply(const std::string& conversation, const std::string& op,
                               const std::string& text, proto::TimeMs now,
                               std::vector<proto::Change>& out);
  // An internal note (never sent to the customer). Every "@id" naming a known
  // operator becomes a note.mention frame for that operator. `author` is an
  // operator id, or "" for an admin.
  Result<proto::Message> note(const std::string& conversation, const std::string& author,
                              const std::string& text, proto::TimeMs now,
                              std::vector<proto::Change>& out);
  // Replaces a contact's attributes (name, phone, email, status, custom
  // fields); empty strings keep the old value. Routing rules on contact
  // attributes see them from the next conversation on.
  Result<proto::Contact> update_contact(const proto::Contact& patch, proto::TimeMs now,
                                        std::vector<proto::Change>& out);

  // Links more platform identities to a contact (PUT /v1/contacts/{id}/
  // identities): the customer's messages on any of them thread into the
  // contact's conversation, and its timeline covers every channel. Adds only;
  // an identity already the contact's is skipped (a repeated request changes
  // nothing and appends nothing). An identity that is another contact's:
  // Conflict, with nothing changed, unless `merge`; then that contact is
  // merged into this one: all its identities move here, it records
  // merged_into, this one lists it in merged_from (with what had been merged
  // into it), and its history becomes part of this contact's timeline. Its
  // conversations keep their contact. Conflict for a merge of a contact with
  // a conversation not yet resolved, for any link to a contact that was
  // itself merged away, or if the contact would have more than
  // kMaxIdentitiesPerContact.
  // NotFound for an unknown contact.
  Result<proto::Contact> link_identities(const std::string& contact_id,
                                         const std::vector<proto::Identity>& identities,
                                         proto::TimeMs now, std::vector<proto::Change>& out,
                                         bool merge = false);

  // The outcome of a delivery attempt: the updated outbox item and, once it
  // is final, a message.delivered / message.failed frame.
  void record_delivery(const proto::OutboxItem& item, proto::TimeMs now,
                       std::vector<proto::Change>& out);

  // Runs one input of the routing core, `fn(dispatcher, output)`, and turns
  // its decisions into conversation updates, event-log frames and routing
  // records appended to `out`. Returns fn's status; on a refusal the changes
  // of timers that fired meanwhile are still appended.
  template <class F>
  Status route(proto::TimeMs now, std::vector<proto::Change>& out, F&& fn) {
    routed_.clear();
    Status st = fn(dispatcher_, routed_);
    apply_routing(now, out);
    return st;
  }
  // Fires due routing timers (offer expiries, overflows, graces) and SLA
  // timers (router/tenant_sla.cc: sla.warning and sla.breached frames).
  void advance(proto::TimeMs now, std::vector<proto::Change>& out);
  std::optional<proto::TimeMs> next_deadline() const;
  const routing::Dispatcher& dispatcher() const { return dispatcher_; }
  // Persists an operator's config as given (route() persists only runtimes).
  static proto::Change operator_record(const routing::OperatorConfig& op);
  static proto::Change queue_record(const routing::QueueConfig& q);

  // Recovery: rebuild from stored records, then finish_restore().
  // First, if storage has it, how large the tables were at the last start:
  // reserving them saves their growth (docs/performance.md, start-up).
  void reserve_for_restore(std::size_t contacts, std::size_t identities, std::size_t conversations);
  void restore(proto::Contact c);
  void restore(const proto::IdentityLink& l);
  void restore(proto::Conversation c);
  // Applies to a restored conversation what storage merges into its record
  // (tests that replay change sets; storage recovery yields merged records).
  void restore(const proto::ConversationActivity& a);
  void restore(const proto::DedupMark& m);
  void restore_last_seq(std::uint64_t seq);
  // A pending outbox item: counts against its channel's outbound limit.
  void restore_pending_outbound(const proto::OutboxItem& item);
  // Queue/operator/runtime/conversation-routing records; unknown kinds are
  // ignored. Corrupt records are a Status.
  Status restore(const proto::RoutingRecord& r);
  // Rebuilds indexes and timers; repairs found by the routing core are
  // appended to `out` and must be committed before serving.
  void finish_restore(proto::TimeMs now, std::vector<proto::Change>& out);

  const std::string& tenant() const { return tenant_; }
  std::uint64_t last_seq() const { return last_seq_; }
  // Reads return copies: the state is kept packed (router/tenant_tables.h).
  std::optional<proto::Conversation> conversation(std::string_view id) const;
  std::optional<proto::Contact> contact(std::string_view id) const;
  // The contact's name, "" for an unknown contact (what conversation views show).
  std::string_view contact_name(std::string_view contact_id) const;
  // The contact a channel identity belongs to ("ct-N"), "" if none yet.
  std::string contact_of(std::string_view channel, std::string_view external_id) const;
  std::optional<proto::Conversation> latest_conversation_of(std::string_view contact_id) const;

  struct ConversationFilter {
    std::string status, queue, operator_id, contact;  // "" = any
    std::string visible_to;        // an operator sees only what it owns or is offered; "" = admin
    std::uint64_t before_seq = 0;  // cursor: only ids with a smaller seq; 0 = from the newest
    std::size_t limit = 50;
  };
  // Newest first. Sets `next` to the cursor of the following page (0: none).
  // O(conversations in memory): fine for an admin listing, not for a hot path.
  std::vector<proto::Conversation> list_conversations(const ConversationFilter& f,
                                                      std::uint64_t& next) const;
  std::size_t conversation_count() const { return conversations_.size(); }
  std::size_t contact_count() const { return contacts_.size(); }
  std::size_t identity_count() const { return contacts_.identity_count(); }
  // Rows the contact and conversation tables hold before they grow (tests).
  std::size_t contact_capacity() const { return contacts_.capacity(); }
  std::size_t conversation_capacity() const { return conversations_.capacity(); }
  const DedupWindow& dedup() const { return dedup_; }
  // Replies not yet delivered or failed, over all channels / on one.
  std::uint64_t outbound_pending() const { return outbound_pending_total_; }
  std::uint32_t outbound_pending(const std::string& channel) const;
  // Replies refused because their channel was at its limit (since start).
  std::uint64_t outbound_refused() const { return outbound_refused_; }

 private:
  std::uint64_t next_seq() { return ++last_seq_; }
  // A message of `conv` with the next seq as its id, stamped `now`.
  proto::Message new_message(const proto::Conversation& conv, proto::Direction direction,
                             const std::string& author, const std::string& text, proto::TimeMs now);
  // The seq of the contact behind the event's identity, created if new.
  std::uint64_t resolve_contact(const proto::InboundEvent& e, proto::TimeMs now,
                                std::vector<proto::Change>& out);
  // The channel's automatic acknowledgement of a new conversation: an "out"
  // message with an empty author, queued in the outbox like a reply. It does
  // not set first_response_at; skipped once the channel has half of
  // max_pending_outbound_per_channel replies pending, so that operators'
  // replies always find room. True if sent: `conv` was then stored (and
  // moved from) with it.
  bool acknowledge(proto::Conversation& conv, const std::string& text, proto::TimeMs now,
                   std::vector<proto::Change>& out);
  // Stores an "out" message of `conv` (author `op`, "" for the daemon) with
  // its frame and its outbox item, counted against the channel's limit; on
  // success `conv` is stored and moved from. `unchanged_since_stored`: the
  // caller changed nothing of `conv` since it was last stored (so, unless
  // this is its first response, only its activity needs storing).
  Result<proto::Message> send_out(proto::Conversation& conv, const std::string& op,
                                  const std::string& text, proto::TimeMs now,
                                  std::vector<proto::Change>& out, bool unchanged_since_stored);
  // Puts `conv` in the table and appends it to `out`: as a whole record, or,
  // when `activity_only` (nothing but updated_at and message_count differ
  // from the stored record), as a ConversationActivity, ~40 bytes instead of
  // a record of several hundred rewritten per message.
  void store_conversation(proto::Conversation&& conv, bool activity_only,
                          std::vector<proto::Change>& out);
  // Stores a changed contact with its contact.updated frame.
  void store_updated_contact(const proto::Contact& c, proto::TimeMs now,
                             std::vector<proto::Change>& out);
  void append_log(std::string_view type, proto::TimeMs now, const proto::Conversation& conv,
                  const proto::Message* msg, std::uint64_t seq, std::vector<proto::Change>& out);

  std::string tenant_;
  TenantOptions options_;
  std::uint64_t last_seq_ = 0;
  DedupWindow dedup_;
  // Contacts and conversations are never erased. Packed, ~0.5 KB less per
  // conversation than proto values in maps ("Scale" in docs/performance.md);
  // both tables refer to names_, so a TenantState never moves.
  NameTable names_;
  ContactTable contacts_{names_};
  ConversationTable conversations_{names_};
  std::unordered_map<std::string, std::uint32_t> outbound_pending_;  // channel -> pending replies
  std::uint64_t outbound_pending_total_ = 0;
  std::uint64_t outbound_refused_ = 0;
  std::unordered_set<std::string> outbound_pending_ids_;  // message ids of those replies
  void outbound_settled(const proto::OutboxItem& item);
  routing::Dispatcher dispatcher_;
  routing::Output routed_;  // scratch, reused between inputs

  // First-response SLA (tenant_sla.cc). A timer per open conversation that
  // has a target, at its warning time, then at its due time; stale entries
  // (answered, resolved) are dropped when they come up.
  struct SlaTimer {
    proto::TimeMs at = 0;
    std::uint64_t seq = 0;  // the conversation's
    bool operator>(const SlaTimer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<SlaTimer, std::vector<SlaTimer>, std::greater<>> sla_timers_;
  // A new conversation gets its queue's first-response target, if it has one.
  void start_sla(proto::Conversation& conv, proto::TimeMs now);
  void fire_sla(proto::TimeMs now, std::vector<proto::Change>& out);
  void restore_sla_timers();
  // Arms the conversation's next SLA timer if it is open, unanswered and not
  // yet breached (restore, reopen).
  void rearm_sla(std::uint64_t seq, const PackedConversation& row);
  void apply_routing(proto::TimeMs now, std::vector<proto::Change>& out);
  void route_arrival(proto::Conversation& conv, const proto::InboundEvent& e,
                     routing::ChannelKind kind, const std::string& channel_queue,
                     const std::string& last_operator, proto::TimeMs last_served_at,
                     proto::TimeMs now, std::vector<proto::Change>& out);
};

}  // namespace sb::router

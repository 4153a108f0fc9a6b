// Compact in-memory tables of a tenant's contacts and conversations.
//
// A tenant keeps every contact and conversation in memory (the routing core
// and the API read them on every event), so their size decides RSS at scale
// (docs/performance.md, "Scale: memory and restart"). proto::Conversation
// holds eight std::strings; stored as they are, a conversation and its
// contact took ~1.4 KB with their indexes. These tables keep them packed
// instead:
//   - ids are not stored: every id a tenant mints is prefix + "-" + seq
//     (proto::make_id), so the tables are keyed by the seq;
//   - channel, queue and operator names are interned per tenant (NameTable)
//     and stored as 4-byte handles;
//   - a contact's rarely set attributes (phone, email, status, custom
//     fields, identities beyond the first) live in one optional block;
//   - a contact knows its latest conversation (no separate index).
// Callers get and put whole proto values; the packed forms stay private to
// the tables except where a scan filters on them (list_conversations).
//
// Single-threaded, like the TenantState that owns them.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proto/model.h"

namespace sb::router {

// The seq of an id minted by proto::make_id(prefix, seq) ("cv-42" -> 42), or
// 0 if `id` is not exactly such an id (another prefix, leading zeros, junk).
std::uint64_t seq_of_id(std::string_view id, std::string_view prefix);

// Names of one tenant (channels, queues, operators) as 4-byte handles. Never
// shrinks: names come from configuration, not from traffic. Handle 0 is "".
class NameTable {
 public:
  using Id = std::uint32_t;
  NameTable();
  Id intern(std::string_view name);
  // kNotFound when the name was never interned (so no record can hold it).
  Id find(std::string_view name) const;
  const std::string& name(Id id) const { return names_[id]; }
  static constexpr Id kNotFound = UINT32_MAX;

 private:
  std::deque<std::string> names_;  // a deque: the index's views stay valid
  std::unordered_map<std::string_view, Id> index_;
};

// Rows an unordered map holds before it rehashes.
template <class Map>
std::size_t rows_before_rehash(const Map& m) {
  return static_cast<std::size_t>(static_cast<float>(m.bucket_count()) * m.max_load_factor());
}

struct PackedConversation {
  std::string reply_address;
  proto::TimeMs offer_expires_at = 0;
  proto::TimeMs resolved_at = 0;
  proto::TimeMs created_at = 0;
  proto::TimeMs updated_at = 0;
  proto::TimeMs first_response_at = 0;
  std::uint64_t message_count = 0;
  proto::TimeMs first_response_due_at = 0;
  std::uint64_t contact = 0;  // the contact's seq
  NameTable::Id channel = 0, queue = 0, operator_id = 0, offered_to = 0, last_operator = 0;
  proto::ConversationStatus status = proto::ConversationStatus::kQueued;
  proto::SlaStage sla_stage = proto::SlaStage::kNone;
};

class ConversationTable {
 public:
  explicit ConversationTable(NameTable& names) : names_(names) {}

  std::optional<proto::Conversation> get(std::string_view id) const;
  std::optional<proto::Conversation> get(std::uint64_t seq) const;
  // Inserts or replaces. False (and nothing stored) unless c.id and
  // c.contact_id are ids this tenant mints ("cv-N", "ct-N").
  bool put(const proto::Conversation& c);
  const PackedConversation* find(std::uint64_t seq) const;
  std::size_t size() const { return rows_.size(); }
  // Room for `rows` without rehashing (recovery, from storage's hint).
  void reserve(std::size_t rows) { rows_.reserve(rows); }
  // Rows it holds before rehashing (tests of the reserve).
  std::size_t capacity() const { return rows_before_rehash(rows_); }
  // f(seq, const PackedConversation&) for every row, in no order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [seq, row] : rows_) f(seq, row);
  }
  proto::Conversation unpack(std::uint64_t seq, const PackedConversation& row) const;

 private:
  NameTable& names_;
  std::unordered_map<std::uint64_t, PackedConversation> rows_;
};

// What few contacts have: kept out of line so that the others pay 8 bytes.
struct ContactExtras {
  std::string phone, email, status;
  std::vector<std::pair<std::string, std::string>> custom;
  std::vector<proto::Identity> more_identities;  // after the first
  std::string merged_into;                       // see proto::Contact
  std::vector<std::string> merged_from;
};

struct PackedContact {
  std::string name;
  std::string external_id;  // the first identity's
  std::unique_ptr<ContactExtras> extras;
  proto::TimeMs created_at = 0;
  std::uint64_t latest_conversation = 0;  // its seq, 0 = none
  NameTable::Id channel = 0;              // the first identity's; 0 = no identity
};

class ContactTable {
 public:
  explicit ContactTable(NameTable& names) : names_(names) {}

  std::optional<proto::Contact> get(std::string_view id) const;
  std::optional<proto::Contact> get(std::uint64_t seq) const;
  const PackedContact* find(std::string_view id) const;
  PackedContact* find(std::uint64_t seq);
  // Inserts or replaces the contact's attributes and identities (keeps its
  // latest conversation). False unless c.id is a "ct-N" id.
  bool put(const proto::Contact& c);
  // The contact, created empty if unknown (a link recovered without its
  // contact record); nullptr unless `id` is a "ct-N" id.
  PackedContact* find_or_create(std::string_view id);
  std::size_t size() const { return rows_.size(); }
  std::size_t identity_count() const { return identities_.size(); }
  // Rows it holds before rehashing (tests of the reserve).
  std::size_t capacity() const { return rows_before_rehash(rows_); }
  // Room for that many rows and identities without rehashing (recovery).
  void reserve(std::size_t rows, std::size_t identities) {
    rows_.reserve(rows);
    identities_.reserve(identities);
  }

  // (channel, external id) -> the contact's seq, or 0 if unknown.
  std::uint64_t contact_of(std::string_view channel, std::string_view external_id) const;
  // Indexes the identity for contact_of(); false unless `contact_id` is a
  // "ct-N" id. The contact itself is not created here.
  bool link(std::string_view channel, std::string_view external_id, std::string_view contact_id);

 private:
  proto::Contact unpack(std::uint64_t seq, const PackedContact& row) const;
  // The channel's handle and the external id in one string: short enough
  // for std::string's inline buffer for most platforms' user ids.
  std::string identity_key(NameTable::Id channel, std::string_view external_id) const;

  NameTable& names_;
  std::unordered_map<std::uint64_t, PackedContact> rows_;
  std::unordered_map<std::string, std::uint64_t> identities_;  // identity_key -> contact seq
};

}  // namespace sb::router

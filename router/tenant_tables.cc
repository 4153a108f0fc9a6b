#include "router/tenant_tables.h"

#include <cstring>

#include "proto/ids.h"

namespace sb::router {

std::uint64_t seq_of_id(std::string_view id, std::string_view prefix) {
  if (id.size() < prefix.size() + 2 || id.substr(0, prefix.size()) != prefix ||
      id[prefix.size()] != '-') {
    return 0;
  }
  const auto digits = id.substr(prefix.size() + 1);
  // make_id writes std::to_string(seq): no sign, no leading zero, <= 20 digits.
  if (digits.size() > 20 || digits[0] == '0') return 0;
  std::uint64_t seq = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (seq > (UINT64_MAX - d) / 10) return 0;
    seq = seq * 10 + d;
  }
  return seq;
}

// ---- NameTable

NameTable::NameTable() { names_.emplace_back(); }

NameTable::Id NameTable::intern(std::string_view name) {
  if (name.empty()) return 0;
  if (auto it = index_.find(name); it != index_.end()) return it->second;
  const auto id = static_cast<Id>(names_.size());
  index_.emplace(names_.emplace_back(name), id);
  return id;
}

NameTable::Id NameTable::find(std::string_view name) const {
  if (name.empty()) return 0;
  auto it = index_.find(name);
  return it == index_.end() ? kNotFound : it->second;
}

// ---- ConversationTable

std::optional<proto::Conversation> ConversationTable::get(std::string_view id) const {
  return get(seq_of_id(id, "cv"));
}

std::optional<proto::Conversation> ConversationTable::get(std::uint64_t seq) const {
  const auto* row = find(seq);
  if (row == nullptr) return std::nullopt;
  return unpack(seq, *row);
}

const PackedConversation* ConversationTable::find(std::uint64_t seq) const {
  auto it = rows_.find(seq);
  return it == rows_.end() ? nullptr : &it->second;
}

bool ConversationTable::put(const proto::Conversation& c) {
  const auto seq = seq_of_id(c.id, "cv");
  const auto contact = seq_of_id(c.contact_id, "ct");
  if (seq == 0 || contact == 0) return false;
  auto& row = rows_[seq];
  row.reply_address = c.reply_address;
  row.offer_expires_at = c.offer_expires_at;
  row.resolved_at = c.resolved_at;
  row.created_at = c.created_at;
  row.updated_at = c.updated_at;
  row.first_response_at = c.first_response_at;
  row.message_count = c.message_count;
  row.first_response_due_at = c.first_response_due_at;
  row.sla_stage = c.sla_stage;
  row.contact = contact;
  // Most puts rewrite a row with the same names: compare before hashing.
  const auto set = [this](NameTable::Id& slot, const std::string& name) {
    if (names_.name(slot) != name) slot = names_.intern(name);
  };
  set(row.channel, c.channel);
  set(row.queue, c.queue);
  set(row.operator_id, c.operator_id);
  set(row.offered_to, c.offered_to);
  set(row.last_operator, c.last_operator);
  row.status = c.status;
  return true;
}

proto::Conversation ConversationTable::unpack(std::uint64_t seq,
                                              const PackedConversation& row) const {
  proto::Conversation c;
  c.id = proto::make_id("cv", seq);
  c.contact_id = proto::make_id("ct", row.contact);
  c.channel = names_.name(row.channel);
  c.reply_address = row.reply_address;
  c.queue = names_.name(row.queue);
  c.status = row.status;
  c.operator_id = names_.name(row.operator_id);
  c.offered_to = names_.name(row.offered_to);
  c.offer_expires_at = row.offer_expires_at;
  c.last_operator = names_.name(row.last_operator);
  c.resolved_at = row.resolved_at;
  c.created_at = row.created_at;
  c.updated_at = row.updated_at;
  c.first_response_at = row.first_response_at;
  c.message_count = row.message_count;
  c.first_response_due_at = row.first_response_due_at;
  c.sla_stage = row.sla_stage;
  return c;
}

// ---- ContactTable

std::optional<proto::Contact> ContactTable::get(std::string_view id) const {
  return get(seq_of_id(id, "ct"));
}

std::optional<proto::Contact> ContactTable::get(std::uint64_t seq) const {
  auto it = rows_.find(seq);
  if (it == rows_.end()) return std::nullopt;
  return unpack(seq, it->second);
}

PackedContact* ContactTable::find(std::uint64_t seq) {
  auto it = rows_.find(seq);
  return it == rows_.end() ? nullptr : &it->second;
}

const PackedContact* ContactTable::find(std::string_view id) const {
  auto it = rows_.find(seq_of_id(id, "ct"));
  return it == rows_.end() ? nullptr : &it->second;
}

PackedContact* ContactTable::find_or_create(std::string_view id) {
  const auto seq = seq_of_id(id, "ct");
  return seq == 0 ? nullptr : &rows_[seq];
}

bool ContactTable::put(const proto::Contact& c) {
  auto* row = find_or_create(c.id);
  if (row == nullptr) return false;
  row->name = c.name;
  row->created_at = c.created_at;
  row->channel = 0;
  row->external_id.clear();
  const bool extra = !c.phone.empty() || !c.email.empty() || !c.status.empty() ||
                     !c.custom.empty() || c.identities.size() > 1 || !c.merged_into.empty() ||
                     !c.merged_from.empty();
  if (!extra) {
    row->extras.reset();
  } else {
    if (!row->extras) row->extras = std::make_unique<ContactExtras>();
    row->extras->phone = c.phone;
    row->extras->email = c.email;
    row->extras->status = c.status;
    row->extras->custom = c.custom;
    row->extras->more_identities.clear();
    row->extras->merged_into = c.merged_into;
    row->extras->merged_from = c.merged_from;
  }
  for (std::size_t i = 0; i < c.identities.size(); ++i) {
    if (i == 0) {
      row->channel = names_.intern(c.identities[0].channel);
      row->external_id = c.identities[0].external_id;
    } else {
      row->extras->more_identities.push_back(c.identities[i]);
    }
  }
  return true;
}

proto::Contact ContactTable::unpack(std::uint64_t seq, const PackedContact& row) const {
  proto::Contact c;
  c.id = proto::make_id("ct", seq);
  c.name = row.name;
  c.created_at = row.created_at;
  if (row.channel != 0) c.identities.push_back({names_.name(row.channel), row.external_id});
  if (row.extras) {
    c.phone = row.extras->phone;
    c.email = row.extras->email;
    c.status = row.extras->status;
    c.custom = row.extras->custom;
    c.identities.insert(c.identities.end(), row.extras->more_identities.begin(),
                        row.extras->more_identities.end());
    c.merged_into = row.extras->merged_into;
    c.merged_from = row.extras->merged_from;
  }
  return c;
}

std::string ContactTable::identity_key(NameTable::Id channel, std::string_view external_id) const {
  std::string key(sizeof channel, '\0');
  std::memcpy(key.data(), &channel, sizeof channel);
  key.append(external_id);
  return key;
}

std::uint64_t ContactTable::contact_of(std::string_view channel,
                                       std::string_view external_id) const {
  const auto ch = names_.find(channel);
  if (ch == NameTable::kNotFound) return 0;
  auto it = identities_.find(identity_key(ch, external_id));
  return it == identities_.end() ? 0 : it->second;
}

bool ContactTable::link(std::string_view channel, std::string_view external_id,
                        std::string_view contact_id) {
  const auto seq = seq_of_id(contact_id, "ct");
  if (seq == 0) return false;
  identities_[identity_key(names_.intern(channel), external_id)] = seq;
  return true;
}

}  // namespace sb::router

// TenantState: what operators write (replies and notes) and the outcome of
// delivering replies. Every change is also a frame of the event log.
#include <algorithm>

#include "proto/ids.h"
#include "proto/json_writer.h"
#include "proto/time.h"
#include "proto/views.h"
#include "router/tenant_state.h"

namespace sb::router {

using proto::Change;
using proto::TimeMs;

namespace {
// "@olena, @taras." -> {"olena", "taras"} (names as proto::is_valid_name allows).
std::vector<std::string> mentions_in(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '@' || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))))
      continue;
    std::size_t j = i + 1;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                               text[j] == '_' || text[j] == '-' || text[j] == '.')) {
      ++j;
    }
    while (j > i + 1 && text[j - 1] == '.') --j;  // a sentence's full stop is not part of the name
    std::string name = text.substr(i + 1, j - i - 1);
    if (proto::is_valid_name(name) && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(std::move(name));
    }
  }
  return out;
}
}  // namespace

proto::Message TenantState::new_message(const proto::Conversation& conv, proto::Direction direction,
                                        const std::string& author, const std::string& text,
                                        TimeMs now) {
  proto::Message m;
  m.seq = next_seq();
  m.id = proto::make_id("m", m.seq);
  m.conversation_id = conv.id;
  m.direction = direction;
  m.author = author;
  m.text = text;
  m.channel = conv.channel;
  m.created_at = now;
  return m;
}

Result<proto::Message> TenantState::reply(const std::string& conversation, const std::string& op,
                                          const std::string& text, TimeMs now,
                                          std::vector<Change>& out) {
  auto found = conversations_.get(conversation);
  if (!found) return Status::not_found("unknown conversation");
  proto::Conversation& conv = *found;
  if (conv.status != proto::ConversationStatus::kAssigned || conv.operator_id != op) {
    return Status(Code::kConflict, "only the conversation's current owner can reply");
  }
  return send_out(conv, op, text, now, out, /*unchanged_since_stored=*/true);
}

bool TenantState::acknowledge(proto::Conversation& conv, const std::string& text, TimeMs now,
                              std::vector<Change>& out) {
  // A courtesy must never crowd out operators' replies: acknowledgements stop
  // once half of the channel's pending-reply budget is in use (the customer's
  // own message is stored either way).
  const auto limit = options_.max_pending_outbound_per_channel;
  if (limit != 0 && outbound_pending(conv.channel) >= (limit + 1) / 2) return false;
  return send_out(conv, "", text, now, out, /*unchanged_since_stored=*/false).is_ok();
}

Result<proto::Message> TenantState::send_out(proto::Conversation& conv, const std::string& op,
                                             const std::string& text, TimeMs now,
                                             std::vector<Change>& out,
                                             bool unchanged_since_stored) {
  const auto limit = options_.max_pending_outbound_per_channel;
  auto& pending = outbound_pending_[conv.channel];
  if (limit != 0 && pending >= limit) {
    ++outbound_refused_;
    return Status(Code::kResourceExhausted, "channel " + conv.channel + " has " +
                                                std::to_string(pending) +
                                                " replies waiting for delivery; retry later");
  }
  ++pending;
  ++outbound_pending_total_;
  proto::Message m = new_message(conv, proto::Direction::kOut, op, text, now);
  outbound_pending_ids_.insert(m.id);
  conv.updated_at = now;
  conv.message_count += 1;
  // Only an operator's reply is a response; an automatic acknowledgement is not.
  bool first_response = false;
  if (conv.first_response_at == 0 && !op.empty()) {
    conv.first_response_at = now;
    first_response = true;
  }
  append_log("message.created", now, conv, &m, m.seq, out);
  proto::OutboxItem item;
  item.message_id = m.id;
  item.conversation_id = conv.id;
  item.channel = conv.channel;
  item.reply_address = conv.reply_address;
  item.text = text;
  item.next_attempt_at = now;
  out.emplace_back(std::move(item));
  store_conversation(std::move(conv), unchanged_since_stored && !first_response, out);
  out.emplace_back(m);
  return m;
}

Result<proto::Message> TenantState::note(const std::string& conversation, const std::string& author,
                                         const std::string& text, TimeMs now,
                                         std::vector<Change>& out) {
  auto found = conversations_.get(conversation);
  if (!found) return Status::not_found("unknown conversation");
  proto::Conversation& conv = *found;
  proto::Message m = new_message(conv, proto::Direction::kNote, author, text, now);
  conv.updated_at = now;
  append_log("message.created", now, conv, &m, m.seq, out);
  for (const auto& name : mentions_in(text)) {
    if (!dispatcher_.operator_runtime(name)) continue;  // not an operator: plain text
    const auto seq = next_seq();
    proto::LogEntry entry;
    entry.seq = seq;
    proto::JsonWriter w(entry.json);
    w.begin_object().field("seq", seq).field("type", "note.mention");
    w.field("at", proto::rfc3339_text(now).view()).field("by", author);
    w.key("mentions").begin_array().value(name).end_array();
    w.key("note");
    proto::write_public(w, m);
    w.key("conversation_id").value(conv.id).end_object();
    out.emplace_back(std::move(entry));
  }
  store_conversation(std::move(conv), /*activity_only=*/true, out);
  out.emplace_back(m);
  return m;
}

Result<proto::Contact> TenantState::update_contact(const proto::Contact& patch, TimeMs now,
                                                   std::vector<Change>& out) {
  auto found = contacts_.get(patch.id);
  if (!found) return Status::not_found("unknown contact");
  proto::Contact& c = *found;
  if (!patch.name.empty()) c.name = patch.name;
  if (!patch.phone.empty()) c.phone = patch.phone;
  if (!patch.email.empty()) c.email = patch.email;
  if (!patch.status.empty()) c.status = patch.status;
  for (const auto& [k, v] : patch.custom) {
    auto pos =
        std::lower_bound(c.custom.begin(), c.custom.end(), k,
                         [](const auto& kv, const std::string& key) { return kv.first < key; });
    if (pos != c.custom.end() && pos->first == k) {
      if (v.empty()) {
        c.custom.erase(pos);  // an empty value removes a custom field
      } else {
        pos->second = v;
      }
    } else if (!v.empty()) {
      c.custom.insert(pos, {k, v});
    }
  }
  store_updated_contact(c, now, out);
  return c;
}

void TenantState::store_updated_contact(const proto::Contact& c, TimeMs now,
                                        std::vector<Change>& out) {
  const auto seq = next_seq();
  proto::LogEntry entry;
  entry.seq = seq;
  proto::JsonWriter w(entry.json);
  w.begin_object().field("seq", seq).field("type", "contact.updated");
  w.field("at", proto::rfc3339_text(now).view()).key("contact");
  proto::write_public(w, c);
  w.end_object();
  out.emplace_back(std::move(entry));
  out.emplace_back(proto::TimelineMark{c.id, seq});
  contacts_.put(c);
  out.emplace_back(c);
}

Result<proto::Contact> TenantState::link_identities(const std::string& contact_id,
                                                    const std::vector<proto::Identity>& identities,
                                                    TimeMs now, std::vector<Change>& out,
                                                    bool merge) {
  auto found = contacts_.get(contact_id);
  if (!found) return Status::not_found("unknown contact");
  proto::Contact& c = *found;
  const auto self = seq_of_id(contact_id, "ct");
  std::vector<proto::Identity> added;
  std::vector<proto::Contact> merged;  // other contacts to merge into this one
  std::size_t moving = 0;              // their identities
  for (const auto& id : identities) {
    const auto owner = contacts_.contact_of(id.channel, id.external_id);
    const bool listed =
        std::find(c.identities.begin(), c.identities.end(), id) != c.identities.end() ||
        std::find(added.begin(), added.end(), id) != added.end();
    if (owner == self || listed) continue;
    if (owner == 0) {
      added.push_back(id);
      continue;
    }
    const auto owner_id = proto::make_id("ct", owner);
    if (!merge) {
      return Status(Code::kConflict, "identity " + id.channel + "/" + id.external_id +
                                         " belongs to contact " + owner_id +
                                         " (?merge=true merges that contact into this one)");
    }
    if (std::any_of(merged.begin(), merged.end(),
                    [&](const auto& m) { return m.id == owner_id; })) {
      continue;
    }
    auto other = contacts_.get(owner);
    if (!other) return Status(Code::kInternal, "identity without its contact: " + owner_id);
    if (const auto* row = contacts_.find(owner); row != nullptr && row->latest_conversation != 0) {
      const auto* conv = conversations_.find(row->latest_conversation);
      if (conv != nullptr && conv->status != proto::ConversationStatus::kResolved) {
        return Status(Code::kConflict, "contact " + owner_id + " has conversation " +
                                           proto::make_id("cv", row->latest_conversation) +
                                           " open; resolve it before merging");
      }
    }
    moving += other->identities.size();
    merged.push_back(std::move(*other));
  }
  if (added.empty() && merged.empty()) return c;
  if (!c.merged_into.empty()) {  // its messages would go to a contact nobody looks at
    return Status(Code::kConflict,
                  "contact " + c.id + " was merged into " + c.merged_into + "; link to that one");
  }
  if (c.identities.size() + added.size() + moving > kMaxIdentitiesPerContact) {
    return Status(Code::kConflict, "a contact has at most " +
                                       std::to_string(kMaxIdentitiesPerContact) + " identities");
  }
  for (const auto& id : added) {
    c.identities.push_back(id);
    contacts_.link(id.channel, id.external_id, c.id);
    out.emplace_back(proto::IdentityLink{id, c.id});
  }
  for (auto& other : merged) {
    for (const auto& id : other.identities) {
      c.identities.push_back(id);
      contacts_.link(id.channel, id.external_id, c.id);
      out.emplace_back(proto::IdentityLink{id, c.id});
    }
    c.merged_from.push_back(other.id);
    for (auto& earlier : other.merged_from) c.merged_from.push_back(std::move(earlier));
    other.identities.clear();
    other.merged_from.clear();
    other.merged_into = c.id;
    store_updated_contact(other, now, out);
  }
  store_updated_contact(c, now, out);
  return c;
}

void TenantState::restore_pending_outbound(const proto::OutboxItem& item) {
  if (item.state != "pending" && item.state != "sending") return;
  if (!outbound_pending_ids_.insert(item.message_id).second) return;
  ++outbound_pending_[item.channel];
  ++outbound_pending_total_;
}

std::uint32_t TenantState::outbound_pending(const std::string& channel) const {
  auto it = outbound_pending_.find(channel);
  return it == outbound_pending_.end() ? 0 : it->second;
}

void TenantState::outbound_settled(const proto::OutboxItem& item) {
  outbound_pending_ids_.erase(item.message_id);
  auto it = outbound_pending_.find(item.channel);
  if (it == outbound_pending_.end() || it->second == 0) return;
  --it->second;
  --outbound_pending_total_;
}

void TenantState::record_delivery(const proto::OutboxItem& item, TimeMs now,
                                  std::vector<Change>& out) {
  // Already settled: a record of an outcome that was in fact committed
  // before (its retry after an ambiguous failure) changes nothing, so the
  // count is not decremented twice and no second frame is written.
  if (!outbound_pending_ids_.contains(item.message_id)) return;
  out.emplace_back(item);
  // A retry is scheduled, or an attempt is under way: nothing to tell yet.
  if (item.state == "pending" || item.state == "sending") return;
  outbound_settled(item);
  const auto conv = conversations_.get(item.conversation_id);
  if (!conv) return;
  const auto seq = next_seq();
  proto::LogEntry entry;
  entry.seq = seq;
  proto::JsonWriter w(entry.json);
  w.begin_object().field("seq", seq);
  w.field("type", item.state == "delivered" ? "message.delivered" : "message.failed");
  w.field("at", proto::rfc3339_text(now).view()).field("message", item.message_id);
  w.field("attempts", static_cast<std::uint64_t>(item.attempts));
  if (!item.platform_message_id.empty()) w.field("platform_message_id", item.platform_message_id);
  if (!item.error.empty()) w.field("error", item.error);
  w.key("conversation");
  proto::write_public(w, tenant_, *conv, contact_name(conv->contact_id));
  w.end_object();
  out.emplace_back(std::move(entry));
  out.emplace_back(proto::TimelineMark{conv->contact_id, seq});
}

}  // namespace sb::router

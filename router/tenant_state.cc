#include "router/tenant_state.h"

#include <algorithm>
#include <cstdlib>

#include "proto/ids.h"
#include "proto/json_writer.h"
#include "proto/time.h"
#include "proto/views.h"

namespace sb::router {

using proto::Change;
using proto::TimeMs;

namespace {
std::string identity_key(std::string_view channel, std::string_view external) {
  std::string k(channel);
  k.push_back('\0');
  k.append(external);
  return k;
}
}  // namespace

TenantState::TenantState(std::string tenant, TenantOptions options)
    : tenant_(std::move(tenant)),
      options_(options),
      dedup_(options.dedup_window_ms),
      dispatcher_(options.routing) {}

proto::Contact& TenantState::resolve_contact(const proto::InboundEvent& e, TimeMs now,
                                             std::vector<Change>& out) {
  auto key = identity_key(e.channel, e.contact_external_id);
  if (auto it = identities_.find(key); it != identities_.end()) {
    auto& c = *it->second;
    if (c.name.empty() && !e.contact_name.empty()) {  // learn a name we did not have
      c.name = e.contact_name;
      out.emplace_back(c);
    }
    return c;
  }
  // Every id is the seq of the log entry that announces it: ids are unique per
  // tenant, survive restarts (seq is recovered from the log) and leave no gaps.
  const auto seq = next_seq();
  proto::Contact c;
  c.id = proto::make_id("ct", seq);
  c.name = e.contact_name;
  c.identities.push_back({e.channel, e.contact_external_id});
  c.created_at = now;
  out.emplace_back(proto::IdentityLink{{e.channel, e.contact_external_id}, c.id});
  out.emplace_back(c);
  proto::LogEntry entry;
  entry.seq = seq;
  proto::JsonWriter w(entry.json);
  w.begin_object().field("seq", seq).field("type", "contact.created");
  w.field("at", proto::format_rfc3339(now)).key("contact").begin_object();
  w.field("id", c.id).field("name", c.name).key("identities").begin_array();
  w.begin_object().field("channel", e.channel).field("external_id", e.contact_external_id);
  w.end_object().end_array().end_object().end_object();
  out.emplace_back(std::move(entry));
  out.emplace_back(proto::TimelineMark{c.id, seq});
  auto id = c.id;
  auto& stored = contacts_.emplace(std::move(id), std::move(c)).first->second;
  identities_.emplace(std::move(key), &stored);
  return stored;
}

void TenantState::append_log(std::string_view type, TimeMs now, const proto::Conversation& conv,
                             const proto::Message* msg, std::uint64_t seq,
                             std::vector<Change>& out) {
  proto::LogEntry entry;
  entry.seq = seq;
  proto::JsonWriter w(entry.json);
  w.begin_object().field("seq", seq).field("type", type).field("at", proto::format_rfc3339(now));
  w.key("conversation");
  proto::write_public(w, tenant_, conv, contact(conv.contact_id));
  if (msg != nullptr) {
    w.key("message");
    proto::write_public(w, *msg);
  }
  w.end_object();
  out.emplace_back(std::move(entry));
  out.emplace_back(proto::TimelineMark{conv.contact_id, seq});
}

IngestOutcome TenantState::ingest(const proto::InboundEvent& e, const std::string& queue,
                                  routing::ChannelKind kind, TimeMs now,
                                  std::vector<Change>& out) {
  IngestOutcome outcome;
  dedup_.expire(now);
  if (dedup_.contains(e.channel, e.event_id)) {
    outcome.kind = IngestOutcome::Kind::kDuplicate;
    return outcome;
  }
  dedup_.insert(e.channel, e.event_id, now);
  out.emplace_back(proto::DedupMark{e.channel, e.event_id, now});

  auto& contact = resolve_contact(e, now, out);
  outcome.contact_id = contact.id;

  proto::Conversation* latest = nullptr;
  if (auto it = latest_by_contact_.find(contact.id); it != latest_by_contact_.end()) {
    latest = it->second;
  }
  proto::Conversation* conv = latest;
  enum class Route { kNone, kNew, kReopen } route = Route::kNone;
  if (latest != nullptr && latest->status == proto::ConversationStatus::kResolved) {
    if (now - latest->resolved_at <= options_.reopen_window_ms) {
      route = Route::kReopen;
    } else {
      conv = nullptr;
    }
  }
  if (conv == nullptr) {
    const auto seq = next_seq();
    proto::Conversation c;
    c.id = proto::make_id("cv", seq);
    c.contact_id = contact.id;
    c.channel = e.channel;
    c.reply_address = e.reply_address;
    c.queue = queue;
    c.status = proto::ConversationStatus::kQueued;
    c.created_at = now;
    auto id = c.id;
    conv = &conversations_.emplace(std::move(id), std::move(c)).first->second;
    latest_by_contact_[conv->contact_id] = conv;  // the key views conv's contact_id
    outcome.new_conversation = true;
    route = Route::kNew;
    append_log("conversation.created", now, *conv, nullptr, seq, out);
  } else if (route == Route::kReopen) {
    conv->status = proto::ConversationStatus::kQueued;
    conv->resolved_at = 0;
    append_log("conversation.reopened", now, *conv, nullptr, next_seq(), out);
  }

  if (route != Route::kNone) {
    // Routed before the message frame is written, so that the frame already
    // names the operator holding the offer (who may then see it). A new
    // conversation prefers whoever served this customer last (sticky); a
    // reopened one goes back to its own last operator.
    const proto::Conversation* previous = route == Route::kNew ? latest : conv;
    route_arrival(*conv, e, kind, queue, previous ? previous->last_operator : std::string(),
                  previous ? (previous->resolved_at ? previous->resolved_at : previous->updated_at)
                           : 0,
                  now, out);
  }

  proto::Message m = new_message(*conv, proto::Direction::kIn, contact.id, e.text, now);
  m.channel = e.channel;  // the customer may write on another channel than the conversation's
  m.event_id = e.event_id;
  m.kind = e.kind;
  if (e.kind == proto::EventKind::kEdit) m.edit_of = e.platform_message_id;
  m.attachments = e.attachments;

  conv->updated_at = now;
  conv->message_count += 1;
  // The customer may write from another chat of the same channel; reply there.
  if (!e.reply_address.empty() && e.channel == conv->channel) conv->reply_address = e.reply_address;
  append_log("message.created", now, *conv, &m, m.seq, out);
  outcome.conversation_id = conv->id;
  outcome.message_id = m.id;
  out.emplace_back(std::move(m));

  out.emplace_back(*conv);
  return outcome;
}

void TenantState::restore(proto::Contact c) {
  auto id = c.id;
  contacts_.insert_or_assign(std::move(id), std::move(c));
}

void TenantState::restore(const proto::IdentityLink& l) {
  // Contacts are recovered before identities (key order of the contacts CF).
  // A link to a contact that is not stored reaches an empty one, as before.
  identities_[identity_key(l.identity.channel, l.identity.external_id)] = &contacts_[l.contact_id];
}

void TenantState::restore(proto::Conversation c) {
  auto id = c.id;
  auto& conv = conversations_.insert_or_assign(std::move(id), std::move(c)).first->second;
  // Ids grow with the seq: the latest conversation has the highest one. The
  // key views the conversation's own contact_id, which never changes.
  auto& latest = latest_by_contact_[conv.contact_id];
  const auto seq_of = [](const std::string& s) {
    return s.size() > 3 ? std::strtoull(s.c_str() + 3, nullptr, 10) : 0ULL;
  };
  if (latest == nullptr || seq_of(conv.id) > seq_of(latest->id)) latest = &conv;
}

void TenantState::restore(const proto::DedupMark& m) { dedup_.restore(m.channel, m.event_id, m.at); }

void TenantState::restore_last_seq(std::uint64_t seq) {
  if (seq > last_seq_) last_seq_ = seq;
}

void TenantState::finish_restore(TimeMs now, std::vector<Change>& out) {
  dedup_.finish_restore();
  dedup_.expire(now);
  (void)route(now, out, [&](routing::Dispatcher& d, routing::Output& o) {
    return d.finish_restore(now, o);
  });
}

const proto::Conversation* TenantState::conversation(const std::string& id) const {
  auto it = conversations_.find(id);
  return it == conversations_.end() ? nullptr : &it->second;
}

const proto::Conversation* TenantState::latest_conversation_of(const std::string& contact_id) const {
  auto it = latest_by_contact_.find(contact_id);
  return it == latest_by_contact_.end() ? nullptr : it->second;
}

std::vector<const proto::Conversation*> TenantState::list_conversations(
    const ConversationFilter& f, std::uint64_t& next) const {
  auto seq_of = [](const std::string& id) {
    return id.size() > 3 ? std::strtoull(id.c_str() + 3, nullptr, 10) : 0ULL;
  };
  std::vector<std::pair<std::uint64_t, const proto::Conversation*>> hits;
  for (const auto& [id, c] : conversations_) {
    const auto seq = seq_of(id);
    if (f.before_seq != 0 && seq >= f.before_seq) continue;
    if (!f.status.empty() && proto::to_string(c.status) != f.status) continue;
    if (!f.queue.empty() && c.queue != f.queue) continue;
    if (!f.operator_id.empty() && c.operator_id != f.operator_id) continue;
    if (!f.contact.empty() && c.contact_id != f.contact) continue;
    if (!f.visible_to.empty() && c.operator_id != f.visible_to && c.offered_to != f.visible_to &&
        c.last_operator != f.visible_to) {
      continue;
    }
    hits.emplace_back(seq, &c);
  }
  const std::size_t n = std::min(f.limit, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const proto::Conversation*> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(hits[i].second);
  next = (hits.size() > n && n > 0) ? hits[n - 1].first : 0;
  return out;
}

const proto::Contact* TenantState::contact(const std::string& id) const {
  auto it = contacts_.find(id);
  return it == contacts_.end() ? nullptr : &it->second;
}

}  // namespace sb::router

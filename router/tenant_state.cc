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

TenantState::TenantState(std::string tenant, TenantOptions options)
    : tenant_(std::move(tenant)),
      options_(options),
      dedup_(options.dedup_window_ms),
      dispatcher_(options.routing) {}

std::uint64_t TenantState::resolve_contact(const proto::InboundEvent& e, TimeMs now,
                                           std::vector<Change>& out) {
  if (const auto known = contacts_.contact_of(e.channel, e.contact_external_id)) {
    auto* row = contacts_.find(known);
    if (row != nullptr && row->name.empty() && !e.contact_name.empty()) {
      row->name = e.contact_name;  // learn a name we did not have
      out.emplace_back(*contacts_.get(known));
    }
    return known;
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
  proto::LogEntry entry;
  entry.seq = seq;
  proto::JsonWriter w(entry.json);
  w.begin_object().field("seq", seq).field("type", "contact.created");
  w.field("at", proto::rfc3339_text(now).view()).key("contact").begin_object();
  w.field("id", c.id).field("name", c.name).key("identities").begin_array();
  w.begin_object().field("channel", e.channel).field("external_id", e.contact_external_id);
  w.end_object().end_array().end_object().end_object();
  contacts_.put(c);
  contacts_.link(e.channel, e.contact_external_id, c.id);
  proto::TimelineMark mark{c.id, seq};
  out.emplace_back(std::move(c));
  out.emplace_back(std::move(entry));
  out.emplace_back(std::move(mark));
  return seq;
}

std::string TenantState::contact_of(std::string_view channel, std::string_view external_id) const {
  const auto seq = contacts_.contact_of(channel, external_id);
  return seq == 0 ? std::string() : proto::make_id("ct", seq);
}

void TenantState::append_log(std::string_view type, TimeMs now, const proto::Conversation& conv,
                             const proto::Message* msg, std::uint64_t seq,
                             std::vector<Change>& out) {
  proto::LogEntry entry;
  entry.seq = seq;
  // A message.created entry is ~600 bytes beside its text: one allocation
  // instead of the string's doubling growth.
  entry.json.reserve(640 + (msg != nullptr ? msg->text.size() : 0));
  proto::JsonWriter w(entry.json);
  w.begin_object()
      .field("seq", seq)
      .field("type", type)
      .field("at", proto::rfc3339_text(now).view());
  w.key("conversation");
  proto::write_public(w, tenant_, conv, contact_name(conv.contact_id));
  if (msg != nullptr) {
    w.key("message");
    proto::write_public(w, *msg);
  }
  w.end_object();
  out.emplace_back(std::move(entry));
  out.emplace_back(proto::TimelineMark{conv.contact_id, seq});
}

Status TenantState::claim_nonce(const std::string& scope, std::string_view nonce,
                                const std::vector<std::string>& event_ids, TimeMs now,
                                std::vector<Change>& out) {
  dedup_.expire(now);
  // `scope` is no channel's name, so these marks never meet a delivery's.
  std::string any = "\nnonce\n";
  any.append(nonce);
  std::string bound = any + "\n=";  // never equal to `any`, also with no events
  for (std::size_t i = 0; i < event_ids.size(); ++i) {
    if (i > 0) bound += '\n';
    bound += event_ids[i];
  }
  if (dedup_.contains(scope, bound)) return Status::ok();  // a retry of the same delivery
  if (dedup_.contains(scope, any)) {
    return {Code::kUnauthenticated,
            "this signature's token was already used for another message: a replayed signature?"};
  }
  for (auto* key : {&any, &bound}) {
    dedup_.insert(scope, *key, now);
    out.emplace_back(proto::DedupMark{scope, std::move(*key), now});
  }
  return Status::ok();
}

IngestOutcome TenantState::ingest(const proto::InboundEvent& e, const std::string& queue,
                                  routing::ChannelKind kind, TimeMs now, std::vector<Change>& out,
                                  const std::string& auto_reply) {
  IngestOutcome outcome;
  dedup_.expire(now);
  if (dedup_.contains(e.channel, e.event_id)) {
    outcome.kind = IngestOutcome::Kind::kDuplicate;
    return outcome;
  }
  dedup_.insert(e.channel, e.event_id, now);
  out.emplace_back(proto::DedupMark{e.channel, e.event_id, now});

  const auto contact_seq = resolve_contact(e, now, out);
  auto contact_id = proto::make_id("ct", contact_seq);
  outcome.contact_id = contact_id;

  // The contact's row exists (resolve_contact made it if new); map nodes do
  // not move, and nothing below adds contacts.
  PackedContact& contact_row = *contacts_.find(contact_seq);
  std::optional<proto::Conversation> latest;
  if (contact_row.latest_conversation) latest = conversations_.get(contact_row.latest_conversation);
  enum class Route { kNone, kNew, kReopen } route = Route::kNone;
  if (!latest) {
    route = Route::kNew;
  } else if (latest->status == proto::ConversationStatus::kResolved) {
    route = now - latest->resolved_at <= options_.reopen_window_ms ? Route::kReopen : Route::kNew;
  }
  proto::Conversation conv;
  if (route == Route::kNew) {
    const auto seq = next_seq();
    conv.id = proto::make_id("cv", seq);
    conv.contact_id = contact_id;
    conv.channel = e.channel;
    conv.reply_address = e.reply_address;
    conv.queue = queue;
    conv.status = proto::ConversationStatus::kQueued;
    conv.created_at = now;
    contact_row.latest_conversation = seq;
    outcome.new_conversation = true;
    append_log("conversation.created", now, conv, nullptr, seq, out);
  } else {
    conv = *latest;
    if (route == Route::kReopen) {
      conv.status = proto::ConversationStatus::kQueued;
      conv.resolved_at = 0;
      append_log("conversation.reopened", now, conv, nullptr, next_seq(), out);
    }
  }

  if (route != Route::kNone) {
    // Routed before the message frame is written, so that the frame already
    // names the operator holding the offer (who may then see it). A new
    // conversation prefers whoever served this customer last (sticky); a
    // reopened one goes back to its own last operator.
    const proto::Conversation* previous =
        route == Route::kNew ? (latest ? &*latest : nullptr) : &conv;
    const auto last_operator = previous ? previous->last_operator : std::string();
    const auto last_served_at =
        previous ? (previous->resolved_at ? previous->resolved_at : previous->updated_at) : 0;
    conversations_.put(conv);  // routing decisions update the stored conversation
    route_arrival(conv, e, kind, queue, last_operator, last_served_at, now, out);
    conv = *conversations_.get(conv.id);
    if (route == Route::kNew) {
      start_sla(conv, now);
    } else if (const auto seq = seq_of_id(conv.id, "cv");
               const auto* row = conversations_.find(seq)) {
      rearm_sla(seq, *row);  // reopened: an unanswered conversation's clock runs again
    }
  }

  proto::Message m = new_message(conv, proto::Direction::kIn, contact_id, e.text, now);
  m.channel = e.channel;  // the customer may write on another channel than the conversation's
  m.event_id = e.event_id;
  m.kind = e.kind;
  if (e.kind == proto::EventKind::kEdit) m.edit_of = e.platform_message_id;
  m.attachments = e.attachments;

  conv.updated_at = now;
  conv.message_count += 1;
  // The customer may write from another chat of the same channel; reply there.
  bool readdressed = false;
  if (!e.reply_address.empty() && e.channel == conv.channel &&
      conv.reply_address != e.reply_address) {
    conv.reply_address = e.reply_address;
    readdressed = true;
  }
  append_log("message.created", now, conv, &m, m.seq, out);
  outcome.conversation_id = conv.id;
  outcome.message_id = m.id;
  out.emplace_back(std::move(m));

  // An acknowledgement stores the conversation itself (with its own message).
  if (route == Route::kNew && !auto_reply.empty() && acknowledge(conv, auto_reply, now, out))
    return outcome;
  // A follow-up on the same address changed only the counters.
  store_conversation(std::move(conv), route == Route::kNone && !readdressed, out);
  return outcome;
}

void TenantState::store_conversation(proto::Conversation&& conv, bool activity_only,
                                     std::vector<Change>& out) {
  conversations_.put(conv);
  if (activity_only) {
    out.emplace_back(
        proto::ConversationActivity{std::move(conv.id), conv.updated_at, conv.message_count});
  } else {
    out.emplace_back(std::move(conv));
  }
}

void TenantState::reserve_for_restore(std::size_t contacts, std::size_t identities,
                                      std::size_t conversations) {
  contacts_.reserve(contacts, identities);
  conversations_.reserve(conversations);
}

void TenantState::restore(proto::Contact c) { contacts_.put(c); }

void TenantState::restore(const proto::IdentityLink& l) {
  // Contacts are recovered before identities (key order of the contacts CF).
  // A link to a contact that is not stored reaches an empty one, as before.
  if (contacts_.find_or_create(l.contact_id) != nullptr) {
    contacts_.link(l.identity.channel, l.identity.external_id, l.contact_id);
  }
}

void TenantState::restore(proto::Conversation c) {
  if (!conversations_.put(c)) return;  // not an id this tenant mints: not ours
  // Ids grow with the seq: the latest conversation has the highest one.
  const auto seq = seq_of_id(c.id, "cv");
  if (auto* contact = contacts_.find_or_create(c.contact_id)) {
    if (seq > contact->latest_conversation) contact->latest_conversation = seq;
  }
}

void TenantState::restore(const proto::ConversationActivity& a) {
  if (auto conv = conversations_.get(a.conversation_id)) {
    proto::apply(a, *conv);
    conversations_.put(*conv);
  }
}

void TenantState::restore(const proto::DedupMark& m) {
  dedup_.restore(m.channel, m.event_id, m.at);
}

void TenantState::restore_last_seq(std::uint64_t seq) {
  if (seq > last_seq_) last_seq_ = seq;
}

void TenantState::finish_restore(TimeMs now, std::vector<Change>& out) {
  dedup_.finish_restore();
  dedup_.expire(now);
  (void)route(now, out,
              [&](routing::Dispatcher& d, routing::Output& o) { return d.finish_restore(now, o); });
  restore_sla_timers();  // what fell due while we were down fires at the next advance()
}

std::optional<proto::Conversation> TenantState::conversation(std::string_view id) const {
  return conversations_.get(id);
}

std::optional<proto::Contact> TenantState::contact(std::string_view id) const {
  return contacts_.get(id);
}

std::string_view TenantState::contact_name(std::string_view contact_id) const {
  const auto* row = contacts_.find(contact_id);
  return row == nullptr ? std::string_view() : std::string_view(row->name);
}

std::optional<proto::Conversation> TenantState::latest_conversation_of(
    std::string_view contact_id) const {
  const auto* row = contacts_.find(contact_id);
  if (row == nullptr || row->latest_conversation == 0) return std::nullopt;
  return conversations_.get(row->latest_conversation);
}

std::vector<proto::Conversation> TenantState::list_conversations(const ConversationFilter& f,
                                                                 std::uint64_t& next) const {
  // Filters compare name handles; a name never interned matches no row.
  const auto handle = [&](const std::string& name) { return names_.find(name); };
  const auto queue = handle(f.queue), op = handle(f.operator_id), viewer = handle(f.visible_to);
  const auto contact = f.contact.empty() ? 0 : seq_of_id(f.contact, "ct");
  if ((!f.contact.empty() && contact == 0) || (!f.queue.empty() && queue == NameTable::kNotFound) ||
      (!f.operator_id.empty() && op == NameTable::kNotFound) ||
      (!f.visible_to.empty() && viewer == NameTable::kNotFound)) {
    next = 0;
    return {};
  }
  std::vector<std::pair<std::uint64_t, const PackedConversation*>> hits;
  conversations_.for_each([&](std::uint64_t seq, const PackedConversation& c) {
    if (f.before_seq != 0 && seq >= f.before_seq) return;
    if (!f.status.empty() && proto::to_string(c.status) != f.status) return;
    if (!f.queue.empty() && c.queue != queue) return;
    if (!f.operator_id.empty() && c.operator_id != op) return;
    if (!f.contact.empty() && c.contact != contact) return;
    if (!f.visible_to.empty() && c.operator_id != viewer && c.offered_to != viewer &&
        c.last_operator != viewer) {
      return;
    }
    hits.emplace_back(seq, &c);
  });
  const std::size_t n = std::min(f.limit, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<proto::Conversation> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(conversations_.unpack(hits[i].first, *hits[i].second));
  next = (hits.size() > n && n > 0) ? hits[n - 1].first : 0;
  return out;
}

}  // namespace sb::router

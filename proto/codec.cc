#include "proto/codec.h"

#include <optional>

#include "proto/json_fields.h"
#include "proto/json_writer.h"
#include "proto/time.h"

namespace sb::proto {

namespace od = json::od;
using json::decode_object;
using json::for_each_element;
using json::for_each_field;
using json::read_int64;
using json::read_string;

namespace {

template <class Enum>
Status read_enum(od::value v, Enum& out, std::string_view what, std::initializer_list<Enum> all) {
  std::string s;
  if (auto st = read_string(v, s, what); !st.is_ok()) return st;
  for (Enum e : all) {
    if (to_string(e) == s) {
      out = e;
      return Status::ok();
    }
  }
  return Status::invalid(std::string(what) + ": unknown value '" + s + "'");
}

Status read_attachments(od::value v, std::vector<Attachment>& out) {
  return for_each_element(v, "attachments", [&](od::value item) {
    Attachment a;
    auto st = for_each_field(item, "attachment", [&](std::string_view k, od::value f) {
      if (k == "kind") return read_string(f, a.kind, k);
      if (k == "file_id") return read_string(f, a.file_id, k);
      if (k == "name") return read_string(f, a.name, k);
      if (k == "mime") return read_string(f, a.mime, k);
      if (k == "size") return read_int64(f, a.size, k);
      return Status::ok();
    });
    if (st.is_ok()) out.push_back(std::move(a));
    return st;
  });
}

Status read_identities(od::value v, std::vector<Identity>& out) {
  return for_each_element(v, "identities", [&](od::value item) {
    Identity id;
    auto st = for_each_field(item, "identity", [&](std::string_view k, od::value f) {
      if (k == "channel") return read_string(f, id.channel, k);
      if (k == "external_id") return read_string(f, id.external_id, k);
      return Status::ok();
    });
    if (st.is_ok()) out.push_back(std::move(id));
    return st;
  });
}

}  // namespace

void write_merges(JsonWriter& w, const Contact& c) {
  if (!c.merged_into.empty()) w.field("merged_into", c.merged_into);
  if (!c.merged_from.empty()) {
    w.key("merged_from").begin_array();
    for (const auto& id : c.merged_from) w.value(id);
    w.end_array();
  }
}

void write(JsonWriter& w, const Attachment& a) {
  w.begin_object().field("kind", a.kind).field("file_id", a.file_id);
  if (!a.name.empty()) w.field("name", a.name);
  if (!a.mime.empty()) w.field("mime", a.mime);
  if (a.size != 0) w.field("size", a.size);
  w.end_object();
}

static void write_attachments(JsonWriter& w, const std::vector<Attachment>& list) {
  if (list.empty()) return;
  w.key("attachments").begin_array();
  for (const auto& a : list) write(w, a);
  w.end_array();
}

void write(JsonWriter& w, const InboundEvent& e) {
  w.begin_object()
      .field("channel", e.channel)
      .field("event_id", e.event_id)
      .field("kind", to_string(e.kind))
      .field("contact_external_id", e.contact_external_id)
      .field("contact_name", e.contact_name)
      .field("reply_address", e.reply_address);
  if (!e.platform_message_id.empty()) w.field("platform_message_id", e.platform_message_id);
  w.field("text", e.text);
  write_attachments(w, e.attachments);
  w.field("platform_ts", e.platform_ts).field("received_ts", e.received_ts).end_object();
}

void write(JsonWriter& w, const Message& m) {
  w.begin_object()
      .field("id", m.id)
      .field("seq", m.seq)
      .field("conversation", m.conversation_id)
      .field("direction", to_string(m.direction))
      .field("author", m.author)
      .field("text", m.text)
      .field("channel", m.channel)
      .field("event_id", m.event_id)
      .field("kind", to_string(m.kind));
  if (!m.edit_of.empty()) w.field("edit_of", m.edit_of);
  write_attachments(w, m.attachments);
  w.field("created_at", m.created_at).end_object();
}

std::string encode(const InboundEvent& e) {
  std::string out;
  JsonWriter w(out);
  write(w, e);
  return out;
}

std::string encode(const Message& m) {
  std::string out;
  JsonWriter w(out);
  write(w, m);
  return out;
}

std::string encode(const Contact& c) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("id", c.id).field("name", c.name);
  if (!c.phone.empty()) w.field("phone", c.phone);
  if (!c.email.empty()) w.field("email", c.email);
  if (!c.status.empty()) w.field("status", c.status);
  if (!c.custom.empty()) {
    w.key("custom").begin_object();
    for (const auto& [k, v] : c.custom) w.field(k, v);
    w.end_object();
  }
  w.key("identities").begin_array();
  for (const auto& id : c.identities) {
    w.begin_object().field("channel", id.channel).field("external_id", id.external_id).end_object();
  }
  w.end_array().field("created_at", c.created_at);
  write_merges(w, c);
  w.end_object();
  return out;
}

std::string encode(const Conversation& c) {
  std::string out;
  JsonWriter w(out);
  // Rewritten on every message of the conversation: fields at their
  // default (no operator, no offer, never resolved, no response yet) are
  // left out, and decode to that default (as they do in older daemons).
  auto text_if_set = [&](std::string_view key, const std::string& v) {
    if (!v.empty()) w.field(key, v);
  };
  auto time_if_set = [&](std::string_view key, TimeMs v) {
    if (v != 0) w.field(key, v);
  };
  w.begin_object()
      .field("id", c.id)
      .field("contact", c.contact_id)
      .field("channel", c.channel)
      .field("reply_address", c.reply_address)
      .field("queue", c.queue)
      .field("status", to_string(c.status));
  text_if_set("operator", c.operator_id);
  text_if_set("offered_to", c.offered_to);
  time_if_set("offer_expires_at", c.offer_expires_at);
  text_if_set("last_operator", c.last_operator);
  time_if_set("resolved_at", c.resolved_at);
  w.field("created_at", c.created_at).field("updated_at", c.updated_at);
  time_if_set("first_response_at", c.first_response_at);
  w.field("message_count", c.message_count);
  if (c.first_response_due_at != 0) {
    w.field("first_response_due_at", c.first_response_due_at)
        .field("sla_stage", to_string(c.sla_stage));
  }
  w.end_object();
  return out;
}

std::string encode(const ChannelConfig& c) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("name", c.name)
      .field("type", c.type)
      .field("secret", c.secret)
      .field("verify_token", c.verify_token)
      .field("queue", c.queue)
      .key("outbound")
      .begin_object()
      .field("base_url", c.outbound_base_url)
      .field("token", c.outbound_token)
      .end_object();
  if (!c.auto_reply.empty()) w.field("auto_reply", c.auto_reply);
  if (!c.account_id.empty()) w.field("account_id", c.account_id);
  w.end_object();
  return out;
}

std::string encode(const OutboxItem& o) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("message", o.message_id)
      .field("conversation", o.conversation_id)
      .field("channel", o.channel)
      .field("reply_address", o.reply_address)
      .field("text", o.text)
      .field("state", o.state)
      .field("attempts", static_cast<std::uint64_t>(o.attempts))
      .field("next_attempt_at", o.next_attempt_at)
      .field("platform_message_id", o.platform_message_id)
      .field("error", o.error)
      .end_object();
  return out;
}

Result<OutboxItem> decode_outbox_item(std::string_view json) {
  return decode_object<OutboxItem>(json, "outbox",
                                   [](OutboxItem& o, std::string_view k, od::value v) {
                                     if (k == "message") return read_string(v, o.message_id, k);
                                     if (k == "conversation")
                                       return read_string(v, o.conversation_id, k);
                                     if (k == "channel") return read_string(v, o.channel, k);
                                     if (k == "reply_address")
                                       return read_string(v, o.reply_address, k);
                                     if (k == "text") return read_string(v, o.text, k);
                                     if (k == "state") return read_string(v, o.state, k);
                                     if (k == "attempts") {
                                       std::uint64_t n = 0;
                                       auto st = proto::json::read_uint64(v, n, k);
                                       o.attempts = static_cast<std::uint32_t>(n);
                                       return st;
                                     }
                                     if (k == "next_attempt_at")
                                       return read_int64(v, o.next_attempt_at, k);
                                     if (k == "platform_message_id")
                                       return read_string(v, o.platform_message_id, k);
                                     if (k == "error") return read_string(v, o.error, k);
                                     return Status::ok();
                                   });
}

Result<InboundEvent> decode_inbound_event(std::string_view json) {
  return decode_object<
      InboundEvent>(json, "event", [](InboundEvent& e, std::string_view k, od::value v) {
    if (k == "channel") return read_string(v, e.channel, k);
    if (k == "event_id") return read_string(v, e.event_id, k);
    if (k == "kind") {
      return read_enum(v, e.kind, k, {EventKind::kMessage, EventKind::kEdit, EventKind::kCallback});
    }
    if (k == "contact_external_id") return read_string(v, e.contact_external_id, k);
    if (k == "contact_name") return read_string(v, e.contact_name, k);
    if (k == "reply_address") return read_string(v, e.reply_address, k);
    if (k == "platform_message_id") return read_string(v, e.platform_message_id, k);
    if (k == "text") return read_string(v, e.text, k);
    if (k == "attachments") return read_attachments(v, e.attachments);
    if (k == "platform_ts") return read_int64(v, e.platform_ts, k);
    if (k == "received_ts") return read_int64(v, e.received_ts, k);
    return Status::ok();
  });
}

Result<Contact> decode_contact(std::string_view json) {
  return decode_object<Contact>(json, "contact", [](Contact& c, std::string_view k, od::value v) {
    if (k == "id") return read_string(v, c.id, k);
    if (k == "name") return read_string(v, c.name, k);
    if (k == "phone") return read_string(v, c.phone, k);
    if (k == "email") return read_string(v, c.email, k);
    if (k == "status") return read_string(v, c.status, k);
    if (k == "custom") {
      return for_each_field(v, "custom", [&](std::string_view ck, od::value cv) {
        std::string val;
        auto st = read_string(cv, val, "custom");
        if (st.is_ok()) c.custom.emplace_back(std::string(ck), std::move(val));
        return st;
      });
    }
    if (k == "identities") return read_identities(v, c.identities);
    if (k == "created_at") return read_int64(v, c.created_at, k);
    if (k == "merged_into") return read_string(v, c.merged_into, k);
    if (k == "merged_from") {
      return for_each_element(v, "merged_from", [&](od::value e) {
        std::string id;
        auto st = read_string(e, id, "merged_from");
        if (st.is_ok()) c.merged_from.push_back(std::move(id));
        return st;
      });
    }
    return Status::ok();
  });
}

Result<Conversation> decode_conversation(std::string_view json) {
  return decode_object<Conversation>(
      json, "conversation", [](Conversation& c, std::string_view k, od::value v) {
        if (k == "id") return read_string(v, c.id, k);
        if (k == "contact") return read_string(v, c.contact_id, k);
        if (k == "channel") return read_string(v, c.channel, k);
        if (k == "reply_address") return read_string(v, c.reply_address, k);
        if (k == "queue") return read_string(v, c.queue, k);
        if (k == "status") {
          return read_enum(v, c.status, k,
                           {ConversationStatus::kQueued, ConversationStatus::kOffered,
                            ConversationStatus::kAssigned, ConversationStatus::kResolved});
        }
        if (k == "operator") return read_string(v, c.operator_id, k);
        if (k == "offered_to") return read_string(v, c.offered_to, k);
        if (k == "offer_expires_at") return read_int64(v, c.offer_expires_at, k);
        if (k == "last_operator") return read_string(v, c.last_operator, k);
        if (k == "resolved_at") return read_int64(v, c.resolved_at, k);
        if (k == "created_at") return read_int64(v, c.created_at, k);
        if (k == "updated_at") return read_int64(v, c.updated_at, k);
        if (k == "first_response_at") return read_int64(v, c.first_response_at, k);
        if (k == "message_count") return proto::json::read_uint64(v, c.message_count, k);
        if (k == "first_response_due_at") return read_int64(v, c.first_response_due_at, k);
        if (k == "sla_stage") {
          return read_enum(v, c.sla_stage, k,
                           {SlaStage::kNone, SlaStage::kWarned, SlaStage::kBreached});
        }
        return Status::ok();
      });
}

namespace {
// The fields that a Message record and the public view of a message share
// (created_at differs: integer ms in the record, RFC 3339 in the view);
// nullopt for any other key.
std::optional<Status> read_shared_message_field(Message& m, std::string_view k, od::value v) {
  if (k == "id") return read_string(v, m.id, k);
  if (k == "conversation") return read_string(v, m.conversation_id, k);
  if (k == "direction") {
    return read_enum(v, m.direction, k, {Direction::kIn, Direction::kOut, Direction::kNote});
  }
  if (k == "author") return read_string(v, m.author, k);
  if (k == "text") return read_string(v, m.text, k);
  if (k == "channel") return read_string(v, m.channel, k);
  if (k == "kind") {
    return read_enum(v, m.kind, k, {EventKind::kMessage, EventKind::kEdit, EventKind::kCallback});
  }
  if (k == "edit_of") return read_string(v, m.edit_of, k);
  if (k == "attachments") return read_attachments(v, m.attachments);
  return std::nullopt;
}

// A message as proto::write_public renders it.
Status read_public_message(od::value value, Message& m) {
  return for_each_field(value, "message", [&](std::string_view k, od::value v) {
    if (auto st = read_shared_message_field(m, k, v)) return *st;
    if (k == "created_at") {
      std::string at;
      if (auto st = read_string(v, at, k); !st.is_ok()) return st;
      const auto ms = parse_rfc3339(at);
      if (!ms) return Status::invalid("created_at: not an RFC 3339 time");
      m.created_at = *ms;
    }
    return Status::ok();
  });
}
}  // namespace

Result<Message> decode_message(std::string_view json) {
  return decode_object<Message>(json, "message", [](Message& m, std::string_view k, od::value v) {
    if (auto st = read_shared_message_field(m, k, v)) return *st;
    if (k == "seq") return proto::json::read_uint64(v, m.seq, k);
    if (k == "event_id") return read_string(v, m.event_id, k);
    if (k == "created_at") return read_int64(v, m.created_at, k);
    return Status::ok();
  });
}

Result<Message> decode_frame_message(std::string_view frame) {
  bool found = false;
  auto on_field = [&found](Message& m, std::string_view key, od::value value) {
    if (key == "seq") return proto::json::read_uint64(value, m.seq, key);
    if (key != "message") return Status::ok();
    found = true;
    return read_public_message(value, m);
  };
  auto decoded = decode_object<Message>(frame, "frame", on_field);
  if (decoded.is_ok() && !found) return Status::invalid("frame: no message");
  return decoded;
}

Result<ChannelConfig> decode_channel_config(std::string_view json) {
  return decode_object<ChannelConfig>(
      json, "channel", [](ChannelConfig& c, std::string_view k, od::value v) {
        if (k == "name") return read_string(v, c.name, k);
        if (k == "type") return read_string(v, c.type, k);
        if (k == "secret") return read_string(v, c.secret, k);
        if (k == "verify_token") return read_string(v, c.verify_token, k);
        if (k == "queue") return read_string(v, c.queue, k);
        if (k == "auto_reply") return read_string(v, c.auto_reply, k);
        if (k == "account_id") return read_string(v, c.account_id, k);
        if (k == "outbound") {
          return for_each_field(v, "outbound", [&](std::string_view ok, od::value ov) {
            if (ok == "base_url") return read_string(ov, c.outbound_base_url, ok);
            if (ok == "token") return read_string(ov, c.outbound_token, ok);
            return Status::ok();
          });
        }
        return Status::ok();
      });
}

}  // namespace sb::proto

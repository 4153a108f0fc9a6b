#include "proto/views.h"

#include "proto/codec.h"
#include "proto/time.h"

namespace sb::proto {

namespace {
void time_or_null(JsonWriter& w, std::string_view key, TimeMs t) {
  w.key(key);
  if (t == 0) {
    w.null();
  } else {
    w.value(rfc3339_text(t).view());
  }
}
void string_or_null(JsonWriter& w, std::string_view key, const std::string& s) {
  w.key(key);
  if (s.empty()) {
    w.null();
  } else {
    w.value(s);
  }
}
}  // namespace

void write_public(JsonWriter& w, std::string_view tenant, const Conversation& c,
                  std::string_view contact_name) {
  w.begin_object().field("id", c.id).field("tenant", tenant);
  w.key("contact").begin_object().field("id", c.contact_id);
  w.field("name", contact_name);
  w.end_object();
  w.field("channel", c.channel).field("queue", c.queue).field("status", to_string(c.status));
  string_or_null(w, "operator", c.operator_id);
  string_or_null(w, "offered_to", c.offered_to);
  time_or_null(w, "offer_expires_at", c.offer_expires_at);
  time_or_null(w, "created_at", c.created_at);
  time_or_null(w, "updated_at", c.updated_at);
  time_or_null(w, "first_response_at", c.first_response_at);
  if (c.first_response_due_at != 0) {
    w.field("first_response_due_at", rfc3339_text(c.first_response_due_at).view());
  }
  time_or_null(w, "resolved_at", c.resolved_at);
  w.field("message_count", c.message_count);
  w.end_object();
}

void write_public(JsonWriter& w, const Message& m) {
  w.begin_object()
      .field("id", m.id)
      .field("conversation", m.conversation_id)
      .field("direction", to_string(m.direction))
      .field("author", m.author)
      .field("text", m.text)
      .field("channel", m.channel)
      .field("kind", to_string(m.kind));
  if (!m.edit_of.empty()) w.field("edit_of", m.edit_of);
  if (!m.attachments.empty()) {
    w.key("attachments").begin_array();
    for (const auto& a : m.attachments) write(w, a);
    w.end_array();
  }
  w.field("created_at", rfc3339_text(m.created_at).view()).end_object();
}

void write_public(JsonWriter& w, const Contact& c) {
  w.begin_object().field("id", c.id).field("name", c.name);
  string_or_null(w, "phone", c.phone);
  string_or_null(w, "email", c.email);
  string_or_null(w, "status", c.status);
  w.key("custom").begin_object();
  for (const auto& [k, v] : c.custom) w.field(k, v);
  w.end_object().key("identities").begin_array();
  for (const auto& i : c.identities) {
    w.begin_object().field("channel", i.channel).field("external_id", i.external_id).end_object();
  }
  w.end_array();
  time_or_null(w, "created_at", c.created_at);
  write_merges(w, c);
  w.end_object();
}

}  // namespace sb::proto

#include "bench/loadgen/json_peek.h"

#include <simdjson.h>

#include "proto/time.h"

namespace sb::loadgen {

namespace od = simdjson::ondemand;

namespace {

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

// Calls on_field(key, value) for each member of the top-level object; false
// when the text is not a JSON object or on_field says so.
template <class F>
bool for_each_top_level(std::string_view text, F&& on_field) {
  simdjson::padded_string padded(text);
  od::document doc;
  if (thread_parser().iterate(padded).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto member : obj) {
    od::field field;
    if (std::move(member).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (!on_field(key, field.value())) return false;
  }
  return true;
}

bool read_string(od::value v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// A string, or "" for null.
bool read_optional_string(od::value v, std::string& out) {
  bool is_null = false;
  if (!v.is_null().get(is_null) && is_null) {
    out.clear();
    return true;
  }
  return read_string(v, out);
}

}  // namespace

std::optional<WebhookAnswer> parse_webhook_answer(std::string_view body) {
  WebhookAnswer a;
  bool first_event = true;
  const bool ok = for_each_top_level(body, [&](std::string_view key, od::value v) {
    if (key == "accepted") return !v.get_uint64().get(a.accepted);
    if (key == "duplicates") return !v.get_uint64().get(a.duplicates);
    if (key != "events") return true;
    od::array events;
    if (v.get_array().get(events)) return false;
    for (auto element : events) {
      od::object event;
      if (element.get_object().get(event)) return false;
      if (!first_event) continue;
      first_event = false;
      for (auto member : event) {
        od::field f;
        std::string_view k;
        if (std::move(member).get(f) || f.unescaped_key().get(k)) return false;
        if (k == "conversation" && !read_string(f.value(), a.conversation)) return false;
        if (k == "new_conversation" && f.value().get_bool().get(a.new_conversation)) return false;
      }
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return a;
}

std::optional<StreamFrame> parse_stream_frame(std::string_view text) {
  StreamFrame f;
  const bool ok = for_each_top_level(text, [&](std::string_view key, od::value v) {
    if (key == "seq") return !v.get_uint64().get(f.seq);
    if (key == "type") return read_string(v, f.type);
    if (key == "operator") return read_optional_string(v, f.operator_id);
    if (key == "at") {
      std::string at;
      if (!read_string(v, at)) return false;
      if (auto t = proto::parse_rfc3339(at)) f.at_ms = *t;
      return true;
    }
    if (key != "conversation") return true;
    od::object conv;
    if (v.get_object().get(conv)) return true;  // not every frame's conversation is an object
    for (auto member : conv) {
      od::field field;
      std::string_view k;
      if (std::move(member).get(field) || field.unescaped_key().get(k)) return false;
      if (k == "id") return read_string(field.value(), f.conversation);
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return f;
}

std::optional<std::string> top_level_string(std::string_view body, std::string_view key) {
  std::string out;
  const bool ok = for_each_top_level(body, [&](std::string_view k, od::value v) {
    if (k == key) return read_optional_string(v, out);
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace sb::loadgen

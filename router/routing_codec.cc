#include "router/routing_codec.h"

#include <limits>

#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::router {

namespace od = proto::json::od;
using proto::JsonWriter;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_int64;
using proto::json::read_string;

namespace {

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.key(key).begin_array();
  for (const auto& s : v) w.value(s);
  w.end_array();
}

Status read_strings(od::value v, std::vector<std::string>& out, std::string_view what) {
  return for_each_element(v, what, [&](od::value item) {
    std::string s;
    auto st = read_string(item, s, what);
    if (st.is_ok()) out.push_back(std::move(s));
    return st;
  });
}

template <class T>
Status read_small(od::value v, T& out, std::string_view what) {
  std::int64_t n = 0;
  if (auto st = read_int64(v, n, what); !st.is_ok()) return st;
  if (n < 0 || n > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
    return Status::invalid(std::string(what) + ": out of range");
  }
  out = static_cast<T>(n);
  return Status::ok();
}

}  // namespace

proto::RoutingRecord to_record(const routing::QueueConfig& q) {
  proto::RoutingRecord r{'q', q.name, {}, false};
  JsonWriter w(r.json);
  w.begin_object().field("name", q.name);
  write_strings(w, "skills", q.skills);
  w.field("priority", q.priority).field("strategy", routing::to_string(q.strategy));
  w.field("offer_timeout_ms", q.offer_timeout_ms);
  if (q.overflow) {
    w.key("overflow").begin_object().field("after_ms", q.overflow->after_ms);
    w.field("queue", q.overflow->queue).end_object();
  }
  w.field("first_response_sla_ms", q.first_response_sla_ms);
  w.key("select").begin_object();
  write_strings(w, "channels", q.select.channels);
  write_strings(w, "keywords", q.select.keywords);
  w.key("attributes").begin_array();
  for (const auto& a : q.select.attributes) {
    w.begin_object().field("key", a.key).field("value", a.value).end_object();
  }
  w.end_array().end_object().end_object();
  return r;
}

proto::RoutingRecord to_record(const routing::OperatorConfig& o) {
  proto::RoutingRecord r{'o', o.id, {}, false};
  JsonWriter w(r.json);
  w.begin_object().field("id", o.id).field("name", o.name);
  write_strings(w, "skills", o.skills);
  write_strings(w, "queues", o.queues);
  w.key("capacity").begin_object();
  w.field("chat", static_cast<std::uint64_t>(o.capacity.chat));
  w.field("email", static_cast<std::uint64_t>(o.capacity.email)).end_object().end_object();
  return r;
}

proto::RoutingRecord to_record(const routing::OperatorRuntime& rt) {
  proto::RoutingRecord r{'r', rt.id, {}, false};
  JsonWriter w(r.json);
  w.begin_object().field("id", rt.id).field("status", routing::to_string(rt.status));
  w.field("last_assigned_at", rt.last_assigned_at);
  w.field("missed_in_row", static_cast<std::uint64_t>(rt.missed_in_row));
  w.field("offline_since", rt.offline_since).field("seq", rt.seq);
  w.key("round_robin").begin_array();
  for (const auto& m : rt.round_robin) {
    w.begin_object().field("queue", m.queue).field("ticket", m.ticket).end_object();
  }
  w.end_array().end_object();
  return r;
}

proto::RoutingRecord to_record(const routing::ConversationRecord& c) {
  proto::RoutingRecord r{'v', c.id, {}, c.status == proto::ConversationStatus::kResolved};
  if (r.erase) return r;
  JsonWriter w(r.json);
  w.begin_object().field("id", c.id).field("queue", c.queue);
  w.field("kind", routing::to_string(c.kind)).field("status", proto::to_string(c.status));
  w.field("owner", c.owner).field("offered_to", c.offered_to);
  w.field("offer_expires_at", c.offer_expires_at).field("pick", static_cast<int>(c.pick));
  w.field("queued_at", c.queued_at).field("order", c.order);
  w.key("cooldowns").begin_array();
  for (const auto& cd : c.cooldowns) {
    w.begin_object().field("operator", cd.operator_id).field("until", cd.until).end_object();
  }
  w.end_array().end_object();
  return r;
}

Result<routing::QueueConfig> decode_queue(std::string_view json) {
  return proto::json::decode_object<routing::QueueConfig>(
      json, "queue", [](auto& q, std::string_view k, od::value v) -> Status {
        if (k == "name") return read_string(v, q.name, k);
        if (k == "skills") return read_strings(v, q.skills, k);
        if (k == "priority") {
          std::int64_t p = 0;
          auto st = read_int64(v, p, k);
          q.priority = static_cast<int>(p);
          return st;
        }
        if (k == "strategy") {
          std::string s;
          if (auto st = read_string(v, s, k); !st.is_ok()) return st;
          auto parsed = routing::parse_strategy(s);
          if (!parsed) return parsed.status();
          q.strategy = parsed.value();
          return Status::ok();
        }
        if (k == "offer_timeout_ms") return read_int64(v, q.offer_timeout_ms, k);
        if (k == "first_response_sla_ms") return read_int64(v, q.first_response_sla_ms, k);
        if (k == "overflow") {
          routing::Overflow o;
          auto st = for_each_field(v, k, [&](std::string_view ok, od::value ov) {
            if (ok == "after_ms") return read_int64(ov, o.after_ms, ok);
            if (ok == "queue") return read_string(ov, o.queue, ok);
            return Status::ok();
          });
          q.overflow = o;
          return st;
        }
        if (k == "select") {
          return for_each_field(v, k, [&](std::string_view sk, od::value sv) -> Status {
            if (sk == "channels") return read_strings(sv, q.select.channels, sk);
            if (sk == "keywords") return read_strings(sv, q.select.keywords, sk);
            if (sk == "attributes") {
              return for_each_element(sv, sk, [&](od::value item) {
                routing::AttributeRule a;
                auto st = for_each_field(item, "attribute", [&](std::string_view ak, od::value av) {
                  if (ak == "key") return read_string(av, a.key, ak);
                  if (ak == "value") return read_string(av, a.value, ak);
                  return Status::ok();
                });
                q.select.attributes.push_back(std::move(a));
                return st;
              });
            }
            return Status::ok();
          });
        }
        return Status::ok();
      });
}

Result<routing::OperatorConfig> decode_operator(std::string_view json) {
  return proto::json::decode_object<routing::OperatorConfig>(
      json, "operator", [](auto& o, std::string_view k, od::value v) -> Status {
        if (k == "id") return read_string(v, o.id, k);
        if (k == "name") return read_string(v, o.name, k);
        if (k == "skills") return read_strings(v, o.skills, k);
        if (k == "queues") return read_strings(v, o.queues, k);
        if (k == "capacity") {
          return for_each_field(v, k, [&](std::string_view ck, od::value cv) {
            if (ck == "chat") return read_small(cv, o.capacity.chat, ck);
            if (ck == "email") return read_small(cv, o.capacity.email, ck);
            return Status::ok();
          });
        }
        return Status::ok();
      });
}

Result<routing::OperatorRuntime> decode_runtime(std::string_view json) {
  return proto::json::decode_object<routing::OperatorRuntime>(
      json, "runtime", [](auto& r, std::string_view k, od::value v) -> Status {
        if (k == "id") return read_string(v, r.id, k);
        if (k == "status") {
          std::string s;
          if (auto st = read_string(v, s, k); !st.is_ok()) return st;
          auto parsed = routing::parse_operator_status(s);
          if (!parsed) return parsed.status();
          r.status = parsed.value();
          return Status::ok();
        }
        if (k == "last_assigned_at") return read_int64(v, r.last_assigned_at, k);
        if (k == "missed_in_row") return read_small(v, r.missed_in_row, k);
        if (k == "offline_since") return read_int64(v, r.offline_since, k);
        if (k == "seq") return proto::json::read_uint64(v, r.seq, k);
        if (k == "round_robin") {
          return for_each_element(v, k, [&](od::value item) {
            routing::RoundRobinMark m;
            auto st = for_each_field(item, "round_robin", [&](std::string_view mk, od::value mv) {
              if (mk == "queue") return read_string(mv, m.queue, mk);
              if (mk == "ticket") return proto::json::read_uint64(mv, m.ticket, mk);
              return Status::ok();
            });
            r.round_robin.push_back(std::move(m));
            return st;
          });
        }
        return Status::ok();
      });
}

Result<routing::ConversationRecord> decode_conversation_routing(std::string_view json) {
  return proto::json::decode_object<routing::ConversationRecord>(
      json, "routing", [](auto& c, std::string_view k, od::value v) -> Status {
        if (k == "id") return read_string(v, c.id, k);
        if (k == "queue") return read_string(v, c.queue, k);
        if (k == "kind") {
          std::string s;
          if (auto st = read_string(v, s, k); !st.is_ok()) return st;
          auto parsed = routing::parse_channel_kind(s);
          if (!parsed) return parsed.status();
          c.kind = parsed.value();
          return Status::ok();
        }
        if (k == "status") {
          std::string s;
          if (auto st = read_string(v, s, k); !st.is_ok()) return st;
          for (auto st :
               {proto::ConversationStatus::kQueued, proto::ConversationStatus::kOffered,
                proto::ConversationStatus::kAssigned, proto::ConversationStatus::kResolved}) {
            if (proto::to_string(st) == s) c.status = st;
          }
          return Status::ok();
        }
        if (k == "owner") return read_string(v, c.owner, k);
        if (k == "offered_to") return read_string(v, c.offered_to, k);
        if (k == "offer_expires_at") return read_int64(v, c.offer_expires_at, k);
        if (k == "pick") {
          std::uint8_t p = 0;
          auto st = read_small(v, p, k);
          c.pick = static_cast<routing::Pick>(p);
          return st;
        }
        if (k == "queued_at") return read_int64(v, c.queued_at, k);
        if (k == "order") return proto::json::read_uint64(v, c.order, k);
        if (k == "cooldowns") {
          return for_each_element(v, k, [&](od::value item) {
            routing::Cooldown cd;
            auto st = for_each_field(item, "cooldown", [&](std::string_view ck, od::value cv) {
              if (ck == "operator") return read_string(cv, cd.operator_id, ck);
              if (ck == "until") return read_int64(cv, cd.until, ck);
              return Status::ok();
            });
            c.cooldowns.push_back(std::move(cd));
            return st;
          });
        }
        return Status::ok();
      });
}

}  // namespace sb::router

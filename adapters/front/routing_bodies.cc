#include "adapters/front/routing_bodies.h"

#include "proto/ids.h"
#include "proto/json_fields.h"

namespace sb::adapters {

namespace od = proto::json::od;
namespace routing = router::routing;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_int64;
using proto::json::read_string;

namespace {
constexpr std::int64_t kMaxSeconds = 30LL * 24 * 3600;

Status read_names(od::value v, std::vector<std::string>& out, std::string_view what) {
  return for_each_element(v, what, [&](od::value item) {
    std::string s;
    if (auto st = read_string(item, s, what); !st.is_ok()) return st;
    if (!proto::is_valid_name(s)) {
      return Status::invalid(std::string(what) + ": '" + s + "' is not [A-Za-z0-9._-]{1,64}");
    }
    out.push_back(std::move(s));
    return Status::ok();
  });
}

Status read_seconds(od::value v, routing::TimeMs& out_ms, std::string_view what) {
  std::int64_t s = 0;
  if (auto st = read_int64(v, s, what); !st.is_ok()) return st;
  if (s < 0 || s > kMaxSeconds) return Status::invalid(std::string(what) + ": out of range");
  out_ms = s * 1000;
  return Status::ok();
}

// A body whose fields the callback stores itself: decode_object into nothing.
template <class F>
Status parse_object(std::string_view body, std::string_view what, F&& on_field) {
  struct Fields {};
  return proto::json::decode_object<Fields>(
             body, what, [&](Fields&, std::string_view k, od::value v) { return on_field(k, v); })
      .status();
}
}  // namespace

Result<routing::QueueConfig> parse_queue_body(std::string_view body, const std::string& name) {
  routing::QueueConfig q;
  q.name = name;
  bool auto_accept = false;
  auto st = parse_object(body, "queue", [&](std::string_view k, od::value v) -> Status {
    if (k == "skills") return read_names(v, q.skills, "skills");
    if (k == "priority") {
      std::int64_t p = 0;
      if (auto s = read_int64(v, p, k); !s.is_ok()) return s;
      if (p < -1000000 || p > 1000000) return Status::invalid("priority: out of range");
      q.priority = static_cast<int>(p);
      return Status::ok();
    }
    if (k == "strategy") {
      std::string s;
      if (auto r = read_string(v, s, k); !r.is_ok()) return r;
      auto parsed = routing::parse_strategy(s);
      if (!parsed) return Status::invalid("strategy: least_loaded, longest_idle or round_robin");
      q.strategy = parsed.value();
      return Status::ok();
    }
    if (k == "offer_timeout_s") return read_seconds(v, q.offer_timeout_ms, k);
    if (k == "auto_accept") return read_bool(v, auto_accept, k);
    if (k == "first_response_sla_s") return read_seconds(v, q.first_response_sla_ms, k);
    if (k == "overflow") {
      routing::Overflow o;
      auto s = for_each_field(v, "overflow", [&](std::string_view ok, od::value ov) -> Status {
        if (ok == "after_s") return read_seconds(ov, o.after_ms, "overflow.after_s");
        if (ok == "queue") return read_string(ov, o.queue, "overflow.queue");
        return Status::ok();
      });
      if (!s.is_ok()) return s;
      if (o.after_ms <= 0 || !proto::is_valid_name(o.queue)) {
        return Status::invalid("overflow needs after_s > 0 and a valid queue");
      }
      q.overflow = std::move(o);
      return Status::ok();
    }
    if (k == "select") {
      return for_each_field(v, "select", [&](std::string_view sk, od::value sv) -> Status {
        if (sk == "channels") return read_names(sv, q.select.channels, "select.channels");
        if (sk == "keywords") {
          return for_each_element(sv, "select.keywords", [&](od::value item) {
            std::string s;
            auto r = read_string(item, s, "select.keywords");
            if (r.is_ok() && !s.empty()) q.select.keywords.push_back(std::move(s));
            return r;
          });
        }
        if (sk == "attributes") {
          return for_each_field(sv, "select.attributes", [&](std::string_view ak, od::value av) {
            routing::AttributeRule a;
            a.key = std::string(ak);
            auto r = read_string(av, a.value, "select.attributes");
            q.select.attributes.push_back(std::move(a));
            return r;
          });
        }
        return Status::ok();
      });
    }
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  if (auto_accept) q.offer_timeout_ms = 0;
  return q;
}

Result<routing::OperatorConfig> parse_operator_body(std::string_view body, const std::string& id) {
  routing::OperatorConfig op;
  op.id = id;
  auto st = parse_object(body, "operator", [&](std::string_view k, od::value v) -> Status {
    if (k == "name") return read_string(v, op.name, k);
    if (k == "skills") return read_names(v, op.skills, "skills");
    if (k == "queues") return read_names(v, op.queues, "queues");
    if (k == "capacity") {
      return for_each_field(v, "capacity", [&](std::string_view ck, od::value cv) -> Status {
        std::int64_t n = 0;
        if (auto s = read_int64(cv, n, ck); !s.is_ok()) return s;
        if (n < 0 || n > 10000) return Status::invalid("capacity: 0..10000");
        if (ck == "chat")
          op.capacity.chat = static_cast<std::uint32_t>(n);
        else if (ck == "email")
          op.capacity.email = static_cast<std::uint32_t>(n);
        else
          return Status::invalid("capacity: chat and email only");
        return Status::ok();
      });
    }
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  if (op.name.size() > 256) return Status::invalid("name: too long");
  return op;
}

Result<routing::OperatorStatus> parse_status_body(std::string_view body) {
  std::string s;
  auto st = parse_object(body, "status", [&](std::string_view k, od::value v) -> Status {
    if (k == "status") return read_string(v, s, k);
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  auto parsed = routing::parse_operator_status(s);
  if (!parsed) return Status::invalid("status: online, away or offline");
  return parsed.value();
}

Result<TransferTarget> parse_transfer_body(std::string_view body) {
  TransferTarget t;
  auto st = parse_object(body, "transfer", [&](std::string_view k, od::value v) -> Status {
    if (k == "operator") return read_string(v, t.operator_id, k);
    if (k == "queue") return read_string(v, t.queue, k);
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  if (t.operator_id.empty() == t.queue.empty()) {
    return Status::invalid("transfer takes exactly one of operator or queue");
  }
  if (!proto::is_valid_name(t.operator_id.empty() ? t.queue : t.operator_id)) {
    return Status::invalid("transfer target: invalid name");
  }
  return t;
}

}  // namespace sb::adapters

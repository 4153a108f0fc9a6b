#include "adapters/front/routing_api.h"

#include "adapters/crypto.h"
#include "adapters/front/routing_bodies.h"
#include "proto/ids.h"
#include "proto/json_writer.h"
#include "proto/time.h"
#include "proto/views.h"
#include "router/routing_codec.h"

namespace sb::adapters {

using http::HttpRequest;
using http::json_error;
using http::Responder;
namespace routing = router::routing;

int http_status_of(const Status& st) {
  switch (st.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
    case Code::kIoError:
      return 503;
    default:
      return 500;
  }
}

std::string_view error_code_of(const Status& st) {
  switch (st.code()) {
    case Code::kInvalidArgument:
      return "invalid_body";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kPermissionDenied:
      return "forbidden";
    case Code::kUnavailable:
    case Code::kIoError:
      return "storage_unavailable";
    default:
      return code_name(st.code());
  }
}

namespace {
Status admin_only(const Caller& c) {
  return c.is_admin() ? Status::ok()
                      : Status(Code::kPermissionDenied, "needs the tenant's admin key");
}

void write_operator(proto::JsonWriter& w, const routing::OperatorConfig& op,
                    const router::TenantState& t) {
  const auto& d = t.dispatcher();
  auto rt = d.operator_runtime(op.id);
  w.begin_object().field("id", op.id).field("name", op.name);
  w.key("skills").begin_array();
  for (const auto& s : op.skills) w.value(s);
  w.end_array().key("queues").begin_array();
  for (const auto& q : op.queues) w.value(q);
  w.end_array();
  w.key("capacity").begin_object().field("chat", static_cast<std::uint64_t>(op.capacity.chat));
  w.field("email", static_cast<std::uint64_t>(op.capacity.email)).end_object();
  w.field("status", routing::to_string(rt ? rt->status : routing::OperatorStatus::kOffline));
  w.key("load").begin_object();
  w.field("chat", static_cast<std::uint64_t>(d.load(op.id, routing::ChannelKind::kChat)));
  w.field("email", static_cast<std::uint64_t>(d.load(op.id, routing::ChannelKind::kEmail)));
  w.end_object().end_object();
}
}  // namespace

RoutingApi::RoutingApi(router::Directory& directory, router::ShardSet& shards)
    : directory_(directory), shards_(shards) {}

void RoutingApi::run(const Caller& caller,
                     std::function<Status(router::TenantState&, proto::TimeMs,
                                          std::vector<proto::Change>&, std::string&)>
                         apply,
                     const Responder& respond, std::function<void()> after_commit) {
  auto body = std::make_shared<std::string>();
  router::TenantCommand cmd;
  cmd.tenant = caller.tenant;
  cmd.apply = [apply = std::move(apply), body](router::TenantState& t, proto::TimeMs now,
                                               std::vector<proto::Change>& out) {
    return apply(t, now, out, *body);
  };
  cmd.done = [respond, body, after_commit = std::move(after_commit)](Status st) {
    if (!st.is_ok())
      return respond(json_error(http_status_of(st), error_code_of(st), st.message()));
    if (after_commit) after_commit();
    respond(http::json_ok(std::move(*body)));
  };
  if (!shards_.submit(caller.tenant, std::move(cmd))) {
    auto r = json_error(503, "overloaded", "queue is full; retry");
    r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  }
}

bool RoutingApi::handle(const HttpRequest& req, const std::vector<std::string_view>& seg,
                        const Caller& caller, const Responder& respond) {
  const std::string& m = req.method;
  if (seg.size() < 2 || seg[0] != "v1") return false;
  const std::string what(seg[1]);
  if (what == "queues" && seg.size() == 3 && m == "PUT") {
    put_queue(req, std::string(seg[2]), caller, respond);
  } else if (what == "queues" && seg.size() == 2 && m == "GET") {
    list_queues(caller, respond);
  } else if (what == "operators" && seg.size() == 3 && m == "PUT") {
    put_operator(req, std::string(seg[2]), caller, respond);
  } else if (what == "operators" && seg.size() == 2 && m == "GET") {
    list_operators(caller, respond);
  } else if (what == "operators" && seg.size() == 4 && seg[3] == "status" && m == "PUT") {
    if (auto st = admin_only(caller); !st.is_ok()) {
      respond(json_error(403, "forbidden", st.message()));
    } else {
      put_status(req, std::string(seg[2]), caller, respond);
    }
  } else if (what == "me" && seg.size() == 3 && seg[2] == "status" && m == "PUT") {
    if (caller.is_admin()) {
      respond(json_error(403, "forbidden", "PUT /v1/me/status takes an operator token"));
    } else {
      put_status(req, caller.operator_id, caller, respond);
    }
  } else if (what == "conversations" && seg.size() == 4 && m == "POST" &&
             (seg[3] == "accept" || seg[3] == "decline" || seg[3] == "resolve" ||
              seg[3] == "transfer")) {
    conversation_action(req, std::string(seg[2]), seg[3], caller, respond);
  } else {
    return false;
  }
  return true;
}

void RoutingApi::put_queue(const HttpRequest& req, const std::string& name, const Caller& caller,
                           const Responder& respond) {
  if (auto st = admin_only(caller); !st.is_ok())
    return respond(json_error(403, "forbidden", st.message()));
  if (!proto::is_valid_name(name))
    return respond(json_error(400, "invalid_name", "queue names are [A-Za-z0-9._-]{1,64}"));
  auto q = parse_queue_body(req.body, name);
  if (!q) return respond(json_error(400, "invalid_body", q.status().message()));
  run(
      caller,
      [q = std::move(q).value()](router::TenantState& t, proto::TimeMs now,
                                 std::vector<proto::Change>& out, std::string& body) {
        auto st = t.route(now, out, [&](auto& d, auto& o) { return d.put_queue(q, now, o); });
        if (!st.is_ok()) return st;
        out.push_back(router::TenantState::queue_record(q));
        proto::JsonWriter w(body);
        w.begin_object().field("name", q.name).field("strategy", routing::to_string(q.strategy));
        w.field("priority", q.priority).field("offer_timeout_s", q.offer_timeout_ms / 1000);
        w.field("waiting", static_cast<std::uint64_t>(t.dispatcher().waiting(q.name))).end_object();
        return Status::ok();
      },
      respond);
}

void RoutingApi::list_queues(const Caller& caller, const Responder& respond) {
  if (auto st = admin_only(caller); !st.is_ok())
    return respond(json_error(403, "forbidden", st.message()));
  run(
      caller,
      [](router::TenantState& t, proto::TimeMs, std::vector<proto::Change>&, std::string& body) {
        auto snap = t.dispatcher().snapshot();
        proto::JsonWriter w(body);
        w.begin_object().key("queues").begin_array();
        for (const auto& q : snap.queues) {
          w.begin_object().field("name", q.name).field("strategy", routing::to_string(q.strategy));
          w.field("priority", q.priority).field("offer_timeout_s", q.offer_timeout_ms / 1000);
          w.field("waiting", static_cast<std::uint64_t>(t.dispatcher().waiting(q.name)))
              .end_object();
        }
        w.end_array().end_object();
        return Status::ok();
      },
      respond);
}

void RoutingApi::put_operator(const HttpRequest& req, const std::string& id, const Caller& caller,
                              const Responder& respond) {
  if (auto st = admin_only(caller); !st.is_ok())
    return respond(json_error(403, "forbidden", st.message()));
  if (!proto::is_valid_name(id))
    return respond(json_error(400, "invalid_name", "operator ids are [A-Za-z0-9._-]{1,64}"));
  auto op = parse_operator_body(req.body, id);
  if (!op) return respond(json_error(400, "invalid_body", op.status().message()));
  std::string rotate;
  const bool want_rotate = req.query_param("rotate_token", rotate) && rotate == "true";
  // A token is issued for a new operator (or on request); only its hash is kept.
  auto token = std::make_shared<std::string>(random_token());
  auto issued = std::make_shared<bool>(false);
  const auto hash = sha256_hex(*token);
  const std::string tenant = caller.tenant;
  std::vector<std::string> previous_hashes;
  if (want_rotate) {
    auto snap = directory_.snapshot();
    for (const auto& [h, who] : snap->operator_by_token_hash) {
      if (who.tenant == caller.tenant && who.operator_id == id) previous_hashes.push_back(h);
    }
  }
  run(
      caller,
      [op = std::move(op).value(), token, issued, hash, want_rotate, previous_hashes](
          router::TenantState& t, proto::TimeMs now, std::vector<proto::Change>& out,
          std::string& body) {
        const bool is_new = !t.dispatcher().operator_runtime(op.id).has_value();
        auto st = t.route(now, out, [&](auto& d, auto& o) { return d.put_operator(op, now, o); });
        if (!st.is_ok()) return st;
        out.push_back(router::TenantState::operator_record(op));
        if (is_new || want_rotate) {
          *issued = true;
          out.push_back(proto::RoutingRecord{'t', hash, op.id, false});
          // A rotation revokes the operator's previous tokens durably too.
          for (const auto& old_hash : previous_hashes) {
            out.push_back(proto::RoutingRecord{'t', old_hash, {}, true});
          }
        }
        proto::JsonWriter w(body);
        w.begin_object().field("id", op.id).key("token");
        if (*issued) {
          w.value(*token);
        } else {
          w.null();
        }
        w.key("operator");
        write_operator(w, op, t);
        w.end_object();
        return Status::ok();
      },
      respond,
      [this, tenant, id, hash, issued] {
        if (!*issued) return;
        // Publish the new token; a rotated one replaces the operator's old ones.
        auto snap = directory_.snapshot();
        for (const auto& [h, who] : snap->operator_by_token_hash) {
          if (who.tenant == tenant && who.operator_id == id && h != hash) {
            directory_.put_operator_token(tenant, h, "");
          }
        }
        directory_.put_operator_token(tenant, hash, id);
      });
}

void RoutingApi::list_operators(const Caller& caller, const Responder& respond) {
  if (auto st = admin_only(caller); !st.is_ok())
    return respond(json_error(403, "forbidden", st.message()));
  run(
      caller,
      [](router::TenantState& t, proto::TimeMs, std::vector<proto::Change>&, std::string& body) {
        proto::JsonWriter w(body);
        w.begin_object().key("operators").begin_array();
        for (const auto& op : t.dispatcher().operators()) write_operator(w, op, t);
        w.end_array().end_object();
        return Status::ok();
      },
      respond);
}

void RoutingApi::put_status(const HttpRequest& req, const std::string& op, const Caller& caller,
                            const Responder& respond) {
  auto status = parse_status_body(req.body);
  if (!status) return respond(json_error(400, "invalid_body", status.status().message()));
  run(
      caller,
      [op, s = status.value()](router::TenantState& t, proto::TimeMs now,
                               std::vector<proto::Change>& out, std::string& body) {
        auto st = t.route(now, out,
                          [&](auto& d, auto& o) { return d.set_operator_status(op, s, now, o); });
        if (!st.is_ok()) return st;
        proto::JsonWriter w(body);
        w.begin_object().field("operator", op).field("status", routing::to_string(s)).end_object();
        return Status::ok();
      },
      respond);
}

void RoutingApi::conversation_action(const HttpRequest& req, const std::string& id,
                                     std::string_view action, const Caller& caller,
                                     const Responder& respond) {
  if ((action == "accept" || action == "decline") && caller.is_admin()) {
    return respond(
        json_error(403, "forbidden", "only the operator holding the offer can answer it"));
  }
  TransferTarget target;
  if (action == "transfer") {
    auto parsed = parse_transfer_body(req.body);
    if (!parsed) return respond(json_error(400, "invalid_body", parsed.status().message()));
    target = std::move(parsed).value();
  }
  run(
      caller,
      [id, action = std::string(action), caller, target](router::TenantState& t, proto::TimeMs now,
                                                         std::vector<proto::Change>& out,
                                                         std::string& body) {
        const auto& actor = caller.operator_id;
        auto st = t.route(now, out, [&](routing::Dispatcher& d, routing::Output& o) -> Status {
          if (action == "accept") return d.accept(id, actor, now, o);
          if (action == "decline") return d.decline(id, actor, now, o);
          if (action == "resolve") return d.resolve(id, actor, now, o);
          if (!target.operator_id.empty())
            return d.transfer_to_operator(id, actor, target.operator_id, now, o);
          return d.transfer_to_queue(id, actor, target.queue, now, o);
        });
        if (!st.is_ok()) return st;
        const auto c = t.conversation(id);
        if (!c) return Status::not_found("unknown conversation");
        proto::JsonWriter w(body);
        proto::write_public(w, t.tenant(), *c, t.contact_name(c->contact_id));
        return Status::ok();
      },
      respond);
}

}  // namespace sb::adapters

#include "adapters/front/api_handler.h"

#include <chrono>

#include "adapters/api/api_channel.h"
#include "adapters/channel.h"
#include "adapters/crypto.h"
#include "adapters/front/api_bodies.h"
#include "proto/ids.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

using http::HttpRequest;
using http::HttpResponse;
using http::json_error;
using http::Responder;

namespace {

// Splits "/a/b/c" into {"a","b","c"}; empty segments are kept so that
// "/v1//x" does not silently match "/v1/x".
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    auto pos = path.find('/');
    out.push_back(path.substr(0, pos));
    if (pos == std::string_view::npos) break;
    path.remove_prefix(pos + 1);
  }
  return out;
}

HttpResponse unavailable(std::string_view code, std::string_view message) {
  auto r = json_error(503, code, message);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// Where the channel's customers come in: platforms post to webhook_path, a
// website chat's visitors use the routes under webchat_path.
void write_entry_path(proto::JsonWriter& w, const std::string& tenant, const std::string& name,
                      std::string_view type) {
  if (type == "webchat") {
    w.field("webchat_path", "/webchat/" + tenant + "/" + name);
  } else {
    w.field("webhook_path", "/webhooks/" + tenant + "/" + name);
  }
}

Route route_of(const std::vector<std::string_view>& seg) {
  if (seg.empty()) return Route::kOther;
  if (seg[0] == "webhooks") return Route::kWebhook;
  if (seg[0] == "webchat") return Route::kWebchat;
  if (seg[0] == "healthz" || seg[0] == "readyz") return Route::kHealth;
  if (seg[0] == "metrics") return Route::kMetrics;
  if (seg[0] == "v1" && seg.size() == 2 && seg[1] == "events") return Route::kEvents;
  if (seg[0] == "v1") return Route::kAdmin;
  return Route::kOther;
}

}  // namespace

ApiHandler::ApiHandler(router::Directory& directory, router::ShardSet& shards, Metrics& metrics,
                       StreamApi& streams, MessagesApi& messages, AnalyticsApi& analytics,
                       WebchatApi& webchat, RateLimiter& ingest_limit,
                       std::function<proto::TimeMs()> clock)
    : directory_(directory),
      shards_(shards),
      metrics_(metrics),
      clock_(std::move(clock)),
      routing_api_(directory, shards),
      streams_(streams),
      messages_(messages),
      analytics_(analytics),
      webchat_(webchat),
      ingest_limit_(ingest_limit) {
  webchat_.set_ingest([this](const std::string& tenant, const proto::ChannelConfig& channel,
                             std::vector<proto::InboundEvent> events, Responder respond) {
    submit_ingest(tenant, channel, std::move(events), 0, std::move(respond));
  });
}

void ApiHandler::on_rejected(int status) { metrics_.observe(Route::kOther, status, 0); }

std::optional<Caller> ApiHandler::authenticate(const HttpRequest& req, const Responder& respond) {
  // Streams also take ?access_token= (browsers' EventSource and WebSocket).
  const std::string key =
      http::bearer_credential(req, req.path == "/v1/stream" ? "access_token" : "");
  if (key.empty()) {
    respond(json_error(401, "unauthenticated", "missing 'Authorization: Bearer <key>'"));
    return std::nullopt;
  }
  // Keys are looked up by their SHA-256: the plain key is never stored, and
  // the final comparison of the hashes is constant-time.
  const auto hash = sha256_hex(key);
  auto snap = directory_.snapshot();
  if (auto it = snap->tenant_by_admin_hash.find(hash);
      it != snap->tenant_by_admin_hash.end() && constant_time_equal(it->first, hash)) {
    return Caller{it->second, {}};
  }
  if (auto it = snap->operator_by_token_hash.find(hash);
      it != snap->operator_by_token_hash.end() && constant_time_equal(it->first, hash)) {
    return Caller{it->second.tenant, it->second.operator_id};
  }
  respond(json_error(401, "unauthenticated", "unknown key"));
  return std::nullopt;
}

void ApiHandler::handle(HttpRequest&& req, Responder respond) {
  const auto seg = segments(req.path);
  const auto route = route_of(seg);
  const auto start = std::chrono::steady_clock::now();
  Responder done = [this, route, start, respond = std::move(respond)](HttpResponse r) {
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
    metrics_.observe(route, r.status, d.count());
    respond(std::move(r));
  };
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  const bool put = req.method == "PUT";

  if (seg.size() == 1 && seg[0] == "healthz" && get) {
    return done(http::json_ok(R"({"status":"ok"})"));
  }
  if (seg.size() == 1 && seg[0] == "readyz" && get) {
    if (!ready()) return done(unavailable("not_ready", "recovery in progress"));
    for (const auto& shard : shards_.shards()) {
      if (!shard->healthy())
        return done(unavailable("storage_unavailable", "storage writes are failing"));
    }
    return done(http::json_ok(R"({"status":"ready"})"));
  }
  if (seg.size() == 1 && seg[0] == "metrics" && get) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.render();
    return done(std::move(r));
  }
  if (seg.size() == 3 && seg[0] == "webhooks" && (post || get)) {
    const std::string tenant(seg[1]), channel(seg[2]);
    if (!proto::is_valid_name(tenant) || !proto::is_valid_name(channel)) {
      return done(json_error(404, "not_found", "unknown tenant or channel"));
    }
    if (get) return webhook_handshake(req, tenant, channel, std::move(done));
    return webhook(std::move(req), tenant, channel, std::move(done));
  }
  if (!seg.empty() && seg[0] == "webchat") {
    return webchat_.handle(std::move(req), seg, ready(), std::move(done));
  }
  if (!seg.empty() && seg[0] == "v1") {
    auto caller = authenticate(req, done);
    if (!caller) return;
    if (!ready()) return done(unavailable("not_ready", "recovery in progress"));
    if (seg.size() == 2 && seg[1] == "stream" && get) return streams_.open(req, *caller, done);
    if (routing_api_.handle(req, seg, *caller, done)) return;
    if (messages_.handle(req, seg, *caller, done)) return;
    if (analytics_.handle(req, seg, *caller, done)) return;
    const bool known = (seg.size() == 3 && seg[1] == "channels" && put) ||
                       (seg.size() == 2 && seg[1] == "channels" && get) ||
                       (seg.size() == 2 && seg[1] == "events" && post);
    if (!known)
      return done(json_error(404, "not_found", "no such route: " + req.method + " " + req.path));
    if (!caller->is_admin())
      return done(json_error(403, "forbidden", "needs the tenant's admin key"));
    const std::string tenant = caller->tenant;
    if (seg[1] == "channels" && seg.size() == 3) {
      const std::string name(seg[2]);
      if (!proto::is_valid_name(name)) {
        return done(json_error(400, "invalid_name", "channel names are [A-Za-z0-9._-]{1,64}"));
      }
      return put_channel(std::move(req), tenant, name, std::move(done));
    }
    if (seg[1] == "channels") return list_channels(tenant, std::move(done));
    return post_event(std::move(req), tenant, std::move(done));
  }
  done(json_error(404, "not_found", "no such route: " + req.method + " " + req.path));
}

void ApiHandler::webhook(HttpRequest&& req, const std::string& tenant, const std::string& channel,
                         Responder respond) {
  if (!ready()) return respond(unavailable("not_ready", "recovery in progress"));
  auto snap = directory_.snapshot();
  const auto* cfg = snap->channel(tenant, channel);
  if (cfg == nullptr) return respond(json_error(404, "not_found", "unknown tenant or channel"));
  const auto* adapter = find_channel(cfg->type);
  if (adapter == nullptr) return respond(json_error(404, "not_found", "channel type not built in"));
  if (auto st = adapter->verify(req, *cfg); !st.is_ok()) {
    if (st.code() == Code::kInvalidArgument)
      return respond(json_error(400, "malformed_body", st.message()));
    return respond(json_error(401, "bad_signature", st.message()));
  }
  auto parsed = adapter->parse(req, *cfg);
  if (!parsed) return respond(json_error(400, "malformed_body", parsed.status().message()));
  // After verification, so that unsigned floods cannot spend a tenant's budget.
  if (auto limited = rate_limited(ingest_limit_, tenant, "tenant webhook rate limit")) {
    return respond(std::move(*limited));
  }
  submit_ingest(tenant, *cfg, std::move(parsed->events), parsed->ignored, std::move(respond),
                std::move(parsed->nonce));
}

void ApiHandler::webhook_handshake(const HttpRequest& req, const std::string& tenant,
                                   const std::string& channel, Responder respond) {
  auto snap = directory_.snapshot();
  const auto* cfg = snap->channel(tenant, channel);
  if (cfg == nullptr) return respond(json_error(404, "not_found", "unknown tenant or channel"));
  const auto* adapter = find_channel(cfg->type);
  auto answer = adapter != nullptr ? adapter->handshake(req, *cfg) : std::nullopt;
  if (!answer)
    return respond(json_error(405, "method_not_allowed", "this channel has no GET handshake"));
  respond(std::move(*answer));
}

void ApiHandler::submit_ingest(const std::string& tenant, const proto::ChannelConfig& channel,
                               std::vector<proto::InboundEvent> events, std::size_t ignored,
                               Responder respond, std::string nonce) {
  if (events.empty() && nonce.empty()) {
    std::string body;
    proto::JsonWriter w(body);
    w.begin_object().field("ok", true).field("accepted", 0).field("duplicates", 0);
    w.field("ignored", static_cast<std::uint64_t>(ignored)).key("events").begin_array().end_array();
    w.end_object();
    return respond(http::json_ok(std::move(body)));
  }
  const auto now = clock_();
  for (auto& e : events) {
    e.channel = channel.name;
    e.received_ts = now;
  }
  router::IngestCommand cmd;
  cmd.tenant = tenant;
  if (!nonce.empty()) {
    cmd.nonce = std::move(nonce);
    cmd.nonce_scope = "type:" + channel.type;  // ':' is in no channel name
  }
  cmd.queue = channel.queue.empty() ? "default" : channel.queue;
  cmd.kind = router::routing::channel_kind_of_type(channel.type);
  cmd.auto_reply = channel.auto_reply;
  cmd.events = std::move(events);
  // The shard calls this after the batch holding these events is on disk.
  auto shared_respond = std::make_shared<Responder>(std::move(respond));
  std::vector<std::string> ids;
  for (const auto& e : cmd.events) ids.push_back(e.event_id);
  cmd.done = [shared_respond, ids = std::move(ids), ignored](router::IngestReply reply) {
    if (reply.status.code() == Code::kUnauthenticated) {  // a nonce used for another delivery
      return (*shared_respond)(json_error(401, "bad_signature", reply.status.message()));
    }
    if (!reply.status.is_ok()) {
      return (*shared_respond)(unavailable("storage_unavailable", reply.status.message()));
    }
    std::string body;
    body.reserve(96 + 192 * reply.outcomes.size());  // one allocation per answer
    proto::JsonWriter w(body);
    std::uint64_t accepted = 0, dups = 0;
    for (const auto& o : reply.outcomes) {
      (o.kind == router::IngestOutcome::Kind::kDuplicate ? dups : accepted) += 1;
    }
    w.begin_object().field("ok", true).field("accepted", accepted).field("duplicates", dups);
    w.field("ignored", static_cast<std::uint64_t>(ignored)).key("events").begin_array();
    for (std::size_t i = 0; i < reply.outcomes.size(); ++i) {
      const auto& o = reply.outcomes[i];
      w.begin_object().field("event_id", i < ids.size() ? ids[i] : std::string());
      if (o.kind == router::IngestOutcome::Kind::kDuplicate) {
        w.field("status", "duplicate");
      } else {
        w.field("status", "stored").field("contact", o.contact_id);
        w.field("conversation", o.conversation_id).field("message", o.message_id);
        w.field("new_conversation", o.new_conversation);
      }
      w.end_object();
    }
    w.end_array().end_object();
    (*shared_respond)(http::json_ok(std::move(body)));
  };
  auto fallback = shared_respond;
  if (!shards_.submit(tenant, std::move(cmd))) {
    (*fallback)(unavailable("overloaded", "ingest queue is full; retry"));
  }
}

void ApiHandler::put_channel(HttpRequest&& req, const std::string& tenant, const std::string& name,
                             Responder respond) {
  auto cfg = parse_channel_body(req.body, name);
  if (!cfg) return respond(json_error(400, "invalid_body", cfg.status().message()));
  router::PutChannelCommand cmd;
  cmd.tenant = tenant;
  cmd.channel = cfg.value();
  auto shared_respond = std::make_shared<Responder>(std::move(respond));
  std::string body;
  proto::JsonWriter w(body);
  w.begin_object().field("name", cfg->name).field("type", cfg->type).field("queue", cfg->queue);
  write_entry_path(w, tenant, cfg->name, cfg->type);
  w.end_object();
  cmd.done = [shared_respond, body = std::move(body)](Status st) {
    if (!st.is_ok())
      return (*shared_respond)(json_error(http_status_of(st), "storage_unavailable", st.message()));
    (*shared_respond)(http::json_ok(body));
  };
  if (!shards_.submit(tenant, std::move(cmd))) {
    (*shared_respond)(unavailable("overloaded", "queue is full; retry"));
  }
}

void ApiHandler::list_channels(const std::string& tenant, Responder respond) {
  auto snap = directory_.snapshot();
  const auto* t = snap->tenant(tenant);
  std::string body;
  proto::JsonWriter w(body);
  w.begin_object().key("channels").begin_array();
  if (t != nullptr) {
    for (const auto& [name, c] : t->channels) {
      w.begin_object().field("name", name).field("type", c.type).field("queue", c.queue);
      w.field("has_secret", !c.secret.empty()).field("outbound_base_url", c.outbound_base_url);
      if (!c.auto_reply.empty()) w.field("auto_reply", c.auto_reply);
      if (!c.account_id.empty()) w.field("account_id", c.account_id);
      write_entry_path(w, tenant, name, c.type);
      w.end_object();
    }
  }
  w.end_array().end_object();
  respond(http::json_ok(std::move(body)));
}

void ApiHandler::post_event(HttpRequest&& req, const std::string& tenant, Responder respond) {
  auto ev = parse_api_event(req.body);
  if (!ev) return respond(json_error(400, "invalid_body", ev.status().message()));
  if (ev->channel.empty()) return respond(json_error(400, "invalid_body", "channel is required"));
  auto snap = directory_.snapshot();
  const auto* cfg = snap->channel(tenant, ev->channel);
  if (cfg == nullptr)
    return respond(json_error(404, "not_found", "unknown channel '" + ev->channel + "'"));
  // Platform channels identify retries by the platform's own ids; letting
  // callers inject into them could collide with those ids and drop messages.
  if (cfg->type != "api" && cfg->type != "webchat") {
    return respond(json_error(400, "wrong_channel_type",
                              "POST /v1/events takes channels of type api or webchat"));
  }
  if (auto limited = rate_limited(ingest_limit_, tenant, "tenant webhook rate limit")) {
    return respond(std::move(*limited));
  }
  std::vector<proto::InboundEvent> events;
  events.push_back(std::move(ev).value());
  submit_ingest(tenant, *cfg, std::move(events), 0, std::move(respond));
}

}  // namespace sb::adapters

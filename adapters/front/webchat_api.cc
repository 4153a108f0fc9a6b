#include "adapters/front/webchat_api.h"

#include "adapters/front/query_params.h"
#include "adapters/front/replaying_stream.h"
#include "adapters/http/stream.h"
#include "adapters/webchat/webchat_channel.h"
#include "proto/ids.h"
#include "proto/json_writer.h"
#include "router/tenant_state.h"

namespace sb::adapters {

using http::json_error;
using http::Responder;

namespace {

// Streams one visitor may hold open (a few tabs); beyond it, 429.
constexpr std::size_t kMaxStreamsPerVisitor = 5;

// One visitor's stream: the frames of their contact's timeline that
// visitor_view() lets through, replayed from `since` (0: their whole history
// on the channel), then live.
class VisitorStream final : public ReplayingStream {
 public:
  // `history`: the contact and the contacts merged into it, whose timelines
  // the replay reads as one.
  VisitorStream(std::string tenant, std::string channel, std::string visitor,
                std::vector<std::string> history, std::uint64_t since, StreamHub& hub,
                BlockingPool& pool, storage::Db& db)
      : ReplayingStream(std::move(tenant), since, hub, pool),
        channel_(std::move(channel)),
        visitor_(std::move(visitor)),
        contact_(history.front()),
        history_(std::move(history)),
        owner_(owner_of(channel_, visitor_)),
        db_(db) {}

  static std::string owner_of(const std::string& channel, const std::string& visitor) {
    return "visitor " + channel + "/" + visitor;
  }
  const std::string& operator_id() const override { return owner_; }

 private:
  bool concerns(const Frame& f) const override { return f.contact == contact_; }

  Status read(std::uint64_t after, std::size_t limit, std::vector<proto::LogEntry>& out) override {
    return db_.read_timelines(tenant_, history_, after, limit, out);
  }

  std::optional<std::string> present(std::uint64_t, const std::string& json, bool) override {
    return visitor_view(json, channel_);
  }

  std::string hello(std::uint64_t) const override {
    std::string hello;
    proto::JsonWriter w(hello);
    w.begin_object().field("type", "stream.ready").field("visitor", visitor_).end_object();
    return hello;  // no last_seq: a visitor learns nothing of the tenant's volume
  }

  const std::string channel_, visitor_, contact_;
  const std::vector<std::string> history_;
  const std::string owner_;  // for the hub's per-owner count
  storage::Db& db_;
};

// Every answer of these routes may be read by any page.
Responder with_cors(Responder respond) {
  return [respond = std::move(respond)](http::HttpResponse r) {
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    r.headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
    respond(std::move(r));
  };
}

}  // namespace

WebchatApi::WebchatApi(router::Directory& directory, router::ShardSet& shards, StreamHub& hub,
                       BlockingPool& pool, storage::Db& db, std::function<proto::TimeMs()> clock,
                       double messages_per_second, double burst)
    : directory_(directory),
      shards_(shards),
      hub_(hub),
      pool_(pool),
      db_(db),
      clock_(std::move(clock)),
      limit_(messages_per_second, burst) {}

void WebchatApi::handle(http::HttpRequest&& req, const std::vector<std::string_view>& seg,
                        bool ready, Responder respond) {
  auto done = with_cors(std::move(respond));
  const bool known_action =
      seg.size() == 4 && (seg[3] == "visitors" || seg[3] == "messages" || seg[3] == "stream");
  if (!known_action)
    return done(json_error(404, "not_found", "no such route: " + req.method + " " + req.path));
  if (req.method == "OPTIONS") {
    http::HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers",
                           "Authorization, Content-Type, Last-Event-ID");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    return done(std::move(r));
  }
  if (!ready) {
    auto r = json_error(503, "not_ready", "recovery in progress");
    r.headers.emplace_back("Retry-After", "1");
    return done(std::move(r));
  }
  const std::string tenant(seg[1]), name(seg[2]);
  auto snap = directory_.snapshot();
  const auto* cfg = proto::is_valid_name(tenant) && proto::is_valid_name(name)
                        ? snap->channel(tenant, name)
                        : nullptr;
  if (cfg == nullptr || cfg->type != "webchat") {
    return done(json_error(404, "not_found", "unknown tenant or webchat channel"));
  }
  const bool get = req.method == "GET", post = req.method == "POST";
  if (seg[3] == "visitors" && post) {
    const auto id = new_visitor_id();
    std::string body;
    proto::JsonWriter w(body);
    w.begin_object()
        .field("visitor_id", id)
        .field("token", visitor_token(*cfg, tenant, id))
        .end_object();
    return done(http::json_ok(std::move(body), 201));
  }
  if (!((seg[3] == "messages" && post) || (seg[3] == "stream" && get))) {
    return done(
        json_error(405, "method_not_allowed", req.method + " is not served on " + req.path));
  }
  auto visitor = visitor_of_token(*cfg, tenant, http::bearer_credential(req, "token"));
  if (!visitor) return done(json_error(401, "unauthenticated", visitor.status().message()));
  if (seg[3] == "stream") return open_stream(req, tenant, *cfg, *visitor, std::move(done));
  auto event = parse_visitor_message(req.body, *visitor, clock_());
  if (!event) return done(json_error(400, "invalid_body", event.status().message()));
  if (auto limited = rate_limited(limit_, tenant, "website chat rate limit")) {
    return done(std::move(*limited));
  }
  std::vector<proto::InboundEvent> events;
  events.push_back(std::move(event).value());
  ingest_(tenant, *cfg, std::move(events), std::move(done));
}

void WebchatApi::open_stream(const http::HttpRequest& req, const std::string& tenant,
                             const proto::ChannelConfig& cfg, const std::string& visitor,
                             Responder respond) {
  std::uint64_t since = 0;
  std::string raw;
  if (!req.query_param("since", raw)) raw = std::string(req.header("last-event-id"));
  if (!raw.empty() && !parse_seq(raw, since)) {
    return respond(json_error(400, "invalid_since", "since must be a non-negative integer seq"));
  }
  if (since > hub_.last_seq(tenant)) {
    return respond(json_error(400, "invalid_since", "since is beyond the end of the stream"));
  }
  if (hub_.count(tenant, VisitorStream::owner_of(cfg.name, visitor)) >= kMaxStreamsPerVisitor) {
    auto r = json_error(
        429, "too_many_streams",
        "this visitor already has " + std::to_string(kMaxStreamsPerVisitor) + " streams open");
    r.headers.emplace_back("Retry-After", "5");
    return respond(std::move(r));
  }
  // The visitor's contact, from the shard that owns the tenant.
  auto contact = std::make_shared<std::vector<std::string>>();  // and those merged into it
  router::TenantCommand cmd{
      tenant,
      [contact, channel = cfg.name, visitor](router::TenantState& t, proto::TimeMs,
                                             std::vector<proto::Change>&) {
        const auto id = t.contact_of(channel, visitor);
        if (id.empty()) return Status::ok();
        contact->push_back(id);
        if (const auto c = t.contact(id)) {
          contact->insert(contact->end(), c->merged_from.begin(), c->merged_from.end());
        }
        return Status::ok();
      },
      [this, tenant, channel = cfg.name, visitor, since, contact, respond](Status st) {
        if (!st.is_ok()) return respond(json_error(503, "unavailable", st.message()));
        if (contact->empty()) {
          return respond(json_error(404, "no_conversation",
                                    "this visitor has not written yet; "
                                    "POST a message first, then open the stream"));
        }
        http::HttpResponse r;
        r.stream = std::make_shared<VisitorStream>(tenant, channel, visitor, std::move(*contact),
                                                   since, hub_, pool_, db_);
        respond(std::move(r));
      }};
  if (!shards_.submit(tenant, std::move(cmd))) {
    auto r = json_error(503, "overloaded", "queue is full; retry");
    r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  }
}

}  // namespace sb::adapters

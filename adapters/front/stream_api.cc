#include "adapters/front/stream_api.h"

#include <optional>

#include "adapters/front/query_params.h"
#include "adapters/front/replaying_stream.h"
#include "adapters/http/stream.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace {

// One operator's or admin's stream connection: its filter is the frame's
// audience (an admin sees everything); replays read the tenant's log.
class StreamConnection final : public ReplayingStream {
 public:
  StreamConnection(Caller caller, std::optional<std::uint64_t> since, StreamHub& hub,
                   BlockingPool& pool, storage::Db& db, Presence& presence)
      : ReplayingStream(caller.tenant, since, hub, pool),
        caller_(std::move(caller)),
        db_(db),
        presence_(presence) {}

  const std::string& operator_id() const override { return caller_.operator_id; }

 private:
  bool concerns(const Frame& f) const override { return f.visible_to(caller_.operator_id); }

  Status read(std::uint64_t after, std::size_t limit, std::vector<proto::LogEntry>& out) override {
    return db_.read_log(tenant_, after, limit, out);
  }

  std::optional<std::string> present(std::uint64_t seq, const std::string& json,
                                     bool live) override {
    if (live || caller_.is_admin()) return json;
    Frame f{seq, json, audience_of(json), {}};  // stored frames carry no audience: work it out
    if (!f.visible_to(caller_.operator_id)) return std::nullopt;
    return std::move(f.json);
  }

  std::string hello(std::uint64_t last_seq) const override {
    std::string hello;
    proto::JsonWriter w(hello);
    w.begin_object().field("type", "stream.ready").field("last_seq", last_seq);
    w.field("operator", caller_.operator_id).end_object();
    return hello;
  }

  void on_started() override {
    if (!caller_.is_admin()) presence_.connected(caller_.tenant, caller_.operator_id);
  }
  void on_stopped() override {
    if (!caller_.is_admin()) presence_.disconnected(caller_.tenant, caller_.operator_id);
  }

  Caller caller_;
  storage::Db& db_;
  Presence& presence_;
};

}  // namespace

StreamApi::StreamApi(StreamHub& hub, BlockingPool& pool, storage::Db& db, Presence& presence,
                     std::size_t max_per_operator)
    : hub_(hub), pool_(pool), db_(db), presence_(presence), max_per_operator_(max_per_operator) {}

void StreamApi::open(const http::HttpRequest& req, const Caller& caller,
                     const http::Responder& respond) {
  std::optional<std::uint64_t> since;
  std::string raw;
  const bool has_query = req.query_param("since", raw);
  if (!has_query) raw = std::string(req.header("last-event-id"));
  if (has_query || !raw.empty()) {
    std::uint64_t v = 0;
    if (!parse_seq(raw, v)) {
      return respond(
          http::json_error(400, "invalid_since", "since must be a non-negative integer seq"));
    }
    if (v > hub_.last_seq(caller.tenant)) {
      return respond(http::json_error(400, "invalid_since",
                                      "since is beyond the end of the stream (" +
                                          std::to_string(hub_.last_seq(caller.tenant)) + ")"));
    }
    since = v;
  }
  if (!caller.is_admin() && hub_.count(caller.tenant, caller.operator_id) >= max_per_operator_) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    auto r = http::json_error(
        429, "too_many_streams",
        "this operator already has " + std::to_string(max_per_operator_) + " stream connections");
    r.headers.emplace_back("Retry-After", "5");
    return respond(std::move(r));
  }
  http::HttpResponse r;
  r.stream = std::make_shared<StreamConnection>(caller, since, hub_, pool_, db_, presence_);
  respond(std::move(r));
}

}  // namespace sb::adapters

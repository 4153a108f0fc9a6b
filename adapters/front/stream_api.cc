#include "adapters/front/stream_api.h"

#include <deque>
#include <optional>

#include "adapters/front/query_params.h"
#include "adapters/http/stream.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace {

constexpr std::size_t kReplayChunk = 512;
// Live frames held while a replay runs, and frames posted but not yet handled:
// past these the consumer is too slow, and is told to resume with ?since=.
constexpr std::size_t kMaxHeldFrames = 20000;

// One stream connection. Its state lives on the connection's I/O thread: the hub
// and the replay reads only post to it.
class StreamConnection final : public http::StreamSource,
                               public StreamSubscriber,
                               public std::enable_shared_from_this<StreamConnection> {
 public:
  StreamConnection(Caller caller, std::optional<std::uint64_t> since, StreamHub& hub,
                   BlockingPool& pool, storage::Db& db, Presence& presence)
      : caller_(std::move(caller)), since_(since), hub_(hub), pool_(pool), db_(db), presence_(presence) {}

  void start(std::shared_ptr<http::StreamSink> sink) override {
    sink_ = std::move(sink);
    if (!caller_.is_admin()) presence_.connected(caller_.tenant, caller_.operator_id);
    hub_.subscribe(caller_.tenant, shared_from_this());  // before reading the log: no gap
    const auto last = hub_.last_seq(caller_.tenant);
    std::string hello;
    proto::JsonWriter w(hello);
    w.begin_object().field("type", "stream.ready").field("last_seq", last);
    w.field("operator", caller_.operator_id).end_object();
    if (since_) {
      replaying_ = true;
      read_after_ = *since_;
      sink_->send(*since_, std::move(hello));
      read_more();
    } else {
      read_after_ = last;
      sink_->send(last, std::move(hello));
    }
  }

  const std::string& operator_id() const override { return caller_.operator_id; }
  void close(const std::string& reason) override {
    if (sink_) sink_->close(reason);
  }

  void on_client_message(const std::string& text) override {
    // Application-level heartbeat for clients that cannot see WebSocket pings.
    if (text.find("\"ping\"") != std::string::npos && sink_) {
      sink_->send(read_after_, R"({"type":"pong"})");
    }
  }

  void stop() override {
    stopped_ = true;
    hub_.unsubscribe(caller_.tenant, this);
    if (!caller_.is_admin()) presence_.disconnected(caller_.tenant, caller_.operator_id);
  }

  // Shard thread: filter, then hand over to the connection's I/O thread.
  void deliver(const std::shared_ptr<const Frame>& frame) override {
    if (!frame->visible_to(caller_.operator_id) || !sink_) return;
    if (in_flight_.fetch_add(1, std::memory_order_acq_rel) > kMaxHeldFrames) {
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      sink_->close("slow consumer: too many frames queued; reconnect with ?since=<last seq>");
      return;
    }
    sink_->post([me = shared_from_this(), frame] {
      me->in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      me->on_live(frame);
    });
  }

 private:
  void on_live(const std::shared_ptr<const Frame>& f) {
    if (stopped_) return;
    if (replaying_) {
      if (held_.size() >= kMaxHeldFrames) {
        sink_->close("slow consumer: replay too far behind; reconnect with ?since=<last seq>");
        return;
      }
      held_.push_back(f);
      return;
    }
    emit(f->seq, f->json);
  }

  void emit(std::uint64_t seq, const std::string& json) {
    if (seq <= read_after_) return;  // already sent by the replay
    read_after_ = seq;
    sink_->send(seq, json);
  }

  void read_more() {
    pool_.run([me = shared_from_this(), after = read_after_] {
      std::vector<proto::LogEntry> entries;
      Status st = me->db_.read_log(me->caller_.tenant, after, kReplayChunk, entries);
      me->sink_->post([me, st, entries = std::move(entries)]() mutable {
        me->on_replayed(st, std::move(entries));
      });
    });
  }

  void on_replayed(const Status& st, std::vector<proto::LogEntry> entries) {
    if (stopped_) return;
    if (!st.is_ok()) {
      sink_->close("replay failed: " + st.message());
      return;
    }
    const bool more = entries.size() == kReplayChunk;
    for (auto& e : entries) {
      if (caller_.is_admin()) {
        emit(e.seq, e.json);
      } else {
        Frame f{e.seq, std::move(e.json), {}, {}};
        f.audience = audience_of(f.json);
        if (f.visible_to(caller_.operator_id)) {
          emit(f.seq, f.json);
        } else {
          read_after_ = std::max(read_after_, f.seq);
        }
      }
    }
    if (more) return read_more();
    replaying_ = false;
    for (const auto& f : held_) emit(f->seq, f->json);
    held_.clear();
  }

  Caller caller_;
  std::optional<std::uint64_t> since_;
  StreamHub& hub_;
  BlockingPool& pool_;
  storage::Db& db_;
  Presence& presence_;
  std::shared_ptr<http::StreamSink> sink_;
  std::atomic<std::size_t> in_flight_{0};
  // State touched only on the connection's I/O thread.
  bool replaying_ = false;
  bool stopped_ = false;
  std::uint64_t read_after_ = 0;  // highest seq handled (sent or skipped as not visible)
  std::deque<std::shared_ptr<const Frame>> held_;
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
      return respond(http::json_error(400, "invalid_since", "since must be a non-negative integer seq"));
    }
    if (v > hub_.last_seq(caller.tenant)) {
      return respond(http::json_error(400, "invalid_since", "since is beyond the end of the stream (" +
                                                                std::to_string(hub_.last_seq(caller.tenant)) + ")"));
    }
    since = v;
  }
  if (!caller.is_admin() && hub_.count(caller.tenant, caller.operator_id) >= max_per_operator_) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    auto r = http::json_error(429, "too_many_streams",
                              "this operator already has " + std::to_string(max_per_operator_) +
                                  " stream connections");
    r.headers.emplace_back("Retry-After", "5");
    return respond(std::move(r));
  }
  http::HttpResponse r;
  r.stream = std::make_shared<StreamConnection>(caller, since, hub_, pool_, db_, presence_);
  respond(std::move(r));
}

}  // namespace sb::adapters

#include "adapters/front/analytics_api.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <set>

#include "proto/json_writer.h"
#include "proto/time.h"
#include "router/analytics.h"
#include "router/tenant_state.h"

namespace sb::adapters {

using http::json_error;
using http::Responder;
using proto::TimeMs;

namespace {

constexpr TimeMs kDay = 24LL * 3600 * 1000;
constexpr TimeMs kMaxRange = 92 * kDay;
constexpr std::size_t kChunk = 1024;  // log entries per read
// A range is read in one go on the blocking pool, which also serves stream
// replays and history reads: one scan at a time in the process, and at most
// this many entries per scan.
constexpr std::uint64_t kMaxScanned = 20'000'000;
std::atomic<bool> scan_running{false};

struct OperatorNow {
  std::string id, name, status;
  std::uint64_t chat = 0, email = 0;
};

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

void write_summary(proto::JsonWriter& w, std::string_view key, std::vector<TimeMs> samples) {
  const auto s = router::summarize(std::move(samples));
  w.key(key).begin_object().field("count", s.count);
  w.key("mean_s").raw(seconds(s.mean_s)).key("p50_s").raw(seconds(s.p50_s));
  w.key("p90_s").raw(seconds(s.p90_s)).end_object();
}

// A seq such that every log entry up to it is older than `from` (0: read from
// the start): a galloping then binary search over seqs, one Seek per probe.
// Only an optimisation: entries older than `from` read after it are skipped.
Result<std::uint64_t> start_after(storage::Db& db, const std::string& tenant, TimeMs from) {
  std::vector<proto::LogEntry> one;
  // The first entry with seq >= s, if any.
  auto probe = [&](std::uint64_t s) -> Result<std::optional<proto::LogEntry>> {
    one.clear();
    if (auto st = db.read_log(tenant, s - 1, 1, one); !st.is_ok()) return st;
    if (one.empty()) return std::optional<proto::LogEntry>();
    return std::optional<proto::LogEntry>(std::move(one.front()));
  };
  std::uint64_t lo = 0, hi = 1;
  for (;;) {  // gallop until an entry at or after `from`, or the end
    auto e = probe(hi);
    if (!e) return e.status();
    if (!*e || router::frame_time((*e)->json) >= from) break;
    lo = (*e)->seq;
    hi = lo * 2;
  }
  while (lo + 1 < hi) {
    const auto mid = lo + (hi - lo) / 2;
    auto e = probe(mid);
    if (!e) return e.status();
    if (!*e || (*e)->seq >= hi || router::frame_time((*e)->json) >= from) {
      hi = mid;
    } else {
      lo = (*e)->seq;
    }
  }
  return lo;
}

std::string report(TimeMs from, TimeMs to, const std::vector<OperatorNow>& now,
                   const router::OperatorAnalytics& an) {
  std::string body;
  proto::JsonWriter w(body);
  w.begin_object()
      .field("from", proto::format_rfc3339(from))
      .field("to", proto::format_rfc3339(to));
  w.field("frames_counted", an.frames_read()).key("operators").begin_array();
  const router::OperatorFigures none;
  auto write_one = [&](const std::string& id, const OperatorNow* live) {
    const auto it = an.figures().find(id);
    const auto& f = it == an.figures().end() ? none : it->second;
    w.begin_object().field("id", id).field("name", live ? live->name : std::string());
    w.key("status");
    if (live) {
      w.value(live->status);
      w.key("load")
          .begin_object()
          .field("chat", live->chat)
          .field("email", live->email)
          .end_object();
    } else {
      w.null().key("load").null();
    }
    w.field("conversations_assigned", f.assigned).field("conversations_handled", f.handled);
    w.field("messages_sent", f.messages_sent);
    write_summary(w, "first_response", f.first_response);
    write_summary(w, "handle_time", f.handle_time);
    write_summary(w, "resolution_time", f.resolution_time);
    w.end_object();
  };
  std::set<std::string> listed;
  for (const auto& op : now) {
    write_one(op.id, &op);
    listed.insert(op.id);
  }
  for (const auto& [id, f] : an.figures()) {
    if (!listed.contains(id)) write_one(id, nullptr);  // in the log, no longer configured
  }
  w.end_array().end_object();
  return body;
}

}  // namespace

AnalyticsApi::AnalyticsApi(router::ShardSet& shards, BlockingPool& pool, storage::Db& db,
                           std::function<TimeMs()> clock)
    : shards_(shards), pool_(pool), db_(db), clock_(std::move(clock)) {}

bool AnalyticsApi::handle(const http::HttpRequest& req, const std::vector<std::string_view>& seg,
                          const Caller& caller, const Responder& respond) {
  if (seg.size() != 3 || seg[1] != "analytics" || seg[2] != "operators" || req.method != "GET")
    return false;
  operators(req, caller, respond);
  return true;
}

void AnalyticsApi::operators(const http::HttpRequest& req, const Caller& caller,
                             const Responder& respond) {
  if (!caller.is_admin())
    return respond(json_error(403, "forbidden", "needs the tenant's admin key"));
  TimeMs to = clock_(), from = 0;
  std::string s;
  if (req.query_param("to", s) && !s.empty()) {
    auto t = proto::parse_rfc3339(s);
    if (!t) return respond(json_error(400, "invalid_query", "to: an RFC 3339 UTC time"));
    to = *t;
  }
  from = to - kDay;
  if (req.query_param("from", s) && !s.empty()) {
    auto t = proto::parse_rfc3339(s);
    if (!t) return respond(json_error(400, "invalid_query", "from: an RFC 3339 UTC time"));
    from = *t;
  }
  if (from > to) return respond(json_error(400, "invalid_query", "from is after to"));
  if (to - from > kMaxRange)
    return respond(json_error(400, "invalid_query", "at most 92 days from from to to"));

  if (scan_running.exchange(true, std::memory_order_acq_rel)) {
    auto r = json_error(503, "busy", "another analytics request is being computed; retry");
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  // Released before the answer is handed over (a client that asks again at
  // once must not find it taken), or when the last copy of the completion is
  // gone if no answer is written (e.g. the shard dropped the command).
  struct Slot {
    std::atomic<bool> held{true};
    void release() {
      if (held.exchange(false, std::memory_order_acq_rel)) {
        scan_running.store(false, std::memory_order_release);
      }
    }
    ~Slot() { release(); }
  };
  auto slot = std::make_shared<Slot>();
  Responder answer = [respond, slot](http::HttpResponse r) {
    slot->release();
    respond(std::move(r));
  };
  // Status and load now, from the shard; then the log, on the blocking pool.
  auto live = std::make_shared<std::vector<OperatorNow>>();
  router::TenantCommand cmd{
      caller.tenant,
      [live](router::TenantState& t, TimeMs, std::vector<proto::Change>&) {
        const auto& d = t.dispatcher();
        for (const auto& op : d.operators()) {
          const auto rt = d.operator_runtime(op.id);
          live->push_back({op.id, op.name,
                           std::string(router::routing::to_string(
                               rt ? rt->status : router::routing::OperatorStatus::kOffline)),
                           d.load(op.id, router::routing::ChannelKind::kChat),
                           d.load(op.id, router::routing::ChannelKind::kEmail)});
        }
        return Status::ok();
      },
      [this, tenant = caller.tenant, from, to, live, answer](Status st) {
        if (!st.is_ok()) return answer(json_error(503, "unavailable", st.message()));
        pool_.run([this, tenant, from, to, live, answer] {
          router::OperatorAnalytics an(from, to);
          auto after = start_after(db_, tenant, from);
          if (!after)
            return answer(json_error(503, "storage_unavailable", after.status().message()));
          std::uint64_t next = *after, scanned = 0;
          std::vector<proto::LogEntry> chunk;
          for (bool more = true; more;) {
            if (scanned > kMaxScanned) {
              return answer(
                  json_error(413, "range_too_large",
                             "the range holds more than 20,000,000 events; narrow from and to"));
            }
            chunk.clear();
            if (auto rs = db_.read_log(tenant, next, kChunk, chunk); !rs.is_ok()) {
              return answer(json_error(503, "storage_unavailable", rs.message()));
            }
            for (const auto& e : chunk) {
              if (!an.add(e)) {
                more = false;
                break;
              }
            }
            scanned += chunk.size();
            if (chunk.size() < kChunk) more = false;
            if (!chunk.empty()) next = chunk.back().seq;
          }
          answer(http::json_ok(report(from, to, *live, an)));
        });
      }};
  if (!shards_.submit(caller.tenant, std::move(cmd))) {
    auto r = json_error(503, "overloaded", "queue is full; retry");
    r.headers.emplace_back("Retry-After", "1");
    answer(std::move(r));
  }
}

}  // namespace sb::adapters

#include "router/analytics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "proto/json_fields.h"
#include "proto/time.h"

namespace sb::router {

namespace od = proto::json::od;
using proto::TimeMs;
using proto::json::for_each_field;
using proto::json::read_string;

namespace {

// What a counted frame says; times are 0 when absent or null.
struct Frame {
  std::string type, op;
  TimeMs at = 0;
  std::string conversation;
  TimeMs created_at = 0, first_response_at = 0;
  std::string direction, author;
  TimeMs message_at = 0;
};

Status read_time(od::value v, TimeMs& out, std::string_view what) {
  if (v.is_null()) return Status::ok();
  std::string s;
  if (auto st = read_string(v, s, what); !st.is_ok()) return st;
  auto t = proto::parse_rfc3339(s);
  if (!t) return Status::invalid(std::string(what) + ": not RFC 3339");
  out = *t;
  return Status::ok();
}

Result<Frame> parse(std::string_view json) {
  return proto::json::decode_object<Frame>(
      json, "frame", [](Frame& f, std::string_view k, od::value v) -> Status {
        if (k == "type") return read_string(v, f.type, k);
        if (k == "at") return read_time(v, f.at, k);
        if (k == "operator") return v.is_null() ? Status::ok() : read_string(v, f.op, k);
        if (k == "conversation") {
          return for_each_field(v, k, [&](std::string_view ck, od::value cv) -> Status {
            if (ck == "id") return read_string(cv, f.conversation, ck);
            if (ck == "created_at") return read_time(cv, f.created_at, ck);
            if (ck == "first_response_at") return read_time(cv, f.first_response_at, ck);
            return Status::ok();
          });
        }
        if (k == "message") {
          return for_each_field(v, k, [&](std::string_view mk, od::value mv) -> Status {
            if (mk == "direction") return read_string(mv, f.direction, mk);
            if (mk == "author") return read_string(mv, f.author, mk);
            if (mk == "created_at") return read_time(mv, f.message_at, mk);
            return Status::ok();
          });
        }
        return Status::ok();
      });
}

bool counted(std::string_view json) {
  for (std::string_view t : {R"("type":"conversation.assigned")",
                             R"("type":"conversation.resolved")", R"("type":"message.created")"}) {
    if (json.find(t) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

TimeMs frame_time(std::string_view frame_json) {
  // "at" comes third in every frame the daemon writes; a cheap scan suffices.
  const auto k = frame_json.find(R"("at":")");
  if (k == std::string_view::npos) return 0;
  const auto from = k + 6;
  const auto end = frame_json.find('"', from);
  if (end == std::string_view::npos) return 0;
  return proto::parse_rfc3339(frame_json.substr(from, end - from)).value_or(0);
}

bool OperatorAnalytics::add(const proto::LogEntry& e) {
  const TimeMs at = frame_time(e.json);
  // Frames are written in time order, give or take a wall-clock step: read a
  // little past `to` before stopping.
  if (at > to_ + kClockSlackMs) return false;
  if (at < from_ || at > to_ || !counted(e.json)) return true;
  auto parsed = parse(e.json);
  if (!parsed) return true;
  const Frame& f = parsed.value();
  ++frames_;
  if (f.type == "conversation.assigned" && !f.op.empty()) {
    ops_[f.op].assigned += 1;
    assigned_at_[f.conversation] = {f.op, f.at};
  } else if (f.type == "conversation.resolved" && !f.op.empty()) {
    auto& o = ops_[f.op];
    o.handled += 1;
    if (f.created_at != 0 && f.at >= f.created_at) o.resolution_time.push_back(f.at - f.created_at);
    if (auto it = assigned_at_.find(f.conversation); it != assigned_at_.end()) {
      if (it->second.first == f.op && f.at >= it->second.second)
        o.handle_time.push_back(f.at - it->second.second);
      assigned_at_.erase(it);
    }
  } else if (f.type == "message.created" && f.direction == "out" && !f.author.empty()) {
    auto& o = ops_[f.author];
    o.messages_sent += 1;
    // The first reply is the one that set first_response_at.
    if (f.first_response_at != 0 && f.first_response_at == f.message_at && f.created_at != 0 &&
        f.first_response_at >= f.created_at && first_counted_.insert(f.conversation).second) {
      o.first_response.push_back(f.first_response_at - f.created_at);
    }
  }
  return true;
}

DurationSummary summarize(std::vector<TimeMs> millis) {
  DurationSummary s;
  s.count = millis.size();
  if (millis.empty()) return s;
  std::sort(millis.begin(), millis.end());
  const double total = std::accumulate(millis.begin(), millis.end(), 0.0);
  s.mean_s = total / static_cast<double>(millis.size()) / 1000.0;
  // Nearest rank: the smallest sample with at least p% of them at or below it.
  auto rank = [&](double p) {
    auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(millis.size())));
    return static_cast<double>(millis[std::max<std::size_t>(i, 1) - 1]) / 1000.0;
  };
  s.p50_s = rank(50);
  s.p90_s = rank(90);
  return s;
}

}  // namespace sb::router

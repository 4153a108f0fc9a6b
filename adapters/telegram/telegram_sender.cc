#include "adapters/telegram/telegram_sender.h"

#include <algorithm>
#include <charconv>

#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;
using Kind = DeliveryResult::Kind;

namespace {

constexpr std::string_view kDefaultBaseUrl = "https://api.telegram.org";
// Flood waits can last hours; anything beyond a day is a broken hint.
constexpr std::int64_t kMaxRetryAfterS = 24 * 3600;

bool is_canonical_int64(const std::string& s) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && end == s.data() + s.size() && std::to_string(n) == s;
}

// What we read of a Bot API answer:
// {"ok":false,"error_code":429,"description":"...","parameters":{"retry_after":5}}
struct BotReply {
  bool ok = false;
  std::string message_id;
  std::string description;
  std::int64_t retry_after = -1;  // -1: absent
};

Status parse_reply(std::string_view body, BotReply& out) {
  simdjson::padded_string storage;
  od::document doc;
  if (auto st = proto::json::begin(body, storage, doc); !st.is_ok()) return st;
  od::object root;
  if (auto e = doc.get_object().get(root)) return proto::json::to_status(e, "Bot API response");
  auto st = for_each_field(root, [&](std::string_view k, od::value v) -> Status {
    if (k == "ok") return read_bool(v, out.ok, "ok");
    if (k == "description") return read_string(v, out.description, "description");
    if (k == "result") {
      od::json_type t;
      if (auto e = v.type().get(t)) return proto::json::to_status(e, "result");
      if (t != od::json_type::object) return Status::ok();  // other methods answer `true`
      return for_each_field(v, "result", [&](std::string_view rk, od::value rv) {
        if (rk == "message_id") return read_id(rv, out.message_id, "result.message_id");
        return Status::ok();
      });
    }
    if (k == "parameters") {
      return for_each_field(v, "parameters", [&](std::string_view pk, od::value pv) {
        if (pk == "retry_after") return read_int64(pv, out.retry_after, "parameters.retry_after");
        return Status::ok();
      });
    }
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  return proto::json::finish(doc);
}

}  // namespace

outbound::OutboundRequest telegram_send_message(const proto::ChannelConfig& channel,
                                                const std::string& chat_id,
                                                const std::string& text) {
  outbound::OutboundRequest req;
  req.method = "POST";
  req.url = base_url(channel, kDefaultBaseUrl) + "/bot" + channel.outbound_token + "/sendMessage";
  req.headers.emplace_back("Content-Type", "application/json");
  proto::JsonWriter w(req.body);
  w.begin_object();
  w.key("chat_id");
  if (is_canonical_int64(chat_id)) {
    w.raw(chat_id);
  } else {
    w.value(chat_id);
  }
  w.field("text", text);
  w.end_object();
  return req;
}

DeliveryResult interpret_telegram_response(const Result<outbound::OutboundResponse>& r) {
  if (!r.is_ok()) return transport_failure(r.status());
  const auto& res = r.value();
  BotReply reply;
  const Status parsed = parse_reply(res.body, reply);

  if (res.status >= 200 && res.status < 300) {
    if (!parsed.is_ok() || !reply.ok) {
      return delivery(Kind::kRetry, res.status,
                      "HTTP " + std::to_string(res.status) + " is not a Bot API answer: " +
                          (parsed.is_ok() ? body_excerpt(res.body) : parsed.message()));
    }
    auto d = delivery(Kind::kDelivered, res.status, "");
    d.platform_message_id = std::move(reply.message_id);
    return d;
  }

  std::string error = parsed.is_ok() && !reply.description.empty()
                          ? reply.description
                          : "HTTP " + std::to_string(res.status) + ": " + body_excerpt(res.body);
  if (res.status == 429 || res.status >= 500) {
    auto d = delivery(Kind::kRetry, res.status, std::move(error));
    std::int64_t s = parsed.is_ok() ? reply.retry_after : -1;
    if (s < 0) s = retry_after_header(res).value_or(0);
    d.retry_after = std::chrono::seconds(std::clamp<std::int64_t>(s, 0, kMaxRetryAfterS));
    return d;
  }
  return delivery(Kind::kFailed, res.status, std::move(error));
}

}  // namespace sb::adapters

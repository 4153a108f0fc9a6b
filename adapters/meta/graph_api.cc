#include "adapters/meta/graph_api.h"

#include <algorithm>
#include <charconv>

#include "adapters/crypto.h"
#include "proto/json_fields.h"

namespace sb::adapters::meta {

namespace od = proto::json::od;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;
using Kind = DeliveryResult::Kind;

namespace {

constexpr std::string_view kDefaultBaseUrl = "https://graph.facebook.com";
constexpr std::string_view kGraphVersion = "/v19.0";
constexpr std::int64_t kMaxRetryAfterS = 24 * 3600;

bool is_challenge(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
  });
}

// Error codes Meta documents as rate limits or temporary unavailability.
bool transient_code(std::int64_t code) {
  switch (code) {
    case 1: case 2: case 4: case 17: case 32: case 341: case 613:  // Graph API
    case 80007: case 130429: case 131016: case 131056:             // WhatsApp Cloud API
      return true;
    default:
      return false;
  }
}

// What we read of a Graph answer: {"message_id":...} (Messenger, Instagram),
// {"messages":[{"id":...}]} (WhatsApp), or {"error":{...}}.
struct GraphReply {
  std::string message_id;
  bool has_error = false;
  std::string error_message;
  std::int64_t error_code = 0;
  bool is_transient = false;
};

Status parse_reply(std::string_view body, GraphReply& out) {
  simdjson::padded_string storage;
  od::document doc;
  if (auto st = proto::json::begin(body, storage, doc); !st.is_ok()) return st;
  od::object root;
  if (auto e = doc.get_object().get(root)) return proto::json::to_status(e, "Graph API response");
  auto st = for_each_field(root, [&](std::string_view k, od::value v) -> Status {
    if (k == "message_id") return read_id(v, out.message_id, "message_id");
    if (k == "messages") {
      return for_each_element(v, "messages", [&](od::value m) {
        return for_each_field(m, "messages[]", [&](std::string_view mk, od::value mv) {
          if (mk == "id" && out.message_id.empty()) return read_id(mv, out.message_id, "messages[].id");
          return Status::ok();
        });
      });
    }
    if (k == "error") {
      out.has_error = true;
      return for_each_field(v, "error", [&](std::string_view ek, od::value ev) {
        if (ek == "message") return read_string(ev, out.error_message, "error.message");
        if (ek == "code") return read_int64(ev, out.error_code, "error.code");
        if (ek == "is_transient") return read_bool(ev, out.is_transient, "error.is_transient");
        return Status::ok();
      });
    }
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  return proto::json::finish(doc);
}

std::chrono::milliseconds retry_after(const outbound::OutboundResponse& res) {
  const std::string v = res.header("retry-after");
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::chrono::milliseconds(0);
  return std::chrono::seconds(std::clamp<std::int64_t>(n, 0, kMaxRetryAfterS));
}

}  // namespace

Status verify_hub_signature(const http::HttpRequest& req, const proto::ChannelConfig& cfg) {
  if (cfg.secret.empty()) {
    return {Code::kUnauthenticated, "channel has no secret; set it to the Meta app secret"};
  }
  std::string_view sig = req.header("x-hub-signature-256");
  constexpr std::string_view kPrefix = "sha256=";
  if (sig.substr(0, kPrefix.size()) != kPrefix) {
    return {Code::kUnauthenticated, "X-Hub-Signature-256 missing or not sha256=..."};
  }
  sig.remove_prefix(kPrefix.size());
  std::string given(sig);
  std::transform(given.begin(), given.end(), given.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!constant_time_equal(given, hmac_sha256_hex(cfg.secret, req.body))) {
    return {Code::kUnauthenticated, "X-Hub-Signature-256 does not match the body"};
  }
  return Status::ok();
}

std::optional<http::HttpResponse> hub_challenge(const http::HttpRequest& req,
                                                const proto::ChannelConfig& cfg) {
  std::string mode, token, challenge;
  req.query_param("hub.mode", mode);
  req.query_param("hub.verify_token", token);
  req.query_param("hub.challenge", challenge);
  if (cfg.verify_token.empty()) {
    return http::json_error(403, "forbidden", "channel has no verify_token to answer Meta's handshake");
  }
  if (mode != "subscribe" || !constant_time_equal(token, cfg.verify_token)) {
    return http::json_error(403, "forbidden", "hub.mode is not subscribe or hub.verify_token does not match");
  }
  if (!is_challenge(challenge)) {
    return http::json_error(400, "bad_request", "hub.challenge must be 1..128 of [A-Za-z0-9_-]");
  }
  http::HttpResponse r;
  r.content_type = "text/plain";
  r.body = std::move(challenge);
  return r;
}

std::string graph_base(const proto::ChannelConfig& cfg) {
  std::string_view base = cfg.outbound_base_url;
  if (base.empty()) base = kDefaultBaseUrl;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + std::string(kGraphVersion);
}

outbound::OutboundRequest graph_post(const proto::ChannelConfig& cfg, std::string url,
                                     std::string body) {
  outbound::OutboundRequest req;
  req.method = "POST";
  req.url = std::move(url);
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Authorization", "Bearer " + cfg.outbound_token);
  req.body = std::move(body);
  return req;
}

DeliveryResult interpret_graph_response(const Result<outbound::OutboundResponse>& r) {
  if (!r.is_ok()) return transport_failure(r.status());
  const auto& res = r.value();
  GraphReply reply;
  const Status parsed = parse_reply(res.body, reply);
  if (res.status >= 200 && res.status < 300) {
    if (!parsed.is_ok() || reply.has_error) {
      return delivery(Kind::kRetry, res.status,
                      "HTTP " + std::to_string(res.status) + " is not a Graph API send answer: " +
                          (parsed.is_ok() ? body_excerpt(res.body) : parsed.message()));
    }
    auto d = delivery(Kind::kDelivered, res.status, "");
    d.platform_message_id = std::move(reply.message_id);
    return d;
  }
  std::string error = parsed.is_ok() && reply.has_error && !reply.error_message.empty()
                          ? reply.error_message + " (code " + std::to_string(reply.error_code) + ")"
                          : "HTTP " + std::to_string(res.status) + ": " + body_excerpt(res.body);
  const bool transient = parsed.is_ok() && (reply.is_transient || transient_code(reply.error_code));
  if (res.status == 429 || res.status >= 500 || transient) {
    auto d = delivery(Kind::kRetry, res.status, std::move(error));
    d.retry_after = retry_after(res);
    return d;
  }
  return delivery(Kind::kFailed, res.status, std::move(error));
}

bool valid_unix_ms(std::int64_t ms) { return ms >= 0 && ms <= 253402300799999; }

}  // namespace sb::adapters::meta

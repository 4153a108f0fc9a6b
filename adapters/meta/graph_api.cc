#include "adapters/meta/graph_api.h"

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
    case 1:
    case 2:
    case 4:
    case 17:
    case 32:
    case 341:
    case 613:  // Graph API
    case 80007:
    case 130429:
    case 131016:
    case 131056:  // WhatsApp Cloud API
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

Result<GraphReply> parse_reply(std::string_view body) {
  return proto::json::decode_object<GraphReply>(
      body, "Graph API response", [](GraphReply& out, std::string_view k, od::value v) -> Status {
        if (k == "message_id") return read_id(v, out.message_id, "message_id");
        if (k == "messages") {
          return for_each_element(v, "messages", [&](od::value m) {
            return for_each_field(m, "messages[]", [&](std::string_view mk, od::value mv) {
              if (mk == "id" && out.message_id.empty())
                return read_id(mv, out.message_id, "messages[].id");
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
  const auto given = http::ascii_lower(sig);
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
    return http::json_error(403, "forbidden",
                            "channel has no verify_token to answer Meta's handshake");
  }
  if (mode != "subscribe" || !constant_time_equal(token, cfg.verify_token)) {
    return http::json_error(403, "forbidden",
                            "hub.mode is not subscribe or hub.verify_token does not match");
  }
  if (!is_challenge(challenge)) {
    return http::json_error(400, "bad_request", "hub.challenge must be 1..128 of [A-Za-z0-9_-]");
  }
  http::HttpResponse r;
  r.content_type = "text/plain";
  r.body = std::move(challenge);
  return r;
}

Result<ParsedWebhook> parse_envelope(
    std::string_view body, std::string_view expected_object,
    const std::function<Status(od::value entry, ParsedWebhook& out)>& on_entry) {
  struct Envelope {
    std::string object;
    bool has_entry = false;
    ParsedWebhook out;
  };
  auto decoded = proto::json::decode_object<Envelope>(
      body, "webhook body", [&](Envelope& e, std::string_view k, od::value v) -> Status {
        if (k == "object") return read_string(v, e.object, "object");
        if (k != "entry") return Status::ok();
        e.has_entry = true;
        return for_each_element(v, "entry",
                                [&](od::value entry) { return on_entry(entry, e.out); });
      });
  if (!decoded) return decoded.status();
  Envelope& e = decoded.value();
  if (e.object != expected_object) {
    return Status::invalid("object is '" + e.object + "', this channel takes '" +
                           std::string(expected_object) + "'");
  }
  if (!e.has_entry) return Status::invalid("webhook body has no entry");
  if (e.out.events.empty() && e.out.ignored == 0) e.out.ignored = 1;
  return std::move(e.out);
}

std::string graph_base(const proto::ChannelConfig& cfg) {
  return base_url(cfg, kDefaultBaseUrl) + std::string(kGraphVersion);
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
  auto decoded = parse_reply(res.body);
  const Status parsed = decoded.is_ok() ? Status::ok() : decoded.status();
  const GraphReply reply = decoded.is_ok() ? std::move(decoded).value() : GraphReply{};
  if (res.status >= 200 && res.status < 300) {
    if (!parsed.is_ok() || reply.has_error) {
      return delivery(Kind::kRetry, res.status,
                      "HTTP " + std::to_string(res.status) + " is not a Graph API send answer: " +
                          (parsed.is_ok() ? body_excerpt(res.body) : parsed.message()));
    }
    auto d = delivery(Kind::kDelivered, res.status, "");
    d.platform_message_id = reply.message_id;
    return d;
  }
  std::string error = parsed.is_ok() && reply.has_error && !reply.error_message.empty()
                          ? reply.error_message + " (code " + std::to_string(reply.error_code) + ")"
                          : "HTTP " + std::to_string(res.status) + ": " + body_excerpt(res.body);
  const bool transient = parsed.is_ok() && (reply.is_transient || transient_code(reply.error_code));
  if (res.status == 429 || res.status >= 500 || transient) {
    auto d = delivery(Kind::kRetry, res.status, std::move(error));
    d.retry_after = std::chrono::seconds(
        std::clamp<std::int64_t>(retry_after_header(res).value_or(0), 0, kMaxRetryAfterS));
    return d;
  }
  return delivery(Kind::kFailed, res.status, std::move(error));
}

bool valid_unix_ms(std::int64_t ms) { return ms >= 0 && ms <= 253402300799999; }

}  // namespace sb::adapters::meta

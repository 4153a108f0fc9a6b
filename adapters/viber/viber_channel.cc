#include "adapters/viber/viber_channel.h"

#include <algorithm>

#include "adapters/crypto.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_field;
using proto::json::read_double;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;
using Kind = DeliveryResult::Kind;

namespace {

constexpr std::string_view kDefaultBaseUrl = "https://chatapi.viber.com";
constexpr std::size_t kMaxSenderName = 28;

struct Callback {
  std::string event, message_token, sender_id, sender_name;
  std::int64_t timestamp = 0;
  std::string type, text, media, file_name, phone;
  std::int64_t size = 0;
  double lat = 0, lon = 0;
  bool has_location = false;
};

Status parse_message(od::value v, Callback& c) {
  return for_each_field(v, "message", [&](std::string_view k, od::value f) -> Status {
    if (k == "type") return read_string(f, c.type, "message.type");
    if (k == "text") return read_string(f, c.text, "message.text");
    if (k == "media") return read_string(f, c.media, "message.media");
    if (k == "file_name") return read_string(f, c.file_name, "message.file_name");
    if (k == "size") return read_int64(f, c.size, "message.size");
    if (k == "location") {
      c.has_location = true;
      return for_each_field(f, "message.location", [&](std::string_view lk, od::value lv) {
        if (lk == "lat") return read_double(lv, c.lat, "location.lat");
        if (lk == "lon") return read_double(lv, c.lon, "location.lon");
        return Status::ok();
      });
    }
    if (k == "contact") {
      return for_each_field(f, "message.contact", [&](std::string_view ck, od::value cv) {
        if (ck == "phone_number") return read_string(cv, c.phone, "contact.phone_number");
        return Status::ok();
      });
    }
    return Status::ok();  // thumbnail, duration, sticker_id, tracking_data, ...
  });
}

bool to_event(Callback& c, proto::InboundEvent& e) {
  if (c.event != "message" || c.sender_id.empty() || c.message_token.empty()) return false;
  if (c.type == "location" && c.has_location) {
    c.text = "location: " + std::to_string(c.lat) + "," + std::to_string(c.lon);
  } else if (c.type == "contact" && !c.phone.empty()) {
    c.text = "contact: " + c.phone;
  } else if (c.type != "text" && !c.media.empty()) {
    proto::Attachment a;
    a.kind = c.type == "picture" ? "photo" : c.type == "file" ? "document" : c.type;
    a.file_id = c.media;
    a.name = c.file_name;
    a.size = std::max<std::int64_t>(c.size, 0);
    e.attachments.push_back(std::move(a));
  }
  if (c.text.empty() && e.attachments.empty()) return false;
  e.event_id = c.message_token;
  e.kind = proto::EventKind::kMessage;
  e.contact_external_id = c.sender_id;
  e.contact_name = c.sender_name;
  e.reply_address = c.sender_id;
  e.platform_message_id = c.message_token;
  e.text = std::move(c.text);
  e.platform_ts = c.timestamp >= 0 && c.timestamp <= 253402300799999 ? c.timestamp : 0;
  return true;
}

// What we read of a send_message answer: {"status":0,"status_message":"ok","message_token":...}.
struct SendReply {
  std::int64_t status = -1;
  std::string status_message, message_token;
};

Result<SendReply> parse_reply(std::string_view body) {
  return proto::json::decode_object<SendReply>(
      body, "Viber response", [](SendReply& out, std::string_view k, od::value v) -> Status {
        if (k == "status") return read_int64(v, out.status, "status");
        if (k == "status_message") return read_string(v, out.status_message, "status_message");
        if (k == "message_token") return read_id(v, out.message_token, "message_token");
        return Status::ok();
      });
}

class ViberChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "viber"; }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    if (cfg.secret.empty()) {
      return {Code::kUnauthenticated, "channel has no secret; set it to the bot's auth token"};
    }
    const auto given = http::ascii_lower(req.header("x-viber-content-signature"));
    if (!constant_time_equal(given, hmac_sha256_hex(cfg.secret, req.body))) {
      return {Code::kUnauthenticated, "X-Viber-Content-Signature does not match the body"};
    }
    return Status::ok();
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig&) const override {
    return parse_viber_callback(req.body);
  }

  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    outbound::OutboundRequest req;
    req.url = base_url(cfg, kDefaultBaseUrl) + "/pa/send_message";
    req.headers.emplace_back("Content-Type", "application/json");
    req.headers.emplace_back("X-Viber-Auth-Token",
                             cfg.outbound_token.empty() ? cfg.secret : cfg.outbound_token);
    proto::JsonWriter w(req.body);
    w.begin_object().field("receiver", address).field("min_api_version", std::uint64_t{1});
    w.key("sender").begin_object().field("name", cfg.name.substr(0, kMaxSenderName)).end_object();
    w.field("type", "text").field("text", text).end_object();
    return req;
  }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    if (!r.is_ok()) return transport_failure(r.status());
    const auto& res = r.value();
    if (res.status == 429 || res.status >= 500)
      return delivery(Kind::kRetry, res.status, "HTTP " + std::to_string(res.status));
    if (res.status < 200 || res.status >= 300)
      return delivery(Kind::kFailed, res.status, "HTTP " + std::to_string(res.status));
    auto decoded = parse_reply(res.body);
    if (!decoded.is_ok() || decoded->status < 0)
      return delivery(Kind::kRetry, res.status, "not a Viber API answer");
    SendReply reply = std::move(decoded).value();
    if (reply.status == 0) {
      auto d = delivery(Kind::kDelivered, res.status, "");
      d.platform_message_id = std::move(reply.message_token);
      return d;
    }
    std::string error = (reply.status_message.empty() ? "error" : reply.status_message) +
                        " (status " + std::to_string(reply.status) + ")";
    // 1..24 but 12: the request, token, account, receiver or country is
    // wrong, or the account's messages or balance are used up; 12: too many
    // requests; anything else is Viber's "general error".
    const bool permanent = reply.status >= 1 && reply.status <= 24 && reply.status != 12;
    return delivery(permanent ? Kind::kFailed : Kind::kRetry, res.status, std::move(error));
  }
};

}  // namespace

Result<ParsedWebhook> parse_viber_callback(std::string_view body) {
  auto decoded = proto::json::decode_object<Callback>(
      body, "Viber callback", [](Callback& c, std::string_view k, od::value v) -> Status {
        if (k == "event") return read_string(v, c.event, "event");
        if (k == "timestamp") return read_int64(v, c.timestamp, "timestamp");
        if (k == "message_token") return read_id(v, c.message_token, "message_token");
        if (k == "sender") {
          return for_each_field(v, "sender", [&](std::string_view sk, od::value sv) {
            if (sk == "id") return read_id(sv, c.sender_id, "sender.id");
            if (sk == "name") return read_string(sv, c.sender_name, "sender.name");
            return Status::ok();
          });
        }
        if (k == "message") return parse_message(v, c);
        return Status::ok();  // user, user_id, chat_hostname, silent, subscribed, ...
      });
  if (!decoded) return decoded.status();
  Callback& c = decoded.value();
  if (c.event.empty()) return Status::invalid("Viber callback has no event");
  ParsedWebhook out;
  proto::InboundEvent e;
  if (to_event(c, e)) {
    out.events.push_back(std::move(e));
  } else {
    out.ignored = 1;
  }
  return out;
}

const ChannelAdapter& viber_channel() {
  static const ViberChannel instance;
  return instance;
}

}  // namespace sb::adapters

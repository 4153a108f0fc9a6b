#include "adapters/api/api_channel.h"

#include "adapters/crypto.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;

namespace {
constexpr std::size_t kMaxIdLength = 256;

class ApiChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "api"; }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    if (cfg.secret.empty()) return {Code::kUnauthenticated, "channel has no secret"};
    const std::string expected = "sha256=" + hmac_sha256_hex(cfg.secret, req.body);
    if (!constant_time_equal(req.header("x-switchboard-signature"), expected)) {
      return {Code::kUnauthenticated, "X-Switchboard-Signature does not match"};
    }
    return Status::ok();
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig&) const override {
    auto e = parse_api_event(req.body);
    if (!e) return e.status();
    ParsedWebhook out;
    out.events.push_back(std::move(e).value());
    return out;
  }

  // Replies go to the integration's own endpoint (outbound.base_url), signed
  // like inbound webhooks: X-Switchboard-Signature: sha256=HMAC(secret, body).
  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    if (cfg.outbound_base_url.empty()) return std::nullopt;
    outbound::OutboundRequest req;
    req.url = cfg.outbound_base_url;
    proto::JsonWriter w(req.body);
    w.begin_object().field("channel", cfg.name).field("reply_address", address);
    w.field("text", text).end_object();
    req.headers.emplace_back("Content-Type", "application/json");
    req.headers.emplace_back("X-Switchboard-Signature",
                             "sha256=" + hmac_sha256_hex(cfg.secret, req.body));
    return req;
  }

  // The receiver (the tenant's own CRM) deduplicates by Idempotency-Key.
  bool idempotent_send() const override { return true; }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    if (!r) return transport_failure(r.status());
    DeliveryResult d;
    d.http_status = r->status;
    if (r->status >= 200 && r->status < 300) {
      d.kind = DeliveryResult::Kind::kDelivered;
    } else if (r->status == 429 || r->status >= 500) {
      d.kind = DeliveryResult::Kind::kRetry;
      d.error = "HTTP " + std::to_string(r->status);
    } else {
      d.kind = DeliveryResult::Kind::kFailed;
      d.error = "HTTP " + std::to_string(r->status);
    }
    return d;
  }
};
}  // namespace

Result<proto::InboundEvent> parse_api_event(std::string_view body) {
  simdjson::padded_string storage;
  od::document doc;
  if (auto st = proto::json::begin(body, storage, doc); !st.is_ok()) return st;
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return proto::json::to_status(e, "event");
  proto::InboundEvent ev;
  bool has_contact = false;
  auto st = for_each_field(obj, [&](std::string_view k, od::value v) -> Status {
    if (k == "channel") return read_string(v, ev.channel, "channel");
    if (k == "event_id") return read_id(v, ev.event_id, "event_id");
    if (k == "text") return read_string(v, ev.text, "text");
    if (k == "contact") {
      has_contact = true;
      return for_each_field(v, "contact", [&](std::string_view ck, od::value cv) {
        if (ck == "external_id") return read_id(cv, ev.contact_external_id, "contact.external_id");
        if (ck == "name") return read_string(cv, ev.contact_name, "contact.name");
        return Status::ok();
      });
    }
    if (k == "reply_address") return read_string(v, ev.reply_address, "reply_address");
    if (k == "attachments") {
      return for_each_element(v, "attachments", [&](od::value item) {
        proto::Attachment a;
        auto s = for_each_field(item, "attachment", [&](std::string_view ak, od::value av) {
          if (ak == "kind") return read_string(av, a.kind, "attachment.kind");
          if (ak == "file_id") return read_string(av, a.file_id, "attachment.file_id");
          if (ak == "name") return read_string(av, a.name, "attachment.name");
          if (ak == "mime") return read_string(av, a.mime, "attachment.mime");
          if (ak == "size") return read_int64(av, a.size, "attachment.size");
          return Status::ok();
        });
        if (s.is_ok()) ev.attachments.push_back(std::move(a));
        return s;
      });
    }
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  if (auto fin = proto::json::finish(doc); !fin.is_ok()) return fin;
  if (ev.event_id.empty()) return Status::invalid("event_id is required");
  if (ev.event_id.size() > kMaxIdLength) return Status::invalid("event_id is too long");
  if (!has_contact || ev.contact_external_id.empty()) {
    return Status::invalid("contact.external_id is required");
  }
  if (ev.contact_external_id.size() > kMaxIdLength) {
    return Status::invalid("contact.external_id is too long");
  }
  if (ev.text.empty() && ev.attachments.empty())
    return Status::invalid("text or attachments required");
  if (ev.reply_address.empty()) ev.reply_address = ev.contact_external_id;
  return ev;
}

const ChannelAdapter& api_channel() {
  static const ApiChannel instance;
  return instance;
}

}  // namespace sb::adapters

#include "adapters/webchat/webchat_channel.h"

#include "adapters/crypto.h"
#include "proto/ids.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::read_string;

namespace {

constexpr std::size_t kMinSecret = 16;
constexpr std::size_t kMaxName = 256;

std::string signature(const proto::ChannelConfig& cfg, std::string_view tenant,
                      std::string_view visitor_id) {
  std::string data = "switchboard-webchat-visitor\n";
  data.append(tenant).append("\n").append(cfg.name).append("\n").append(visitor_id);
  return hmac_sha256_hex(cfg.secret, data);
}

class WebchatChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "webchat"; }

  Status validate(const proto::ChannelConfig& cfg) const override {
    if (cfg.secret.size() < kMinSecret) {
      return Status::invalid(
          "secret: a webchat channel signs its visitor tokens with it; at least " +
          std::to_string(kMinSecret) + " bytes");
    }
    return Status::ok();
  }

  Status verify(const http::HttpRequest&, const proto::ChannelConfig& cfg) const override {
    return {Code::kUnauthenticated,
            "webchat channels take visitors' messages at POST /webchat/<tenant>/" + cfg.name +
                "/messages, not here"};
  }

  Result<ParsedWebhook> parse(const http::HttpRequest&,
                              const proto::ChannelConfig&) const override {
    return Status::invalid("webchat channels have no platform webhook");
  }

  bool delivered_when_stored() const override { return true; }
};

}  // namespace

const ChannelAdapter& webchat_channel() {
  static const WebchatChannel kChannel;
  return kChannel;
}

std::string new_visitor_id() { return "v" + random_token().substr(0, 21); }

std::string visitor_token(const proto::ChannelConfig& cfg, std::string_view tenant,
                          std::string_view visitor_id) {
  return std::string(visitor_id) + "." + signature(cfg, tenant, visitor_id);
}

Result<std::string> visitor_of_token(const proto::ChannelConfig& cfg, std::string_view tenant,
                                     std::string_view token) {
  const auto dot = token.rfind('.');
  if (dot == std::string_view::npos || cfg.secret.empty()) {
    return Status{Code::kUnauthenticated, "a visitor token (<visitor id>.<signature>) is required"};
  }
  const auto id = token.substr(0, dot);
  if (!proto::is_valid_name(id) ||
      !constant_time_equal(token.substr(dot + 1), signature(cfg, tenant, id))) {
    return Status{Code::kUnauthenticated, "the visitor token is not signed by this channel"};
  }
  return std::string(id);
}

Result<proto::InboundEvent> parse_visitor_message(std::string_view body,
                                                  const std::string& visitor_id,
                                                  proto::TimeMs now) {
  struct Body {
    std::string id, text, name;
  };
  auto parsed = proto::json::decode_object<Body>(
      body, "message", [](Body& b, std::string_view k, od::value v) -> Status {
        if (k == "id") return read_string(v, b.id, "id");
        if (k == "text") return read_string(v, b.text, "text");
        if (k == "name") return read_string(v, b.name, "name");
        return Status::ok();
      });
  if (!parsed) return parsed.status();
  if (!proto::is_valid_name(parsed->id)) {
    return Status::invalid(
        "id: 1 to 64 of [A-Za-z0-9._-], unique per message (a retry repeats it)");
  }
  if (parsed->text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::invalid("text is required");
  }
  if (parsed->text.size() > proto::kMaxMessageText)
    return Status::invalid("text is longer than 16 KiB");
  if (parsed->name.size() > kMaxName) return Status::invalid("name: at most 256 bytes");
  proto::InboundEvent e;
  e.event_id = visitor_id + ":" + parsed->id;
  e.kind = proto::EventKind::kMessage;
  e.contact_external_id = visitor_id;
  e.contact_name = std::move(parsed->name);
  e.reply_address = visitor_id;
  e.platform_message_id = parsed->id;
  e.text = std::move(parsed->text);
  e.platform_ts = now;
  return e;
}

std::optional<std::string> visitor_view(std::string_view frame_json, std::string_view channel) {
  struct View {
    std::uint64_t seq = 0;
    std::string type, conversation, conv_channel;
    std::string id, direction, text, created_at, msg_channel;
  };
  auto parsed = proto::json::decode_object<View>(
      frame_json, "frame", [](View& f, std::string_view k, od::value v) -> Status {
        if (k == "seq") return proto::json::read_uint64(v, f.seq, "seq");
        if (k == "type") return read_string(v, f.type, "type");
        if (k == "conversation") {
          return proto::json::for_each_field(
              v, "conversation", [&](std::string_view ck, od::value cv) {
                if (ck == "id") return read_string(cv, f.conversation, "conversation.id");
                if (ck == "channel") return read_string(cv, f.conv_channel, "conversation.channel");
                return Status::ok();
              });
        }
        if (k == "message") {
          return proto::json::for_each_field(v, "message", [&](std::string_view mk, od::value mv) {
            if (mk == "id") return read_string(mv, f.id, "message.id");
            if (mk == "direction") return read_string(mv, f.direction, "message.direction");
            if (mk == "text") return read_string(mv, f.text, "message.text");
            if (mk == "created_at") return read_string(mv, f.created_at, "message.created_at");
            if (mk == "channel") return read_string(mv, f.msg_channel, "message.channel");
            return Status::ok();
          });
        }
        return Status::ok();
      });
  if (!parsed || parsed->conv_channel != channel) return std::nullopt;
  const View& f = *parsed;
  std::string out;
  proto::JsonWriter w(out);
  // A message on another channel (a linked contact writing elsewhere into this
  // conversation, or the reply to it) is not the visitor's to see.
  if (f.type == "message.created" && f.msg_channel == channel &&
      (f.direction == "in" || f.direction == "out")) {
    w.begin_object()
        .field("seq", f.seq)
        .field("type", "message")
        .field("conversation", f.conversation);
    w.key("message").begin_object().field("id", f.id);
    w.field("from", f.direction == "in" ? "visitor" : "operator").field("text", f.text);
    w.field("created_at", f.created_at).end_object().end_object();
    return out;
  }
  if (f.type == "conversation.resolved") {
    w.begin_object()
        .field("seq", f.seq)
        .field("type", f.type)
        .field("conversation", f.conversation);
    w.end_object();
    return out;
  }
  return std::nullopt;
}

}  // namespace sb::adapters

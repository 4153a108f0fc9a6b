#include "adapters/meta/whatsapp_channel.h"

#include <charconv>

#include "adapters/meta/graph_api.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_id;
using proto::json::read_string;

namespace {

struct Message {
  std::string id, from, type, text, timestamp;
  proto::EventKind kind = proto::EventKind::kMessage;
  std::vector<proto::Attachment> attachments;
};

// One `changes[].value`: its fields may come in any order, so messages are
// turned into events only once the whole value (with `contacts` and
// `metadata`) has been read.
struct Value {
  std::string phone_number_id;
  std::vector<std::pair<std::string, std::string>> names;  // wa_id -> profile name
  std::vector<Message> messages;
  std::size_t ignored = 0;
};

Status parse_media(od::value v, std::string_view type, Message& m) {
  proto::Attachment a;
  a.kind = type == "image" ? "photo" : std::string(type);
  bool voice = false;
  auto st = for_each_field(v, type, [&](std::string_view k, od::value f) -> Status {
    if (k == "id") return read_id(f, a.file_id, "media.id");
    if (k == "mime_type") return read_string(f, a.mime, "media.mime_type");
    if (k == "filename") return read_string(f, a.name, "media.filename");
    if (k == "caption") return read_string(f, m.text, "media.caption");
    if (k == "voice") return read_bool(f, voice, "audio.voice");
    return Status::ok();
  });
  if (voice) a.kind = "voice";
  if (st.is_ok() && !a.file_id.empty()) m.attachments.push_back(std::move(a));
  return st;
}

Status parse_location(od::value v, Message& m) {
  double lat = 0, lon = 0;
  auto st = for_each_field(v, "location", [&](std::string_view k, od::value f) {
    if (k == "latitude") return proto::json::read_double(f, lat, "location.latitude");
    if (k == "longitude") return proto::json::read_double(f, lon, "location.longitude");
    return Status::ok();
  });
  if (st.is_ok()) m.text = "location: " + std::to_string(lat) + "," + std::to_string(lon);
  return st;
}

// The first phone number of the first shared contact card.
Status parse_shared_contacts(od::value v, Message& m) {
  std::string phone;
  auto st = for_each_element(v, "contacts", [&](od::value card) {
    return for_each_field(card, "contacts[]", [&](std::string_view k, od::value f) -> Status {
      if (k != "phones") return Status::ok();
      return for_each_element(f, "phones", [&](od::value p) {
        return for_each_field(p, "phones[]", [&](std::string_view pk, od::value pv) {
          if (pk == "phone" && phone.empty()) return read_string(pv, phone, "phones[].phone");
          return Status::ok();
        });
      });
    });
  });
  if (st.is_ok() && !phone.empty()) m.text = "contact: " + phone;
  return st;
}

// interactive: {"type":"button_reply","button_reply":{"id":...,"title":...}} or list_reply.
Status parse_interactive(od::value v, Message& m) {
  m.kind = proto::EventKind::kCallback;
  return for_each_field(v, "interactive", [&](std::string_view k, od::value f) -> Status {
    if (k != "button_reply" && k != "list_reply") return Status::ok();
    return for_each_field(f, k, [&](std::string_view rk, od::value rv) {
      if (rk == "title") return read_string(rv, m.text, "interactive reply title");
      return Status::ok();
    });
  });
}

Status parse_message(od::value v, Message& m) {
  return for_each_field(v, "messages[]", [&](std::string_view k, od::value f) -> Status {
    if (k == "id") return read_id(f, m.id, "messages[].id");
    if (k == "from") return read_id(f, m.from, "messages[].from");
    if (k == "type") return read_string(f, m.type, "messages[].type");
    if (k == "timestamp") return read_id(f, m.timestamp, "messages[].timestamp");
    if (k == "text") {
      return for_each_field(f, "text", [&](std::string_view tk, od::value tv) {
        if (tk == "body") return read_string(tv, m.text, "text.body");
        return Status::ok();
      });
    }
    if (k == "image" || k == "video" || k == "audio" || k == "document" || k == "sticker") {
      return parse_media(f, k, m);
    }
    if (k == "location") return parse_location(f, m);
    if (k == "contacts") return parse_shared_contacts(f, m);
    if (k == "interactive") return parse_interactive(f, m);
    if (k == "button") {  // a quick-reply button of a template
      m.kind = proto::EventKind::kCallback;
      return for_each_field(f, "button", [&](std::string_view bk, od::value bv) {
        if (bk == "text") return read_string(bv, m.text, "button.text");
        return Status::ok();
      });
    }
    return Status::ok();  // context, referral, errors, reaction, system, ...
  });
}

Status parse_value(od::value v, Value& out) {
  return for_each_field(v, "changes[].value", [&](std::string_view k, od::value f) -> Status {
    if (k == "metadata") {
      return for_each_field(f, "metadata", [&](std::string_view mk, od::value mv) {
        if (mk == "phone_number_id")
          return read_id(mv, out.phone_number_id, "metadata.phone_number_id");
        return Status::ok();
      });
    }
    if (k == "contacts") {
      return for_each_element(f, "contacts", [&](od::value c) {
        std::string wa_id, name;
        auto st = for_each_field(c, "contacts[]", [&](std::string_view ck, od::value cv) -> Status {
          if (ck == "wa_id") return read_id(cv, wa_id, "contacts[].wa_id");
          if (ck != "profile") return Status::ok();
          return for_each_field(cv, "profile", [&](std::string_view pk, od::value pv) {
            if (pk == "name") return read_string(pv, name, "profile.name");
            return Status::ok();
          });
        });
        if (st.is_ok()) out.names.emplace_back(std::move(wa_id), std::move(name));
        return st;
      });
    }
    if (k == "messages") {
      return for_each_element(f, "messages", [&](od::value m) {
        Message msg;
        auto st = parse_message(m, msg);
        if (st.is_ok()) out.messages.push_back(std::move(msg));
        return st;
      });
    }
    if (k == "statuses" || k == "errors") {
      return for_each_element(f, k, [&](od::value) {
        ++out.ignored;
        return Status::ok();
      });
    }
    return Status::ok();
  });
}

std::int64_t unix_ms(const std::string& seconds) {
  std::int64_t s = 0;
  const auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), s);
  if (ec != std::errc() || end != seconds.data() + seconds.size() || s > 253402300799 || s < 0)
    return 0;
  return s * 1000;
}

void to_events(Value& v, std::string_view account_id, ParsedWebhook& out) {
  out.ignored += v.ignored;
  if (!account_id.empty() && v.phone_number_id != account_id) {  // another business number's
    out.ignored += v.messages.size();
    return;
  }
  for (auto& m : v.messages) {
    const bool showable = !m.text.empty() || !m.attachments.empty();
    if (m.id.empty() || m.from.empty() || !showable || m.type == "reaction" ||
        m.type == "unsupported" || m.type == "system") {
      ++out.ignored;
      continue;
    }
    proto::InboundEvent e;
    e.event_id = m.id;
    e.kind = m.kind;
    e.contact_external_id = m.from;
    for (const auto& [wa_id, name] : v.names) {
      if (wa_id == m.from) e.contact_name = name;
    }
    e.reply_address = v.phone_number_id + ":" + m.from;
    e.platform_message_id = m.id;
    e.text = std::move(m.text);
    e.attachments = std::move(m.attachments);
    e.platform_ts = unix_ms(m.timestamp);
    out.events.push_back(std::move(e));
  }
}

class WhatsAppChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "whatsapp"; }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    return meta::verify_hub_signature(req, cfg);
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig& cfg) const override {
    return parse_whatsapp_notification(req.body, cfg.account_id);
  }

  // address: "<phone_number_id>:<wa_id>" (see the header).
  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    const auto colon = address.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
      return std::nullopt;
    std::string body;
    proto::JsonWriter w(body);
    w.begin_object().field("messaging_product", "whatsapp").field("recipient_type", "individual");
    w.field("to", address.substr(colon + 1)).field("type", "text");
    w.key("text")
        .begin_object()
        .field("preview_url", false)
        .field("body", text)
        .end_object()
        .end_object();
    return meta::graph_post(
        cfg, meta::graph_base(cfg) + "/" + address.substr(0, colon) + "/messages", std::move(body));
  }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    return meta::interpret_graph_response(r);
  }

  std::optional<http::HttpResponse> handshake(const http::HttpRequest& req,
                                              const proto::ChannelConfig& cfg) const override {
    return meta::hub_challenge(req, cfg);
  }
};

}  // namespace

Result<ParsedWebhook> parse_whatsapp_notification(std::string_view body,
                                                  std::string_view account_id) {
  return meta::parse_envelope(
      body, "whatsapp_business_account", [&](od::value entry, ParsedWebhook& out) {
        return for_each_field(entry, "entry[]", [&](std::string_view ek, od::value ev) -> Status {
          if (ek != "changes") return Status::ok();
          return for_each_element(ev, "changes", [&](od::value change) {
            Value value;
            std::string field;
            auto s = for_each_field(change, "changes[]",
                                    [&](std::string_view ck, od::value cv) -> Status {
                                      if (ck == "field")
                                        return read_string(cv, field, "changes[].field");
                                      if (ck == "value") return parse_value(cv, value);
                                      return Status::ok();
                                    });
            if (!s.is_ok()) return s;
            if (field != "messages") {  // account, template and quality updates
              ++out.ignored;
              return Status::ok();
            }
            to_events(value, account_id, out);
            return Status::ok();
          });
        });
      });
}

const ChannelAdapter& whatsapp_channel() {
  static const WhatsAppChannel instance;
  return instance;
}

}  // namespace sb::adapters

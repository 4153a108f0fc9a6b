#include "adapters/meta/messenger_channel.h"

#include "adapters/meta/graph_api.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;

namespace {

// What one `messaging` item says, whatever order its fields come in.
struct Item {
  std::string sender, recipient;
  std::int64_t timestamp = 0;
  enum class What { kOther, kMessage, kEdit, kPostback } what = What::kOther;
  std::string mid, text, payload;
  std::int64_t num_edit = 0;
  bool skip = false;  // echo, deleted, unsupported
  std::vector<proto::Attachment> attachments;
};

Status read_party(od::value v, std::string& id, std::string_view what) {
  return for_each_field(v, what, [&](std::string_view k, od::value f) {
    if (k == "id") return read_id(f, id, what);
    return Status::ok();
  });
}

std::string attachment_kind(std::string_view type) {
  if (type == "image") return "photo";
  if (type == "file") return "document";
  return std::string(type);  // video, audio, sticker, share, story_mention, ig_reel, ...
}

Status parse_attachment(od::value v, Item& it) {
  proto::Attachment a;
  std::string type;
  double lat = 0, lon = 0;
  bool has_coordinates = false;
  auto st = for_each_field(v, "attachments[]", [&](std::string_view k, od::value f) -> Status {
    if (k == "type") return read_string(f, type, "attachments[].type");
    if (k == "title") return read_string(f, a.name, "attachments[].title");
    if (k != "payload") return Status::ok();
    od::json_type t;
    if (auto e = f.type().get(t)) return proto::json::to_status(e, "attachments[].payload");
    if (t != od::json_type::object) return Status::ok();  // templates may carry other shapes
    return for_each_field(
        f, "attachments[].payload", [&](std::string_view pk, od::value pv) -> Status {
          if (pk == "url") return read_string(pv, a.file_id, "payload.url");
          if (pk == "title" && a.name.empty()) return read_string(pv, a.name, "payload.title");
          if (pk == "coordinates") {
            has_coordinates = true;
            return for_each_field(pv, "payload.coordinates",
                                  [&](std::string_view ck, od::value cv) {
                                    if (ck == "lat")
                                      return proto::json::read_double(cv, lat, "coordinates.lat");
                                    if (ck == "long")
                                      return proto::json::read_double(cv, lon, "coordinates.long");
                                    return Status::ok();
                                  });
          }
          return Status::ok();
        });
  });
  if (!st.is_ok()) return st;
  if (has_coordinates) {
    if (it.text.empty()) it.text = "location: " + std::to_string(lat) + "," + std::to_string(lon);
    return Status::ok();
  }
  a.kind = attachment_kind(type);
  if (!a.file_id.empty() || !a.name.empty()) it.attachments.push_back(std::move(a));
  return Status::ok();
}

Status parse_message(od::value v, Item& it) {
  it.what = Item::What::kMessage;
  return for_each_field(v, "message", [&](std::string_view k, od::value f) -> Status {
    if (k == "mid") return read_id(f, it.mid, "message.mid");
    if (k == "text") return read_string(f, it.text, "message.text");
    if (k == "is_echo" || k == "is_deleted" || k == "is_unsupported") {
      bool b = false;
      if (auto st = read_bool(f, b, k); !st.is_ok()) return st;
      it.skip = it.skip || b;
      return Status::ok();
    }
    if (k == "attachments") {
      return for_each_element(f, "message.attachments",
                              [&](od::value a) { return parse_attachment(a, it); });
    }
    return Status::ok();  // quick_reply (the text is there too), reply_to, nlp, ...
  });
}

Status parse_item(od::value v, Item& it) {
  return for_each_field(v, "messaging[]", [&](std::string_view k, od::value f) -> Status {
    if (k == "sender") return read_party(f, it.sender, "sender.id");
    if (k == "recipient") return read_party(f, it.recipient, "recipient.id");
    if (k == "timestamp") return read_int64(f, it.timestamp, "timestamp");
    if (k == "message") return parse_message(f, it);
    if (k == "message_edit") {
      it.what = Item::What::kEdit;
      return for_each_field(f, "message_edit", [&](std::string_view ek, od::value ev) {
        if (ek == "mid") return read_id(ev, it.mid, "message_edit.mid");
        if (ek == "text") return read_string(ev, it.text, "message_edit.text");
        if (ek == "num_edit") return read_int64(ev, it.num_edit, "message_edit.num_edit");
        return Status::ok();
      });
    }
    if (k == "postback") {
      it.what = Item::What::kPostback;
      return for_each_field(f, "postback", [&](std::string_view pk, od::value pv) {
        if (pk == "mid") return read_id(pv, it.mid, "postback.mid");
        if (pk == "title") return read_string(pv, it.text, "postback.title");
        if (pk == "payload") return read_string(pv, it.payload, "postback.payload");
        return Status::ok();
      });
    }
    return Status::ok();  // delivery, read, reaction, referral, optin, ...
  });
}

// An item becomes a customer event only if a person sent something we can show.
bool to_event(Item& it, proto::InboundEvent& e) {
  if (it.what == Item::What::kOther || it.skip || it.sender.empty()) return false;
  if (it.what == Item::What::kPostback && it.text.empty()) it.text = it.payload;
  if (it.text.empty() && it.attachments.empty()) return false;
  e.contact_external_id = it.sender;
  e.reply_address = it.sender;
  e.text = std::move(it.text);
  e.attachments = std::move(it.attachments);
  e.platform_ts = meta::valid_unix_ms(it.timestamp) ? it.timestamp : 0;
  // Meta always sends a mid; without one, the sender and time identify a retry.
  const std::string id =
      it.mid.empty() ? "ts:" + it.sender + ":" + std::to_string(it.timestamp) : it.mid;
  switch (it.what) {
    case Item::What::kEdit:
      e.kind = proto::EventKind::kEdit;
      e.platform_message_id = id;
      e.event_id = id + "#edit" + std::to_string(it.num_edit);
      break;
    case Item::What::kPostback:
      e.kind = proto::EventKind::kCallback;
      e.event_id =
          it.mid.empty() ? "postback:" + it.sender + ":" + std::to_string(it.timestamp) : it.mid;
      break;
    default:
      e.kind = proto::EventKind::kMessage;
      e.platform_message_id = id;
      e.event_id = id;
  }
  return true;
}

class MetaMessagingChannel final : public ChannelAdapter {
 public:
  MetaMessagingChannel(std::string_view type, std::string_view object)
      : type_(type), object_(object) {}

  std::string_view type() const override { return type_; }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    return meta::verify_hub_signature(req, cfg);
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig& cfg) const override {
    return parse_meta_messaging(req.body, object_, cfg.account_id);
  }

  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    std::string body;
    proto::JsonWriter w(body);
    w.begin_object().key("recipient").begin_object().field("id", address).end_object();
    w.field("messaging_type", "RESPONSE");
    w.key("message").begin_object().field("text", text).end_object().end_object();
    return meta::graph_post(cfg, meta::graph_base(cfg) + "/me/messages", std::move(body));
  }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    return meta::interpret_graph_response(r);
  }

  std::optional<http::HttpResponse> handshake(const http::HttpRequest& req,
                                              const proto::ChannelConfig& cfg) const override {
    return meta::hub_challenge(req, cfg);
  }

 private:
  std::string_view type_, object_;
};

}  // namespace

Result<ParsedWebhook> parse_meta_messaging(std::string_view body, std::string_view expected_object,
                                           std::string_view account_id) {
  return meta::parse_envelope(body, expected_object, [&](od::value entry, ParsedWebhook& out) {
    // An entry's id (the page or account) may come after its events.
    std::string entry_id;
    std::vector<proto::InboundEvent> events;
    std::size_t ignored = 0;
    auto es = for_each_field(entry, "entry[]", [&](std::string_view ek, od::value ev) -> Status {
      if (ek == "id") return read_id(ev, entry_id, "entry[].id");
      if (ek == "standby" || ek == "changes") {  // another app's thread, or feed changes
        return for_each_element(ev, ek, [&](od::value) {
          ++ignored;
          return Status::ok();
        });
      }
      if (ek != "messaging") return Status::ok();
      return for_each_element(ev, "messaging", [&](od::value item) {
        Item it;
        if (auto s = parse_item(item, it); !s.is_ok()) return s;
        proto::InboundEvent e;
        if (to_event(it, e)) {
          events.push_back(std::move(e));
        } else {
          ++ignored;
        }
        return Status::ok();
      });
    });
    if (!es.is_ok()) return es;
    if (!account_id.empty() && entry_id != account_id) {
      out.ignored += ignored + events.size();  // another page's or account's
      return Status::ok();
    }
    out.ignored += ignored;
    for (auto& e : events) out.events.push_back(std::move(e));
    return Status::ok();
  });
}

const ChannelAdapter& messenger_channel() {
  static const MetaMessagingChannel instance("messenger", "page");
  return instance;
}

const ChannelAdapter& instagram_channel() {
  static const MetaMessagingChannel instance("instagram", "instagram");
  return instance;
}

}  // namespace sb::adapters

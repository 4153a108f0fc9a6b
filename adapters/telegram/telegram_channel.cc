#include "adapters/telegram/telegram_channel.h"

#include "adapters/crypto.h"
#include "adapters/telegram/telegram_sender.h"
#include "proto/json_fields.h"

namespace sb::adapters {

namespace od = proto::json::od;
using proto::json::for_each_element;
using proto::json::for_each_field;
using proto::json::read_bool;
using proto::json::read_id;
using proto::json::read_int64;
using proto::json::read_string;

namespace {

struct User {
  std::string id;
  bool is_bot = false;
  std::string first_name, last_name, username;
  std::string display_name() const {
    std::string n = first_name;
    if (!last_name.empty()) n += (n.empty() ? "" : " ") + last_name;
    if (n.empty()) n = username;
    return n;
  }
};

Status parse_user(od::value v, User& u) {
  return for_each_field(v, "from", [&](std::string_view k, od::value f) {
    if (k == "id") return read_id(f, u.id, "from.id");
    if (k == "is_bot") return read_bool(f, u.is_bot, "from.is_bot");
    if (k == "first_name") return read_string(f, u.first_name, "from.first_name");
    if (k == "last_name") return read_string(f, u.last_name, "from.last_name");
    if (k == "username") return read_string(f, u.username, "from.username");
    return Status::ok();
  });
}

Status parse_file(od::value v, std::string_view kind, proto::Attachment& a) {
  a.kind = std::string(kind);
  return for_each_field(v, kind, [&](std::string_view k, od::value f) {
    if (k == "file_id") return read_string(f, a.file_id, "file_id");
    if (k == "file_name") return read_string(f, a.name, "file_name");
    if (k == "mime_type") return read_string(f, a.mime, "mime_type");
    if (k == "file_size") return read_int64(f, a.size, "file_size");
    return Status::ok();
  });
}

// Photos come as several sizes; the last is the largest.
Status parse_photo(od::value v, proto::Attachment& a) {
  a.kind = "photo";
  return for_each_element(v, "photo", [&](od::value size) {
    proto::Attachment s;
    auto st = parse_file(size, "photo", s);
    if (st.is_ok()) a = std::move(s);
    return st;
  });
}

// Unix seconds as Telegram sends them (date, edit_date), bounded so that the
// milliseconds fit 64 bits and render as a 4-digit RFC 3339 year. Found by
// tests/fuzz/telegram_update_fuzz.cc: a huge date overflowed date * 1000.
Status read_unix_seconds(od::value v, std::int64_t& out, std::string_view what) {
  if (auto st = read_int64(v, out, what); !st.is_ok()) return st;
  if (out < 0 || out > 253402300799) return Status::invalid(std::string(what) + ": out of range");
  return Status::ok();
}

// Location and shared contacts have no file: keep them as readable text.
Status parse_location(od::value v, std::string& text) {
  double lat = 0, lon = 0;
  auto st = for_each_field(v, "location", [&](std::string_view k, od::value f) {
    if (k == "latitude") return proto::json::read_double(f, lat, "latitude");
    if (k == "longitude") return proto::json::read_double(f, lon, "longitude");
    return Status::ok();
  });
  if (st.is_ok()) text = "location: " + std::to_string(lat) + "," + std::to_string(lon);
  return st;
}

struct Message {
  std::string message_id;
  User from;
  bool has_from = false;
  std::string chat_id;
  std::int64_t date = 0, edit_date = 0;
  std::string text;
  std::vector<proto::Attachment> attachments;
};

Status parse_message(od::value v, Message& m) {
  return for_each_field(v, "message", [&](std::string_view k, od::value f) -> Status {
    if (k == "message_id") return read_id(f, m.message_id, "message_id");
    if (k == "from") {
      m.has_from = true;
      return parse_user(f, m.from);
    }
    if (k == "chat") {
      return for_each_field(f, "chat", [&](std::string_view ck, od::value cv) {
        if (ck == "id") return read_id(cv, m.chat_id, "chat.id");
        return Status::ok();
      });
    }
    if (k == "date") return read_unix_seconds(f, m.date, "date");
    if (k == "edit_date") return read_unix_seconds(f, m.edit_date, "edit_date");
    if (k == "text" || k == "caption") return read_string(f, m.text, k);
    if (k == "photo") {
      proto::Attachment a;
      auto st = parse_photo(f, a);
      if (st.is_ok() && !a.file_id.empty()) m.attachments.push_back(std::move(a));
      return st;
    }
    if (k == "document" || k == "voice" || k == "video" || k == "audio" || k == "sticker" ||
        k == "animation" || k == "video_note") {
      proto::Attachment a;
      auto st = parse_file(f, k, a);
      if (st.is_ok()) m.attachments.push_back(std::move(a));
      return st;
    }
    if (k == "location") return parse_location(f, m.text);
    if (k == "contact") {
      std::string phone;
      auto st = for_each_field(f, "contact", [&](std::string_view ck, od::value cv) {
        if (ck == "phone_number") return read_string(cv, phone, "contact.phone_number");
        return Status::ok();
      });
      if (st.is_ok()) m.text = "contact: " + phone;
      return st;
    }
    return Status::ok();
  });
}

// A message becomes a customer event only if a human wrote something we can show.
bool to_event(const Message& m, proto::EventKind kind, proto::InboundEvent& e) {
  if (!m.has_from || m.from.is_bot || m.from.id.empty()) return false;
  if (m.text.empty() && m.attachments.empty()) return false;  // service message
  e.kind = kind;
  e.contact_external_id = m.from.id;
  e.contact_name = m.from.display_name();
  e.reply_address = m.chat_id.empty() ? m.from.id : m.chat_id;
  e.platform_message_id = m.message_id;
  e.text = m.text;
  e.attachments = m.attachments;
  e.platform_ts =
      (kind == proto::EventKind::kEdit && m.edit_date != 0 ? m.edit_date : m.date) * 1000;
  return true;
}

class TelegramChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "telegram"; }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    if (cfg.secret.empty()) {
      return {Code::kUnauthenticated, "channel has no secret; set it as setWebhook's secret_token"};
    }
    if (!constant_time_equal(req.header("x-telegram-bot-api-secret-token"), cfg.secret)) {
      return {Code::kUnauthenticated, "X-Telegram-Bot-Api-Secret-Token does not match"};
    }
    return Status::ok();
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig&) const override {
    return parse_telegram_update(req.body);
  }

  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    return telegram_send_message(cfg, address, text);
  }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    return interpret_telegram_response(r);
  }
};

}  // namespace

Result<ParsedWebhook> parse_telegram_update(std::string_view body) {
  simdjson::padded_string storage;
  od::document doc;
  if (auto st = proto::json::begin(body, storage, doc); !st.is_ok()) return st;
  od::object update;
  if (auto e = doc.get_object().get(update)) return proto::json::to_status(e, "Update");

  std::int64_t update_id = -1;
  ParsedWebhook out;
  std::optional<proto::InboundEvent> event;
  std::size_t payloads = 0;
  auto st = for_each_field(update, [&](std::string_view k, od::value v) -> Status {
    if (k == "update_id") return read_int64(v, update_id, "update_id");
    if (k == "message" || k == "edited_message") {
      ++payloads;
      Message m;
      if (auto s = parse_message(v, m); !s.is_ok()) return s;
      proto::InboundEvent e;
      const auto kind = k == "message" ? proto::EventKind::kMessage : proto::EventKind::kEdit;
      if (to_event(m, kind, e)) event = std::move(e);
      return Status::ok();
    }
    if (k == "callback_query") {
      ++payloads;
      User from;
      bool has_from = false;
      std::string data, chat_id, query_id;
      auto s = for_each_field(v, "callback_query", [&](std::string_view ck, od::value cv) {
        if (ck == "id") return read_id(cv, query_id, "callback_query.id");
        if (ck == "from") {
          has_from = true;
          return parse_user(cv, from);
        }
        if (ck == "data") return read_string(cv, data, "callback_query.data");
        if (ck == "message") {
          Message m;
          auto ms = parse_message(cv, m);
          chat_id = m.chat_id;
          return ms;
        }
        return Status::ok();
      });
      if (!s.is_ok()) return s;
      if (has_from && !from.is_bot && !from.id.empty()) {
        proto::InboundEvent e;
        e.kind = proto::EventKind::kCallback;
        e.contact_external_id = from.id;
        e.contact_name = from.display_name();
        e.reply_address = chat_id.empty() ? from.id : chat_id;
        e.text = data;
        event = std::move(e);
      }
      return Status::ok();
    }
    // channel_post, my_chat_member, poll, inline_query, ...: not customer messages.
    if (k != "update_id") ++payloads;
    return Status::ok();
  });
  if (!st.is_ok()) return st;
  if (auto fin = proto::json::finish(doc); !fin.is_ok()) return fin;
  if (update_id < 0) return Status::invalid("Update has no update_id");
  if (event) {
    event->event_id = std::to_string(update_id);
    out.events.push_back(std::move(*event));
  } else {
    out.ignored = payloads == 0 ? 1 : payloads;
  }
  return out;
}

const ChannelAdapter& telegram_channel() {
  static const TelegramChannel instance;
  return instance;
}

}  // namespace sb::adapters

#include "adapters/front/api_bodies.h"

#include "adapters/channel.h"
#include "proto/ids.h"
#include "proto/json_fields.h"

namespace sb::adapters {

Result<std::string> parse_text(std::string_view body) {
  namespace od = proto::json::od;
  struct Body {
    std::string text;
  };
  auto parsed =
      proto::json::decode_object<Body>(body, "body", [](Body& b, std::string_view k, od::value v) {
        if (k == "text") return proto::json::read_string(v, b.text, "text");
        return Status::ok();
      });
  if (!parsed) return parsed.status();
  if (parsed->text.empty()) return Status::invalid("text is required");
  if (parsed->text.size() > proto::kMaxMessageText)
    return Status::invalid("text is longer than 16 KiB");
  return std::move(parsed->text);
}

Result<proto::Contact> parse_contact_patch(std::string_view body, const std::string& id) {
  namespace od = proto::json::od;
  auto parsed = proto::json::decode_object<proto::Contact>(
      body, "contact", [](proto::Contact& c, std::string_view k, od::value v) -> Status {
        if (k == "name") return proto::json::read_string(v, c.name, k);
        if (k == "phone") return proto::json::read_string(v, c.phone, k);
        if (k == "email") return proto::json::read_string(v, c.email, k);
        if (k == "status") return proto::json::read_string(v, c.status, k);
        if (k == "custom") {
          return proto::json::for_each_field(v, "custom", [&](std::string_view ck, od::value cv) {
            std::string val;
            if (auto r = proto::json::read_string(cv, val, "custom values are strings");
                !r.is_ok()) {
              return r;
            }
            if (!proto::is_valid_name(ck)) {
              return Status::invalid("custom field names are [A-Za-z0-9._-]{1,64}");
            }
            c.custom.emplace_back(std::string(ck), std::move(val));
            return Status::ok();
          });
        }
        return Status::ok();
      });
  if (!parsed) return parsed.status();
  proto::Contact& c = parsed.value();
  c.id = id;
  for (const auto* f : {&c.name, &c.phone, &c.email, &c.status}) {
    if (f->size() > 256) return Status::invalid("contact fields are at most 256 bytes");
  }
  if (c.custom.size() > 64) return Status::invalid("at most 64 custom fields");
  for (const auto& [k, v] : c.custom) {
    if (v.size() > 1024) return Status::invalid("custom values are at most 1 KiB");
  }
  return std::move(c);
}

Result<std::vector<proto::Identity>> parse_identities_body(std::string_view body) {
  namespace od = proto::json::od;
  struct Body {
    std::vector<proto::Identity> identities;
    bool present = false;
  };
  auto parsed = proto::json::decode_object<Body>(
      body, "body", [](Body& b, std::string_view k, od::value v) -> Status {
        if (k != "identities") return Status::ok();
        b.present = true;
        return proto::json::for_each_element(v, "identities", [&](od::value item) -> Status {
          if (b.identities.size() == 16)
            return Status::invalid("at most 16 identities per request");
          proto::Identity id;
          auto st =
              proto::json::for_each_field(item, "identity", [&](std::string_view ik, od::value iv) {
                if (ik == "channel") return proto::json::read_string(iv, id.channel, "channel");
                if (ik == "external_id")
                  return proto::json::read_string(iv, id.external_id, "external_id");
                return Status::ok();
              });
          if (!st.is_ok()) return st;
          if (!proto::is_valid_name(id.channel)) {
            return Status::invalid("identity channel must be a channel name [A-Za-z0-9._-]{1,64}");
          }
          if (id.external_id.empty() || id.external_id.size() > 256) {
            return Status::invalid("identity external_id must be 1..256 bytes");
          }
          b.identities.push_back(std::move(id));
          return Status::ok();
        });
      });
  if (!parsed) return parsed.status();
  if (!parsed->present || parsed->identities.empty()) {
    return Status::invalid("identities: a non-empty array is required");
  }
  return std::move(parsed->identities);
}

Result<proto::ChannelConfig> parse_channel_body(std::string_view body, const std::string& name) {
  namespace od = proto::json::od;
  using proto::json::read_string;
  auto parsed = proto::json::decode_object<proto::ChannelConfig>(
      body, "channel", [](proto::ChannelConfig& c, std::string_view k, od::value v) -> Status {
        if (k == "type") return read_string(v, c.type, "type");
        if (k == "secret") return read_string(v, c.secret, "secret");
        if (k == "verify_token") return read_string(v, c.verify_token, "verify_token");
        if (k == "queue") return read_string(v, c.queue, "queue");
        if (k == "auto_reply") return read_string(v, c.auto_reply, "auto_reply");
        if (k == "account_id") return proto::json::read_id(v, c.account_id, "account_id");
        if (k == "outbound") {
          return proto::json::for_each_field(v, "outbound", [&](std::string_view ok, od::value ov) {
            if (ok == "base_url") return read_string(ov, c.outbound_base_url, "outbound.base_url");
            if (ok == "token") return read_string(ov, c.outbound_token, "outbound.token");
            return Status::ok();
          });
        }
        return Status::ok();
      });
  if (!parsed) return parsed.status();
  proto::ChannelConfig& c = parsed.value();
  c.name = name;
  if (c.queue.empty()) c.queue = "default";
  if (!proto::is_valid_name(c.queue)) return Status::invalid("queue: invalid name");
  if (c.secret.size() > 4096 || c.verify_token.size() > 4096)
    return Status::invalid("secret too long");
  if (c.auto_reply.size() > 4096) return Status::invalid("auto_reply: at most 4096 bytes");
  if (c.account_id.size() > 256) return Status::invalid("account_id: at most 256 bytes");
  if (auto st = validate_channel(c); !st.is_ok()) return st;
  return c;
}

}  // namespace sb::adapters

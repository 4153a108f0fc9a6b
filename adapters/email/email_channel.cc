#include "adapters/email/email_channel.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>

#include "adapters/crypto.h"
#include "proto/form_writer.h"
#include "proto/json_fields.h"

namespace sb::adapters {

namespace od = proto::json::od;
using Kind = DeliveryResult::Kind;

namespace {

constexpr std::string_view kDefaultBaseUrl = "https://api.mailgun.net";
constexpr std::size_t kMaxAddress = 254;  // RFC 5321's path limit, less the brackets
constexpr std::size_t kMaxEventId = 512;  // longer Message-Ids are keyed by their hash
constexpr std::size_t kMaxSubject = 255;  // kept for the reply's "Re:" line
constexpr std::size_t kMaxMime = 255;
constexpr std::size_t kMaxName = 256;  // display and file names

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Line breaks would split the reply address; a header value holds none once
// unfolded, so they become spaces.
std::string one_line(std::string_view s) {
  std::string out(trim(s));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

// At most `max` bytes, cut before a UTF-8 continuation byte.
std::string clip_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

Status utf8(std::string_view s, std::string_view what) {
  if (http::is_valid_utf8(s)) return Status::ok();
  return Status::invalid(std::string(what) + " is not valid UTF-8");
}

// A header of the mail: Mailgun posts the common ones as top-level fields
// ("Message-Id", "In-Reply-To", ...) and all of them in `message-headers`,
// a JSON list of [name, value] pairs.
std::string mail_header(const FormData& form, std::string_view name) {
  if (const auto* f = form.find(name)) return f->value;
  const auto json = form.get("message-headers");
  if (json.empty()) return {};
  simdjson::padded_string storage;
  od::document doc;
  if (!proto::json::begin(json, storage, doc).is_ok()) return {};
  od::array headers;
  if (doc.get_array().get(headers)) return {};
  const std::string wanted = http::ascii_lower(name);
  for (auto item : headers) {
    od::array pair;
    if (item.get_array().get(pair)) return {};
    std::string_view key, value;
    std::size_t i = 0;
    for (auto element : pair) {
      std::string_view s;
      if (element.get_string().get(s)) return {};
      (i == 0 ? key : value) = s;
      if (++i == 2) break;
    }
    if (i == 2 && http::ascii_lower(key) == wanted) return std::string(value);
  }
  return {};
}

// Mailgun's `timestamp`: Unix seconds, digits only, up to the year 9999.
std::optional<std::int64_t> unix_seconds(std::string_view s) {
  constexpr std::int64_t kYear9999 = 253402300799;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.front() == '-' || ec != std::errc() || end != s.data() + s.size() ||
      v > kYear9999) {
    return std::nullopt;
  }
  return v;
}

bool valid_address(std::string_view a) {
  const auto at = a.rfind('@');
  if (a.empty() || a.size() > kMaxAddress || at == 0 || at == std::string_view::npos ||
      at + 1 == a.size()) {
    return false;
  }
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7F || c == '<' || c == '>' || c == ',' || c == '"';
  });
}

bool addressed_to(std::string_view recipients, const std::string& account) {
  while (!recipients.empty()) {
    const auto comma = recipients.find(',');
    if (parse_mailbox(recipients.substr(0, comma)).address == account) return true;
    if (comma == std::string_view::npos) break;
    recipients.remove_prefix(comma + 1);
  }
  return false;
}

std::string attachment_kind(std::string_view mime) {
  const auto m = http::ascii_lower(mime);
  if (m.rfind("image/", 0) == 0) return "photo";
  if (m.rfind("audio/", 0) == 0) return "audio";
  if (m.rfind("video/", 0) == 0) return "video";
  return "document";
}

class EmailChannel final : public ChannelAdapter {
 public:
  std::string_view type() const override { return "email"; }

  Status validate(const proto::ChannelConfig& cfg) const override {
    if (!valid_address(cfg.account_id) || http::ascii_lower(cfg.account_id) != cfg.account_id) {
      return Status::invalid(
          "account_id: an email channel needs the support address replies come from, in lower "
          "case (e.g. support@mg.example.com)");
    }
    return Status::ok();
  }

  Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const override {
    if (cfg.secret.empty()) {
      return {Code::kUnauthenticated,
              "channel has no secret; set it to Mailgun's webhook signing key"};
    }
    auto form = parse_form(req.header("content-type"), req.body);
    // Not a form at all: malformed, not merely unsigned (400, as for any
    // other channel's malformed body).
    if (!form) return Status::invalid("not a Mailgun form: " + form.status().message());
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return verify_mailgun_signature(*form, cfg.secret, now);
  }

  Result<ParsedWebhook> parse(const http::HttpRequest& req,
                              const proto::ChannelConfig& cfg) const override {
    auto form = parse_form(req.header("content-type"), req.body);
    if (!form) return form.status();
    return parse_mailgun_inbound(*form, cfg.account_id);
  }

  std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                      const std::string& address,
                                                      const std::string& text) const override {
    const auto to = decode_email_reply_to(address);
    const auto at = cfg.account_id.rfind('@');
    if (to.to.empty() || at == std::string::npos) return std::nullopt;
    outbound::OutboundRequest req;
    req.url = base_url(cfg, kDefaultBaseUrl) + "/v3/" + cfg.account_id.substr(at + 1) + "/messages";
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.headers.emplace_back("Authorization", "Basic " + base64("api:" + cfg.outbound_token));
    std::string subject = to.subject.empty() ? "(no subject)" : to.subject;
    if (http::ascii_lower(subject.substr(0, 3)) != "re:") subject = "Re: " + subject;
    proto::append_form_field(req.body, "from", cfg.account_id);
    proto::append_form_field(req.body, "to", to.to);
    proto::append_form_field(req.body, "subject", subject);
    proto::append_form_field(req.body, "text", text);
    if (!to.message_id.empty()) {
      proto::append_form_field(req.body, "h:In-Reply-To", to.message_id);
      proto::append_form_field(req.body, "h:References", to.message_id);
    }
    return req;
  }

  DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const override {
    if (!r.is_ok()) return transport_failure(r.status());
    const auto& res = r.value();
    if (res.status == 429 || res.status >= 500) {
      auto d = delivery(Kind::kRetry, res.status, "HTTP " + std::to_string(res.status));
      if (auto s = retry_after_header(res); s && *s > 0) d.retry_after = std::chrono::seconds(*s);
      return d;
    }
    if (res.status < 200 || res.status >= 300) {
      return delivery(Kind::kFailed, res.status,
                      "HTTP " + std::to_string(res.status) + ": " + body_excerpt(res.body));
    }
    // {"id":"<20240101.1@mg.example.com>","message":"Queued. Thank you."}
    auto d = delivery(Kind::kDelivered, res.status, "");
    auto decoded = proto::json::decode_object<std::string>(
        res.body, "Mailgun response", [](std::string& out, std::string_view k, od::value v) {
          if (k == "id") return proto::json::read_string(v, out, "id");
          return Status::ok();
        });
    if (decoded.is_ok()) d.platform_message_id = clip_utf8(std::move(decoded).value(), kMaxEventId);
    return d;
  }
};

}  // namespace

Mailbox parse_mailbox(std::string_view header) {
  Mailbox m;
  header = trim(header);
  const auto open = header.rfind('<');
  const auto close = open == std::string_view::npos ? open : header.find('>', open);
  std::string_view address = header;
  if (close != std::string_view::npos) {
    address = header.substr(open + 1, close - open - 1);
    auto name = trim(header.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        m.name.push_back(name[i]);
      }
    } else {
      m.name = std::string(name);
    }
  }
  address = trim(address);
  if (valid_address(address)) m.address = http::ascii_lower(address);
  m.name = one_line(m.name);
  return m;
}

std::string encode_email_reply_to(const EmailReplyTo& r) {
  return one_line(r.to) + "\n" + one_line(r.message_id) + "\n" + one_line(r.subject);
}

EmailReplyTo decode_email_reply_to(std::string_view address) {
  EmailReplyTo r;
  const auto first = address.find('\n');
  r.to = std::string(address.substr(0, first));
  if (first == std::string_view::npos) return r;
  const auto second = address.find('\n', first + 1);
  r.message_id = std::string(address.substr(first + 1, second - first - 1));
  if (second != std::string_view::npos) r.subject = std::string(address.substr(second + 1));
  return r;
}

Status verify_mailgun_signature(const FormData& form, std::string_view signing_key,
                                std::int64_t now_s) {
  const auto timestamp = form.get("timestamp");
  const auto token = form.get("token");
  const auto signature = http::ascii_lower(form.get("signature"));
  if (timestamp.empty() || token.empty() || signature.empty()) {
    return {Code::kUnauthenticated, "Mailgun's timestamp, token and signature fields are required"};
  }
  std::string signed_data(timestamp);
  signed_data.append(token);
  if (!constant_time_equal(signature, hmac_sha256_hex(signing_key, signed_data))) {
    return {Code::kUnauthenticated, "signature does not match timestamp and token"};
  }
  const auto at = unix_seconds(timestamp);
  if (!at) return {Code::kUnauthenticated, "timestamp is not a number of seconds"};
  if (*at < now_s - kMailgunMaxAgeSeconds || *at > now_s + kMailgunMaxSkewSeconds) {
    return {Code::kUnauthenticated,
            "timestamp is more than 9 hours old or ahead of our clock: a replayed signature?"};
  }
  return Status::ok();
}

Result<ParsedWebhook> parse_mailgun_inbound(const FormData& form, std::string_view account_id) {
  ParsedWebhook out;
  out.nonce = std::string(form.get("token"));  // signed, not the body: bound to this mail
  std::string from_header(form.get("from"));
  if (from_header.empty()) from_header = form.get("sender");
  if (auto st = utf8(from_header, "from"); !st.is_ok()) return st;
  const Mailbox from = parse_mailbox(from_header);
  if (from.address.empty()) return Status::invalid("from: no sender address");
  const std::string account = http::ascii_lower(account_id);
  const std::string auto_submitted = http::ascii_lower(trim(mail_header(form, "Auto-Submitted")));
  const bool automatic = !auto_submitted.empty() && auto_submitted != "no";  // RFC 3834
  if ((!account.empty() && !addressed_to(form.get("recipient"), account)) || automatic ||
      from.address == account) {
    out.ignored = 1;  // another mailbox's mail, an auto-reply or a bounce, our own
    return out;
  }

  const std::string subject = one_line(form.get("subject"));
  const std::string message_id = one_line(mail_header(form, "Message-Id"));
  const bool is_reply = !trim(mail_header(form, "In-Reply-To")).empty();
  std::string_view body = form.get("stripped-text");
  if (trim(body).empty()) body = form.get("body-plain");
  for (auto [value, what] : {std::pair<std::string_view, std::string_view>{subject, "subject"},
                             {message_id, "Message-Id"},
                             {body, "body"}}) {
    if (auto st = utf8(value, what); !st.is_ok()) return st;
  }

  proto::InboundEvent e;
  for (const auto& f : form.fields) {
    if (!f.is_file()) continue;
    if (auto st = utf8(f.filename, "attachment filename"); !st.is_ok()) return st;
    if (auto st = utf8(f.content_type, "attachment type"); !st.is_ok()) return st;
    proto::Attachment a;
    a.kind = attachment_kind(f.content_type);
    a.name = clip_utf8(one_line(f.filename), kMaxName);
    a.mime = clip_utf8(one_line(f.content_type), kMaxMime);
    a.size = static_cast<std::int64_t>(f.size);
    e.attachments.push_back(std::move(a));
  }
  const auto text = trim(body);
  if (text.empty() && e.attachments.empty()) {
    out.ignored = 1;
    return out;
  }
  if (!subject.empty() && !is_reply)
    e.text = "Subject: " + clip_utf8(subject, kMaxSubject) + "\n\n";
  if (text.size() > kMaxMailText) {
    e.text.append(clip_utf8(std::string(text.substr(0, kMaxMailText + 1)), kMaxMailText));
    e.text.append("\n[cut: the mail's text is longer than 64 KiB]");
  } else {
    e.text.append(text);
  }

  if (!message_id.empty() && message_id.size() <= kMaxEventId) {  // one_line() trimmed it
    e.event_id = message_id;
  } else if (!message_id.empty()) {
    e.event_id = "sha256:" + sha256_hex(message_id);
  } else {
    std::string key = from.address + '\0' + subject + '\0' + mail_header(form, "Date") + '\0';
    key.append(form.get("body-plain"));
    e.event_id = "sha256:" + sha256_hex(key);
  }
  e.kind = proto::EventKind::kMessage;
  e.contact_external_id = from.address;
  e.contact_name = clip_utf8(from.name, kMaxName);
  e.platform_message_id = e.event_id;
  // A Message-Id too long to be a dedup key is not threaded on either.
  e.reply_address = encode_email_reply_to(
      {from.address, message_id.size() <= kMaxEventId ? message_id : std::string(),
       clip_utf8(subject, kMaxSubject)});
  e.platform_ts = unix_seconds(form.get("timestamp")).value_or(0) * 1000;
  out.events.push_back(std::move(e));
  return out;
}

const ChannelAdapter& email_channel() {
  static const EmailChannel kChannel;
  return kChannel;
}

}  // namespace sb::adapters

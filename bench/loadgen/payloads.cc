#include "bench/loadgen/payloads.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>

#include "adapters/crypto.h"
#include "proto/form_writer.h"

namespace sb::loadgen {

// Signatures with the daemon's own HMAC (adapters/crypto.cc, compiled in):
// OpenSSL's one-shot HMAC() takes a library-wide lock per call, and this
// tool's CPU is taken from the daemon it measures (~7 % of its samples went
// there).
using adapters::hmac_sha256_hex;

namespace {

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

// What customers write; padded with more of the same up to the body size.
constexpr std::array<std::string_view, 8> kPhrases = {
    "Hello, my parcel has not arrived yet.",
    "I was charged twice for order 48213, can you check?",
    "How do I change the delivery address?",
    "The app logs me out every time I open it.",
    "Is there a discount for annual plans?",
    "My card was declined but the money is gone.",
    "Can I talk to someone about a refund please?",
    "Thanks, that solved it!",
};

// Numeric customer ids of a run (Telegram user ids, wa_ids, PSIDs): far
// apart between runs, below 2^53.
std::int64_t telegram_user_id(std::int64_t run_id_ms, std::int64_t number) {
  return 1'000'000'000 + (run_id_ms / 1000 % 100'000) * 10'000'000 + number;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // Secrets of a benchmark channel; the clock is an acceptable fallback.
    const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    for (std::size_t i = 0; i < bytes; ++i) raw[i] = static_cast<unsigned char>(t >> (8 * (i % 8)));
  }
  return to_hex(raw.data(), raw.size());
}

std::string_view channel_type(ChannelKind k) {
  static constexpr std::array<std::string_view, kChannelKinds> kNames = {
      "telegram", "whatsapp", "messenger", "viber", "api", "email", "webchat"};
  return kNames[static_cast<std::size_t>(k)];
}

std::string parse_channel_mix(std::string_view text, ChannelMix& out) {
  out = {};
  double total = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return fmt::format("'{}' is not channel=weight", item);
    const auto name = item.substr(0, eq);
    std::size_t kind = kChannelKinds;
    for (std::size_t k = 0; k < kChannelKinds; ++k) {
      if (channel_type(static_cast<ChannelKind>(k)) == name) kind = k;
    }
    if (kind == kChannelKinds)
      return fmt::format(
          "unknown channel '{}' (telegram, whatsapp, messenger, viber, email, webchat, api)", name);
    const std::string number(item.substr(eq + 1));
    char* end = nullptr;
    const double w = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !(w >= 0) || w > 1e6) {
      return fmt::format("'{}' is not a weight (a number >= 0)", number);
    }
    out.weight[kind] = w;
    total += w;
  }
  if (!(total > 0)) return "the mix gives no channel a weight";
  for (auto& w : out.weight) w /= total;
  return "";
}

std::string describe(const ChannelMix& mix) {
  std::string out;
  for (std::size_t k = 0; k < kChannelKinds; ++k) {
    if (mix.weight[k] <= 0) continue;
    out += fmt::format("{}{} {:.0f}%", out.empty() ? "" : ", ",
                       channel_type(static_cast<ChannelKind>(k)), mix.weight[k] * 100);
  }
  return out;
}

PayloadFactory::PayloadFactory(std::vector<TenantTarget> tenants, std::size_t body_bytes,
                               std::int64_t run_id_ms, ChannelMix mix)
    : tenants_(std::move(tenants)), body_bytes_(body_bytes), run_id_ms_(run_id_ms), mix_(mix) {}

CustomerIdentity PayloadFactory::customer(std::int64_t number) const {
  CustomerIdentity c;
  c.number = number;
  c.tenant = static_cast<std::size_t>(number) % tenants_.size();
  // A fixed, well-spread share of customers per channel (Knuth's multiplicative hash).
  const auto spread =
      static_cast<double>((static_cast<std::uint64_t>(number) * 2654435761u) % 1000) / 1000.0;
  double below = 0;
  c.channel = ChannelKind::kApi;
  for (std::size_t k = 0; k < kChannelKinds; ++k) {
    below += mix_.weight[k];
    if (mix_.weight[k] > 0 && spread < below) {
      c.channel = static_cast<ChannelKind>(k);
      break;
    }
  }
  return c;
}

std::string PayloadFactory::text_for(std::size_t envelope_bytes, std::int64_t message_no) const {
  const std::size_t want = body_bytes_ > envelope_bytes + 16 ? body_bytes_ - envelope_bytes : 16;
  std::string text;
  auto i = static_cast<std::size_t>(message_no);
  while (text.size() < want) {
    if (!text.empty()) text += ' ';
    text += kPhrases[i++ % kPhrases.size()];
  }
  text.resize(want);
  if (text.back() == ' ') text.back() = '.';
  return text;
}

std::shared_ptr<const WebhookRequest> PayloadFactory::message(const CustomerIdentity& who,
                                                              std::int64_t message_no) {
  const auto& t = tenants_[who.tenant];
  const auto kind = static_cast<std::size_t>(who.channel);
  const auto event_no = next_event_.fetch_add(1, std::memory_order_relaxed);
  const auto uid = telegram_user_id(run_id_ms_, who.number);  // numeric ids of every platform
  const auto now_s = run_id_ms_ / 1000;
  std::function<std::string(std::string_view)> envelope;
  switch (who.channel) {
    case ChannelKind::kTelegram:
      // Telegram's update_id grows per bot; ours start at the run's start time.
      envelope = [&](std::string_view text) {
        return fmt::format(
            R"({{"update_id":{},"message":{{"message_id":{},"from":{{"id":{},"is_bot":false,)"
            R"("first_name":"Customer","last_name":"{}","language_code":"uk"}},"chat":{{"id":{},)"
            R"("first_name":"Customer","last_name":"{}","type":"private"}},"date":{},"text":"{}"}}}})",
            run_id_ms_ * 1000 + event_no, message_no + 1, uid, who.number, uid, who.number, now_s,
            text);
      };
      break;
    case ChannelKind::kWhatsApp:
      envelope = [&](std::string_view text) {
        return fmt::format(
            R"({{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":)"
            R"({{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881",)"
            R"("phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Customer {}"}},"wa_id":"{}"}}],)"
            R"("messages":[{{"from":"{}","id":"wamid.lg{}x{}","timestamp":"{}","text":{{"body":"{}"}},"type":"text"}}]}},)"
            R"("field":"messages"}}]}}]}})",
            who.number, uid, uid, run_id_ms_, event_no, now_s, text);
      };
      break;
    case ChannelKind::kMessenger:
      envelope = [&](std::string_view text) {
        return fmt::format(
            R"({{"object":"page","entry":[{{"id":"104532198765432","time":{},"messaging":[{{"sender":{{"id":"{}"}},)"
            R"("recipient":{{"id":"104532198765432"}},"timestamp":{},"message":{{"mid":"m_lg{}x{}","text":"{}"}}}}]}}]}})",
            run_id_ms_, uid, run_id_ms_, run_id_ms_, event_no, text);
      };
      break;
    case ChannelKind::kViber:
      envelope = [&](std::string_view text) {
        return fmt::format(
            R"({{"event":"message","timestamp":{},"chat_hostname":"SN-CHAT-03_","message_token":{},)"
            R"("sender":{{"id":"lg{}=","name":"Customer {}","language":"uk","country":"UA","api_version":10}},)"
            R"("message":{{"text":"{}","type":"text"}},"silent":false}})",
            run_id_ms_, run_id_ms_ * 1000 + event_no, uid, who.number, text);
      };
      break;
    case ChannelKind::kApi:
      envelope = [&](std::string_view text) {
        return fmt::format(
            R"({{"event_id":"lg-{}-{}","contact":{{"external_id":"lg{}-c{}","name":"Customer {}"}},)"
            R"("text":"{}"}})",
            run_id_ms_, event_no, run_id_ms_, who.number, who.number, text);
      };
      break;
    case ChannelKind::kEmail:
      // The fields Mailgun's forward() always posts, signed like Mailgun:
      // HMAC-SHA256(signing key, timestamp + token), a 50-character token.
      envelope = [&](std::string_view text) {
        const auto timestamp = std::to_string(now_s);
        const auto token = fmt::format("{:016x}{:016x}{:018x}", run_id_ms_, event_no, uid);
        std::string form;
        proto::append_form_field(form, "recipient", kLoadgenMailbox);
        proto::append_form_field(form, "sender", fmt::format("c{}@customers.example.com", uid));
        proto::append_form_field(
            form, "from", fmt::format("Customer {} <c{}@customers.example.com>", who.number, uid));
        proto::append_form_field(form, "subject", fmt::format("Order {}", who.number));
        proto::append_form_field(
            form, "Message-Id",
            fmt::format("<lg{}x{}@mail.customers.example.com>", run_id_ms_, event_no));
        // No stripped-text: Mailgun leaves it out at times.
        proto::append_form_field(form, "body-plain", text);
        proto::append_form_field(form, "timestamp", timestamp);
        proto::append_form_field(form, "token", token);
        proto::append_form_field(form, "signature",
                                 hmac_sha256_hex(t.secret[kind], timestamp + token));
        return form;
      };
      break;
    case ChannelKind::kWebchat:
      envelope = [&](std::string_view text) {
        return fmt::format(R"({{"id":"m{}x{}","text":"{}","name":"Customer {}"}})", run_id_ms_,
                           event_no, text, who.number);
      };
      break;
  }
  auto req = std::make_shared<WebhookRequest>();
  req->tenant = who.tenant;
  req->body = envelope(text_for(envelope("").size(), message_no));
  req->target = "/webhooks/" + t.id + "/" + t.channel[kind];
  req->headers = {{"Content-Type", "application/json"}};
  const auto& secret = t.secret[kind];
  if (who.channel == ChannelKind::kWebchat) {
    // The visitor's token, as the channel would mint it (webchat_channel.h).
    req->target = "/webchat/" + t.id + "/" + t.channel[kind] + "/messages";
    const auto visitor = fmt::format("lg{}", uid);
    const auto sig = hmac_sha256_hex(
        secret, "switchboard-webchat-visitor\n" + t.id + "\n" + t.channel[kind] + "\n" + visitor);
    req->headers.emplace_back("Authorization", "Bearer " + visitor + "." + sig);
  } else if (who.channel == ChannelKind::kEmail) {
    req->headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  }
  switch (who.channel) {
    case ChannelKind::kTelegram:
      req->headers.emplace_back("X-Telegram-Bot-Api-Secret-Token", secret);
      break;
    case ChannelKind::kWhatsApp:
    case ChannelKind::kMessenger:
      req->headers.emplace_back("X-Hub-Signature-256",
                                "sha256=" + hmac_sha256_hex(secret, req->body));
      break;
    case ChannelKind::kViber:
      req->headers.emplace_back("X-Viber-Content-Signature", hmac_sha256_hex(secret, req->body));
      break;
    case ChannelKind::kApi:
      req->headers.emplace_back("X-Switchboard-Signature",
                                "sha256=" + hmac_sha256_hex(secret, req->body));
      break;
    case ChannelKind::kEmail:    // signed inside the form
    case ChannelKind::kWebchat:  // the visitor token above
      break;
  }
  return req;
}

}  // namespace sb::loadgen

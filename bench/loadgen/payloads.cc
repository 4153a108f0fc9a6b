#include "bench/loadgen/payloads.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>

namespace sb::loadgen {

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

// Telegram user ids of a run: far apart between runs, below 2^53.
std::int64_t telegram_user_id(std::int64_t run_id_ms, std::int64_t number) {
  return 1'000'000'000 + (run_id_ms / 1000 % 100'000) * 10'000'000 + number;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return to_hex(md, len);
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // Secrets of a benchmark channel; the clock is an acceptable fallback.
    const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    for (std::size_t i = 0; i < bytes; ++i) raw[i] = static_cast<unsigned char>(t >> (8 * (i % 8)));
  }
  return to_hex(raw.data(), raw.size());
}

PayloadFactory::PayloadFactory(std::vector<TenantTarget> tenants, std::size_t body_bytes,
                               std::int64_t run_id_ms, double telegram_share)
    : tenants_(std::move(tenants)),
      body_bytes_(body_bytes),
      run_id_ms_(run_id_ms),
      telegram_share_(telegram_share) {}

CustomerIdentity PayloadFactory::customer(std::int64_t number) const {
  CustomerIdentity c;
  c.number = number;
  c.tenant = static_cast<std::size_t>(number) % tenants_.size();
  // A fixed, well-spread share of customers per channel (Knuth's multiplicative hash).
  const auto spread = (static_cast<std::uint64_t>(number) * 2654435761u) % 1000;
  c.channel = static_cast<double>(spread) < telegram_share_ * 1000.0 ? ChannelKind::kTelegram
                                                                      : ChannelKind::kApi;
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
  const auto event_no = next_event_.fetch_add(1, std::memory_order_relaxed);
  auto req = std::make_shared<WebhookRequest>();
  req->tenant = who.tenant;
  if (who.channel == ChannelKind::kTelegram) {
    // Telegram's update_id grows per bot; ours start at the run's start time.
    const auto update_id = run_id_ms_ * 1000 + event_no;
    const auto uid = telegram_user_id(run_id_ms_, who.number);
    const auto date = run_id_ms_ / 1000;
    auto envelope = [&](std::string_view text) {
      return fmt::format(
          R"({{"update_id":{},"message":{{"message_id":{},"from":{{"id":{},"is_bot":false,)"
          R"("first_name":"Customer","last_name":"{}","language_code":"uk"}},"chat":{{"id":{},)"
          R"("first_name":"Customer","last_name":"{}","type":"private"}},"date":{},"text":"{}"}}}})",
          update_id, message_no + 1, uid, who.number, uid, who.number, date, text);
    };
    req->body = envelope(text_for(envelope("").size(), message_no));
    req->target = "/webhooks/" + t.id + "/" + t.telegram_channel;
    req->headers = {{"Content-Type", "application/json"},
                    {"X-Telegram-Bot-Api-Secret-Token", t.telegram_secret}};
  } else {
    auto envelope = [&](std::string_view text) {
      return fmt::format(
          R"({{"event_id":"lg-{}-{}","contact":{{"external_id":"lg{}-c{}","name":"Customer {}"}},)"
          R"("text":"{}"}})",
          run_id_ms_, event_no, run_id_ms_, who.number, who.number, text);
    };
    req->body = envelope(text_for(envelope("").size(), message_no));
    req->target = "/webhooks/" + t.id + "/" + t.api_channel;
    req->headers = {{"Content-Type", "application/json"},
                    {"X-Switchboard-Signature", "sha256=" + hmac_sha256_hex(t.api_secret, req->body)}};
  }
  return req;
}

}  // namespace sb::loadgen

// Webhook bodies in the platforms' own formats, signed the way the daemon
// verifies them: a Telegram Update with X-Telegram-Bot-Api-Secret-Token; a
// WhatsApp Cloud API notification and a Messenger page event with
// X-Hub-Signature-256 (the app secret); a Viber message callback with
// X-Viber-Content-Signature (the auth token); an inbound mail as a Mailgun
// route's forward() posts it (a urlencoded form signed over timestamp +
// token); a website chat visitor's message with a visitor token the channel's
// secret signs; the generic api channel's JSON
// with X-Switchboard-Signature: sha256=HMAC-SHA256(secret, body). Ids are unique per run (they
// start from the run's start time), so a second run against the same data directory is not taken
// for a storm of retries.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::loadgen {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class ChannelKind : std::size_t {
  kTelegram,
  kWhatsApp,
  kMessenger,
  kViber,
  kApi,
  kEmail,
  kWebchat
};
inline constexpr std::size_t kChannelKinds = 7;
// The support address of the load generator's email channels (their
// account_id, and the recipient of every mail it sends).
inline constexpr std::string_view kLoadgenMailbox = "support@lg.example.com";
// The daemon's channel type ("telegram", "whatsapp", ...), also the mix's key.
std::string_view channel_type(ChannelKind k);

// How customers spread over the channels: weights per kind, from
// "telegram=30,whatsapp=20,messenger=10,viber=10,email=10,webchat=15,api=5"
// (missing kinds 0).
struct ChannelMix {
  std::array<double, kChannelKinds> weight{};
  bool uses(ChannelKind k) const { return weight[static_cast<std::size_t>(k)] > 0; }
};
// "" on success, else why the text is not a mix.
std::string parse_channel_mix(std::string_view text, ChannelMix& out);
// Shares in percent, e.g. "telegram 35%, whatsapp 25%, ..." (kinds in use only).
std::string describe(const ChannelMix& mix);

// What the set-up phase created in one tenant: per kind, the channel's name
// and secret ("" for kinds the mix does not use).
struct TenantTarget {
  std::string id;
  std::string admin_key;
  std::array<std::string, kChannelKinds> channel, secret;
};

// One prepared POST; kept as is for platform retries (same bytes again).
struct WebhookRequest {
  std::string target;
  std::string body;
  Headers headers;
  std::size_t tenant = 0;
};

// `bytes` random bytes as hex, for channel secrets.
std::string random_hex(std::size_t bytes);

// A customer: a fixed tenant and channel for the whole run.
struct CustomerIdentity {
  std::size_t tenant = 0;
  ChannelKind channel = ChannelKind::kTelegram;
  std::int64_t number = 0;  // 0..customers-1
};

class PayloadFactory {
 public:
  // `body_bytes`: the size bodies are padded to with message text (the
  // envelope alone is about 250-330 bytes).
  PayloadFactory(std::vector<TenantTarget> tenants, std::size_t body_bytes, std::int64_t run_id_ms,
                 ChannelMix mix);

  CustomerIdentity customer(std::int64_t number) const;
  // A fresh customer message (a new platform event id each call). Thread-safe.
  std::shared_ptr<const WebhookRequest> message(const CustomerIdentity& who,
                                                std::int64_t message_no);

  const std::vector<TenantTarget>& tenants() const { return tenants_; }

 private:
  std::string text_for(std::size_t envelope_bytes, std::int64_t message_no) const;

  std::vector<TenantTarget> tenants_;
  std::size_t body_bytes_;
  std::int64_t run_id_ms_;
  ChannelMix mix_;
  std::atomic<std::int64_t> next_event_{0};
};

}  // namespace sb::loadgen

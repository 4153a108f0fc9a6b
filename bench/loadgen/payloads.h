// Webhook bodies in the platforms' own formats, signed the way the daemon
// verifies them: a Telegram Update with X-Telegram-Bot-Api-Secret-Token, and
// the generic api channel's JSON with X-Switchboard-Signature:
// sha256=HMAC-SHA256(secret, body). Ids are unique per run (they start from
// the run's start time), so a second run against the same data directory is
// not taken for a storm of retries.
#pragma once

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

enum class ChannelKind { kTelegram, kApi };

// What the set-up phase created in one tenant.
struct TenantTarget {
  std::string id;
  std::string admin_key;
  std::string telegram_channel, telegram_secret;
  std::string api_channel, api_secret;
};

// One prepared POST; kept as is for platform retries (same bytes again).
struct WebhookRequest {
  std::string target;
  std::string body;
  Headers headers;
  std::size_t tenant = 0;
};

std::string hmac_sha256_hex(std::string_view key, std::string_view data);
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
                 double telegram_share);

  CustomerIdentity customer(std::int64_t number) const;
  // A fresh customer message (a new platform event id each call). Thread-safe.
  std::shared_ptr<const WebhookRequest> message(const CustomerIdentity& who, std::int64_t message_no);

  const std::vector<TenantTarget>& tenants() const { return tenants_; }

 private:
  std::string text_for(std::size_t envelope_bytes, std::int64_t message_no) const;

  std::vector<TenantTarget> tenants_;
  std::size_t body_bytes_;
  std::int64_t run_id_ms_;
  double telegram_share_;
  std::atomic<std::int64_t> next_event_{0};
};

}  // namespace sb::loadgen

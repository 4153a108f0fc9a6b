// ChannelAdapter: everything Switchboard knows about one platform's inbound
// webhooks: how to verify that a request really comes from the platform, and
// how to turn its payload into canonical InboundEvents.
//
// A channel lives in its own folder under adapters/ and is registered by one
// line in adapters/builtin_channels.cc. Implementations are stateless and
// thread-safe: every method may run on any I/O thread at once. Untrusted
// input never asserts: it is a Status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/message.h"
#include "adapters/outbound/http_client.h"
#include "proto/model.h"
#include "proto/status.h"

namespace sb::adapters {

// What a platform's answer to one reply means for the outbox.
struct DeliveryResult {
  enum class Kind { kDelivered, kRetry, kFailed };
  Kind kind = Kind::kFailed;
  std::string platform_message_id;           // kDelivered: the platform's id for the message
  std::chrono::milliseconds retry_after{0};  // kRetry: the platform's hint, 0 if none
  std::string error;                         // kRetry/kFailed: why, for logs and frames
  int http_status = 0;                       // 0 when no response arrived
};

struct ParsedWebhook {
  std::vector<proto::InboundEvent> events;  // customer events, in payload order
  std::size_t ignored = 0;                  // updates that are not customer messages
  // A single-use nonce the platform signed instead of the body (Mailgun's
  // token), "" if none: the shard refuses it with any other events than the
  // ones it first came with (router::TenantState::claim_nonce).
  std::string nonce;
};

class ChannelAdapter {
 public:
  virtual ~ChannelAdapter() = default;

  // The `type` of PUT /v1/channels this adapter serves ("telegram", ...).
  virtual std::string_view type() const = 0;

  // kUnauthenticated if the request is not provably from the platform;
  // kInvalidArgument if the body is too malformed to hold the signature at
  // all (platforms that sign fields of the body: Mailgun's form).
  virtual Status verify(const http::HttpRequest& req, const proto::ChannelConfig& cfg) const = 0;

  // kInvalidArgument for a malformed payload. `channel`, `received_ts` of the
  // events are filled in by the caller.
  virtual Result<ParsedWebhook> parse(const http::HttpRequest& req,
                                      const proto::ChannelConfig& cfg) const = 0;

  // Outbound: the request that delivers `text` to the customer at `address`
  // (e.g. a Telegram chat id) on this channel; nullopt if the type cannot send.
  virtual std::optional<outbound::OutboundRequest> build_send(const proto::ChannelConfig& cfg,
                                                              const std::string& address,
                                                              const std::string& text) const;
  // What the platform's answer to build_send's request means.
  virtual DeliveryResult interpret_send(const Result<outbound::OutboundResponse>& r) const;
  // True if the receiver deduplicates sends by their `Idempotency-Key` header
  // (the reply's message id), so a send whose outcome a crash left unknown
  // may be repeated. Chat platforms have no such key: false, and such a reply
  // is reported failed ("outcome unknown") instead of risking a duplicate.
  virtual bool idempotent_send() const { return false; }
  // True if the customer reads replies from Switchboard itself (webchat: the
  // visitor's stream): a reply is delivered once it is stored, and the
  // outbox marks it so without sending anything.
  virtual bool delivered_when_stored() const { return false; }

  // What this type needs of a channel's settings beyond the common checks
  // (e.g. email: the address replies come from). kInvalidArgument explains.
  virtual Status validate(const proto::ChannelConfig& /*cfg*/) const { return Status::ok(); }
  // GET verification handshakes (Meta's hub.challenge). nullopt: not supported.
  virtual std::optional<http::HttpResponse> handshake(const http::HttpRequest& /*req*/,
                                                      const proto::ChannelConfig& /*cfg*/) const {
    return std::nullopt;
  }
};

// Building blocks of interpret_send, shared by the senders.
DeliveryResult delivery(DeliveryResult::Kind kind, int http_status, std::string error);
// No response: kUnavailable (DNS, connect, TLS, timeout, hang-up) is
// retried; anything else (a bad URL, a body too large) fails.
DeliveryResult transport_failure(const Status& st);
// A short, printable excerpt of a body that is not the platform's answer.
std::string body_excerpt(std::string_view body);
// The Retry-After header in delta-seconds (platforms do not send the
// HTTP-date form); nullopt when absent or not a number.
std::optional<std::int64_t> retry_after_header(const outbound::OutboundResponse& res);
// The channel's outbound.base_url, or `platform_default` when it has none,
// without a trailing slash.
std::string base_url(const proto::ChannelConfig& cfg, std::string_view platform_default);

// The registry of built-in channels (adapters/builtin_channels.cc).
const ChannelAdapter* find_channel(std::string_view type);
// A channel's type is built in and its adapter accepts its settings: the
// same check for PUT /v1/channels and for channels of the config file.
Status validate_channel(const proto::ChannelConfig& cfg);
std::vector<std::string_view> channel_types();

}  // namespace sb::adapters

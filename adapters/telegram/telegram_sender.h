// Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage):
// builds the request for outbound::HttpClient and turns its result into a
// delivery decision for the outbox. Pure functions: no I/O, no state,
// thread-safe.
//
// Mapping (interpret_telegram_response):
//   2xx with {"ok":true,"result":{"message_id":N}}  -> kDelivered, id N
//   2xx with ok:true but no message_id              -> kDelivered, id "" (Telegram
//                                                      accepted it: never resend)
//   2xx that is not a Bot API answer (not JSON,      -> kRetry (it did not come from
//     ok:false)                                         a working Bot API)
//   429                                              -> kRetry, retry_after from
//                                    parameters.retry_after, else the Retry-After
//                                    header, else 0; capped at one day
//   5xx                                              -> kRetry (retry_after as above)
//   other statuses (400 chat not found, 401, 403 bot -> kFailed, error = the
//     was blocked, 404, redirects)                      description (or the status)
//   transport failure (kUnavailable: DNS, connect,   -> kRetry, retry_after 0
//     TLS, timeout, hang-up)
//   other client errors (bad URL, body too large)    -> kFailed
// retry_after 0 means "no hint": the caller applies its exponential backoff.
#pragma once

#include <chrono>
#include <string>

#include "adapters/channel.h"  // DeliveryResult
#include "adapters/outbound/http_client.h"
#include "proto/model.h"

namespace sb::adapters {

// POST {outbound_base_url}/bot{outbound_token}/sendMessage with the JSON body
// {"chat_id":...,"text":...}. chat_id is a JSON number when it is a canonical
// 64-bit integer (e.g. "411122334", "-1001234567890"), else a string
// ("@channelname"). An empty base URL means https://api.telegram.org; a bad
// one surfaces when the request is sent (kInvalidArgument -> kFailed).
outbound::OutboundRequest telegram_send_message(const proto::ChannelConfig& channel,
                                                const std::string& chat_id,
                                                const std::string& text);

DeliveryResult interpret_telegram_response(const Result<outbound::OutboundResponse>& r);

}  // namespace sb::adapters

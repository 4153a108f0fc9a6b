// What Meta's three messaging platforms (Messenger, Instagram, WhatsApp Cloud
// API) share: the webhook signature, the GET verification handshake, the
// Graph API's base URL and its error answers. Pure functions, thread-safe.
//
// Signature (https://developers.facebook.com/docs/graph-api/webhooks/getting-started):
//   X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the
//   app secret>. The channel's `secret` is the app secret; a channel without
//   one accepts nothing.
// Handshake: GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C
//   answers 200 with C as text/plain when T equals the channel's
//   `verify_token` (compared in constant time), else 403. C is echoed only if
//   it is 1..128 characters of [A-Za-z0-9_-] (Meta sends digits): nothing
//   else is reflected into a response.
//
// Send answers (interpret_graph_response):
//   2xx with a Graph answer (JSON without `error`) -> kDelivered, with the
//     message id (`message_id`, or WhatsApp's `messages[0].id`) if given:
//     Meta took it, so it is never sent again
//   2xx that is not JSON, or carries an `error`    -> kRetry (not a working Graph API)
//   429, 5xx, or {"error":{...}} with is_transient:true or a rate-limit /
//     temporarily-unavailable code (1, 2, 4, 17, 32, 341, 613, 80007,
//     130429, 131016, 131056)                     -> kRetry, Retry-After if given
//   any other error (expired token 190, outside the 24-hour window 131047,
//     user unavailable 551, bad recipient 100...) -> kFailed with its message
//   transport failure                             -> kRetry
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "adapters/channel.h"
#include "proto/json_reader.h"

namespace sb::adapters::meta {

Status verify_hub_signature(const http::HttpRequest& req, const proto::ChannelConfig& cfg);

std::optional<http::HttpResponse> hub_challenge(const http::HttpRequest& req,
                                                const proto::ChannelConfig& cfg);

// Meta's notification envelope, {"object":"...","entry":[...]} (fields in
// any order): hands each entry to `on_entry`, then checks that `object` is
// `expected_object` and that there was an entry (kInvalidArgument otherwise).
// A body that gives no event and ignores nothing counts one ignored.
Result<ParsedWebhook> parse_envelope(
    std::string_view body, std::string_view expected_object,
    const std::function<Status(proto::json::od::value entry, ParsedWebhook& out)>& on_entry);

// "{outbound.base_url or https://graph.facebook.com}/v19.0" without a trailing slash.
std::string graph_base(const proto::ChannelConfig& cfg);

// A JSON POST to the Graph API with the channel's token as a bearer (never in
// the URL, so it does not end up in proxies' logs).
outbound::OutboundRequest graph_post(const proto::ChannelConfig& cfg, std::string url,
                                     std::string body);

DeliveryResult interpret_graph_response(const Result<outbound::OutboundResponse>& r);

// Unix time as Meta sends it, bounded so that milliseconds fit 64 bits and
// render as a 4-digit RFC 3339 year.
bool valid_unix_ms(std::int64_t ms);

}  // namespace sb::adapters::meta

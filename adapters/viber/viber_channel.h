// Viber REST Bot API (https://developers.viber.com/docs/api/rest-bot-api/).
//
// verify: X-Viber-Content-Signature is the hex HMAC-SHA256 of the raw body
// keyed by the bot's auth token, which is the channel's `secret`.
// parse: one callback per request. `message` events become customer events
// (event_id = message_token; the contact is sender.id, named sender.name):
//   text -> its text; picture, video, file, sticker, url -> an attachment
//   (file_id = the media URL; a picture's text is its caption);
//   location -> "location: lat,lon"; contact -> "contact: <phone>".
// `webhook` (sent by set_webhook), `subscribed`, `unsubscribed`,
// `conversation_started`, `delivered`, `seen`, `failed` and `client_status`
// are acknowledged and ignored.
// Replies: POST {outbound.base_url or https://chatapi.viber.com}/pa/send_message
// with X-Viber-Auth-Token (outbound.token, else the secret) and the
// channel's name as the sender's display name (Viber requires one, at most
// 28 characters). Viber answers HTTP 200 with a `status`: 0 is delivered,
// 12 (too many requests) and unknown codes are retried, the documented
// others, 1 to 24 (not subscribed, blocked, bad token, unsupported country,
// no balance...), fail.
#pragma once

#include <string_view>

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& viber_channel();

// Exposed for tests, fuzzers and benchmarks.
Result<ParsedWebhook> parse_viber_callback(std::string_view body);

}  // namespace sb::adapters

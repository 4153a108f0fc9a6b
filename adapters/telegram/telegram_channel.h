// Telegram Bot API webhooks (https://core.telegram.org/bots/api#update).
//
// verify: the X-Telegram-Bot-Api-Secret-Token header must equal the
// channel's `secret` (the secret_token given to setWebhook), compared in
// constant time; a channel without a secret accepts nothing.
// parse: one Update per request. message, edited_message and callback_query
// from a human become events; everything else (channel posts, chat member
// changes, polls, bots' own messages, service messages) is acknowledged and
// ignored. A retry is identified by (channel, update_id).
#pragma once

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& telegram_channel();

// Exposed for tests and benchmarks: parse a raw Update body.
Result<ParsedWebhook> parse_telegram_update(std::string_view body);

}  // namespace sb::adapters

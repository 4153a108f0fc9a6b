// WhatsApp Business Cloud API webhooks
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components):
// {"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"field":"messages",
//   "value":{"metadata":{"phone_number_id":...},"contacts":[{"wa_id":...,"profile":{"name":...}}],
//            "messages":[...],"statuses":[...]}}]}]}.
//
// verify: X-Hub-Signature-256 with the app secret (graph_api.h); GET answers
// the hub.challenge handshake.
// parse: every item of `messages` becomes an event, in payload order, with
// event_id = the message's wamid and the sender's name from `contacts`:
//   text -> its body; image/video/audio/document/sticker -> an attachment
//   (file_id = the media id, caption as text); location -> "location: lat,lon";
//   contacts -> "contact: <phone>"; button and interactive replies ->
//   kCallback with the pressed title.
// `statuses` (sent, delivered, read, failed), reactions, `unsupported` and
// `system` messages are acknowledged and ignored.
// The customer is the sender's wa_id. Replies leave from the business number
// the customer wrote to, so the reply address is "<phone_number_id>:<wa_id>"
// and a reply is POST {graph}/<phone_number_id>/messages with the system-user
// access token (outbound.token).
#pragma once

#include <string_view>

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& whatsapp_channel();

// Exposed for tests, fuzzers and benchmarks. With an `account_id` (the
// channel's), messages to another business number (metadata.phone_number_id)
// are ignored.
Result<ParsedWebhook> parse_whatsapp_notification(std::string_view body,
                                                  std::string_view account_id = {});

}  // namespace sb::adapters

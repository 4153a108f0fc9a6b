// The generic "api" channel: Switchboard's own event format, for CRMs and
// custom integrations.
//
//   {"channel":"api-1","event_id":"e-1",
//    "contact":{"external_id":"c-9","name":"Ivan"},"text":"...",
//    "attachments":[{"kind":"document","file_id":"...","name":"a.pdf"}]}
//
// Through POST /v1/events it is authenticated by the tenant's admin key; as a
// webhook (POST /webhooks/{tenant}/{channel}) by the header
// X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of the body with the
// channel's secret>. `event_id` identifies a retry.
#pragma once

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& api_channel();

// Parses one event; `channel` is taken from the body ("" if absent).
Result<proto::InboundEvent> parse_api_event(std::string_view body);

}  // namespace sb::adapters

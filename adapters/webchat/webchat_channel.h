// The website chat (channel type "webchat"): Switchboard's own widget
// protocol. There is no platform in between: the visitor's browser talks to
// the /webchat routes (adapters/front/webchat_api.h) with a visitor token,
// and operators' replies reach it through the visitor's stream, so a reply
// is delivered once it is stored.
//
// Visitor tokens are "<visitor id>.<hex HMAC-SHA256>" where the HMAC, keyed
// by the channel's `secret`, covers "switchboard-webchat-visitor\n<tenant>\n
// <channel>\n<visitor id>". Switchboard mints one for an anonymous visitor;
// a site's backend may mint them itself for its signed-in users (their own
// user id as the visitor id), so that a user keeps one contact and one
// history across devices. Visitor ids are names: [A-Za-z0-9._-], 1 to 64.
//
// The platform webhook route does not apply: POST /webhooks/{tenant}/{channel}
// to a webchat channel is refused (401).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& webchat_channel();

// A new anonymous visitor id (22 URL-safe characters, 132 random bits).
std::string new_visitor_id();
std::string visitor_token(const proto::ChannelConfig& cfg, std::string_view tenant,
                          std::string_view visitor_id);
// The visitor a token names, if the channel's secret signed it; else
// kUnauthenticated.
Result<std::string> visitor_of_token(const proto::ChannelConfig& cfg, std::string_view tenant,
                                     std::string_view token);

// A visitor's message: {"id":"<1..64 of [A-Za-z0-9._-], unique per
// visitor>","text":"...","name":"optional display name"}. The event_id is
// "<visitor id>:<id>", so a browser's retry of the same id is a duplicate.
Result<proto::InboundEvent> parse_visitor_message(std::string_view body,
                                                  const std::string& visitor_id, proto::TimeMs now);

// What a visitor sees of one event-log frame of their contact: the messages
// between them and the operators on channel `channel` (never notes, offers
// or assignments), and the end of a conversation. nullopt: nothing.
//   {"seq":N,"type":"message","conversation":"cv-1","message":{"id":"m-2",
//    "from":"visitor|operator","text":"...","created_at":"..."}}
//   {"seq":N,"type":"conversation.resolved","conversation":"cv-1"}
std::optional<std::string> visitor_view(std::string_view frame_json, std::string_view channel);

}  // namespace sb::adapters

// Parsers of the API's request bodies other than the routing ones
// (front/routing_bodies.h): untrusted JSON into model types, with the API's
// size limits. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/model.h"
#include "proto/status.h"

namespace sb::adapters {

// POST /v1/conversations/{id}/messages and /notes: {"text":"..."}, 1 byte..16 KiB.
Result<std::string> parse_text(std::string_view body);

// PUT /v1/contacts/{id}: {"name","phone","email","status": <= 256 bytes each,
// "custom":{name: value}: <= 64 fields, names [A-Za-z0-9._-]{1,64}, values <= 1 KiB}.
Result<proto::Contact> parse_contact_patch(std::string_view body, const std::string& id);

// PUT /v1/contacts/{id}/identities: {"identities":[{"channel","external_id"}, ...]}:
// 1..16 of them, channel a valid name, external_id 1..256 bytes.
Result<std::vector<proto::Identity>> parse_identities_body(std::string_view body);

// PUT /v1/channels/{name}:
// {"type","secret","verify_token","queue","outbound":{"base_url","token"}}; the type must be a
// built-in channel, the queue (default "default") a valid name.
Result<proto::ChannelConfig> parse_channel_body(std::string_view body, const std::string& name);

}  // namespace sb::adapters

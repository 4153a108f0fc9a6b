// Fuzzes the api channel's event parser (adapters/api: parse_api_event), the
// body of POST /v1/events and of api-channel webhooks.
//
// Invariants beyond "no crash, no leak, no UB":
// - an accepted event has an event_id and a contact.external_id of 1..256
//   bytes, a reply address, and text or attachments;
// - the event survives storage: proto::encode then decode_inbound_event gives
//   back an equal event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/api/api_channel.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = sb::adapters::parse_api_event(body);
  if (!parsed) return 0;
  const auto& e = parsed.value();
  FUZZ_CHECK(!e.event_id.empty() && e.event_id.size() <= 256);
  FUZZ_CHECK(!e.contact_external_id.empty() && e.contact_external_id.size() <= 256);
  FUZZ_CHECK(!e.reply_address.empty());
  FUZZ_CHECK(!e.text.empty() || !e.attachments.empty());
  auto back = sb::proto::decode_inbound_event(sb::proto::encode(e));
  FUZZ_CHECK(back.is_ok());
  FUZZ_CHECK(back.value() == e);
  return 0;
}

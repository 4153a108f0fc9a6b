// Fuzzes the Telegram Update parser (adapters/telegram: parse_telegram_update),
// the body of every Telegram webhook.
//
// Invariants beyond "no crash, no leak, no UB":
// - at most one event per Update; an event has the Update's update_id as its
//   event_id (a non-negative decimal), a contact id, a reply address, and
//   text or attachments, a platform time within years 1970..9999; a parse that
//   yields no event counts >= 1 ignored;
// - the event survives storage: proto::encode then decode_inbound_event gives
//   back an equal event (what is acknowledged is what recovery sees).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/telegram/telegram_channel.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = sb::adapters::parse_telegram_update(body);
  if (!parsed) {
    FUZZ_CHECK(!parsed.status().is_ok());
    return 0;
  }
  FUZZ_CHECK(parsed->events.size() <= 1);
  FUZZ_CHECK(parsed->events.empty() == (parsed->ignored > 0));
  for (const auto& e : parsed->events) {
    FUZZ_CHECK(!e.event_id.empty() &&
               e.event_id.find_first_not_of("0123456789") == std::string_view::npos);
    FUZZ_CHECK(!e.contact_external_id.empty());
    FUZZ_CHECK(!e.reply_address.empty());
    FUZZ_CHECK(e.platform_ts >= 0 && e.platform_ts <= 253402300799000);
    FUZZ_CHECK(!e.text.empty() || !e.attachments.empty() ||
               e.kind == sb::proto::EventKind::kCallback);
    auto back = sb::proto::decode_inbound_event(sb::proto::encode(e));
    FUZZ_CHECK(back.is_ok());
    FUZZ_CHECK(back.value() == e);
  }
  return 0;
}

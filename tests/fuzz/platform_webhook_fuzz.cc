// Fuzzes the webhook parsers of the chat platforms other than Telegram:
// Messenger and Instagram (adapters/meta: parse_meta_messaging), WhatsApp
// (parse_whatsapp_notification) and Viber (adapters/viber:
// parse_viber_callback). The first byte picks the parser, the rest is the body.
//
// Invariants beyond "no crash, no leak, no UB":
// - every event has an event_id, a contact id, a reply address (WhatsApp's
//   is "<phone_number_id>:<wa_id>" around one colon at least), text or
//   attachments, and a platform time within years 1970..9999;
// - a parse that yields no event counts >= 1 ignored; Viber's gives at most
//   one event;
// - every event survives storage: proto::encode then decode_inbound_event
//   gives back an equal event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/meta/messenger_channel.h"
#include "adapters/meta/whatsapp_channel.h"
#include "adapters/viber/viber_channel.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int which = data[0] % 4;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto parsed = which == 0   ? sb::adapters::parse_meta_messaging(body, "page")
                : which == 1 ? sb::adapters::parse_meta_messaging(body, "instagram")
                : which == 2 ? sb::adapters::parse_whatsapp_notification(body)
                             : sb::adapters::parse_viber_callback(body);
  if (!parsed) {
    FUZZ_CHECK(!parsed.status().is_ok());
    return 0;
  }
  FUZZ_CHECK(!parsed->events.empty() || parsed->ignored > 0);
  if (which == 3) FUZZ_CHECK(parsed->events.size() <= 1);
  for (const auto& e : parsed->events) {
    FUZZ_CHECK(!e.event_id.empty());
    FUZZ_CHECK(!e.contact_external_id.empty());
    FUZZ_CHECK(!e.reply_address.empty());
    if (which == 2) FUZZ_CHECK(e.reply_address.find(':') != std::string::npos);
    FUZZ_CHECK(e.platform_ts >= 0 && e.platform_ts <= 253402300799999);
    FUZZ_CHECK(!e.text.empty() || !e.attachments.empty());
    auto back = sb::proto::decode_inbound_event(sb::proto::encode(e));
    FUZZ_CHECK(back.is_ok());
    FUZZ_CHECK(back.value() == e);
  }
  return 0;
}

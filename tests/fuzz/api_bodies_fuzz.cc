// Fuzzes the other API body parsers (adapters/front/api_bodies.*): message and
// note text (POST /v1/conversations/{id}/messages|notes), contact patches
// (PUT /v1/contacts/{id}), identity links (PUT /v1/contacts/{id}/identities)
// and channel configuration (PUT /v1/channels/{name}). Every input goes
// through all four.
//
// Invariants beyond "no crash, no leak, no UB":
// - accepted values respect the API's limits: text 1 byte..16 KiB; contact
//   fields <= 256 bytes, <= 64 custom fields with valid names and values
//   <= 1 KiB; 1..16 identities with valid channel names and external ids of
//   1..256 bytes; a channel of a built-in type, a valid queue, secrets <= 4 KiB;
// - what is stored is what recovery reads: a parsed contact or channel goes
//   through proto::encode and decodes back to an equal value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/channel.h"
#include "adapters/front/api_bodies.h"
#include "proto/codec.h"
#include "proto/ids.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto text = sb::adapters::parse_text(body)) {
    FUZZ_CHECK(!text->empty() && text->size() <= 16 * 1024);
  }

  if (auto c = sb::adapters::parse_contact_patch(body, "ct-7")) {
    FUZZ_CHECK(c->id == "ct-7");
    for (const auto* f : {&c->name, &c->phone, &c->email, &c->status}) FUZZ_CHECK(f->size() <= 256);
    FUZZ_CHECK(c->custom.size() <= 64);
    for (const auto& [k, v] : c->custom) {
      FUZZ_CHECK(sb::proto::is_valid_name(k) && v.size() <= 1024);
    }
    auto back = sb::proto::decode_contact(sb::proto::encode(c.value()));
    FUZZ_CHECK(back.is_ok());
    FUZZ_CHECK(back.value() == c.value());
  }

  if (auto ids = sb::adapters::parse_identities_body(body)) {
    FUZZ_CHECK(!ids->empty() && ids->size() <= 16);
    for (const auto& id : *ids) {
      FUZZ_CHECK(sb::proto::is_valid_name(id.channel));
      FUZZ_CHECK(!id.external_id.empty() && id.external_id.size() <= 256);
    }
  }

  if (auto ch = sb::adapters::parse_channel_body(body, "tg-main")) {
    FUZZ_CHECK(ch->name == "tg-main");
    FUZZ_CHECK(sb::adapters::find_channel(ch->type) != nullptr);
    FUZZ_CHECK(sb::proto::is_valid_name(ch->queue));
    FUZZ_CHECK(ch->secret.size() <= 4096 && ch->verify_token.size() <= 4096);
    auto back = sb::proto::decode_channel_config(sb::proto::encode(ch.value()));
    FUZZ_CHECK(back.is_ok());
    FUZZ_CHECK(back.value() == ch.value());
  }
  return 0;
}

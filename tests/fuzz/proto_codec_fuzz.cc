// Fuzzes the JSON codecs of the canonical model (proto/codec.*, on the
// readers of proto/json_reader.*): what storage/ keeps and recovery decodes.
// Every input goes through all six decoders, so the corpus holds real stored
// records of each kind.
//
// Invariants beyond "no crash, no leak, no UB": whatever a decoder accepts
// round-trips: encode(decoded) decodes again, to an equal value, and encoding
// that value gives the same bytes (encode . decode is a fixpoint).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

template <class Decode>
void round_trip(std::string_view input, Decode decode) {
  auto first = decode(input);
  if (!first) return;
  const std::string once = sb::proto::encode(first.value());
  auto second = decode(once);
  FUZZ_CHECK(second.is_ok());
  FUZZ_CHECK(second.value() == first.value());
  FUZZ_CHECK(sb::proto::encode(second.value()) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip(in, [](std::string_view s) { return sb::proto::decode_inbound_event(s); });
  round_trip(in, [](std::string_view s) { return sb::proto::decode_contact(s); });
  round_trip(in, [](std::string_view s) { return sb::proto::decode_conversation(s); });
  round_trip(in, [](std::string_view s) { return sb::proto::decode_message(s); });
  round_trip(in, [](std::string_view s) { return sb::proto::decode_channel_config(s); });
  round_trip(in, [](std::string_view s) { return sb::proto::decode_outbox_item(s); });
  return 0;
}

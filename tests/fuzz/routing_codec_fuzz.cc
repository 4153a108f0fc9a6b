// Fuzzes the routing core's record codecs (router/routing_codec.*): queues,
// operators, operator runtimes and conversation routing state, as stored in
// the `routing` column family and decoded at recovery.
//
// Invariants beyond "no crash, no leak, no UB": whatever a decoder accepts
// round-trips: to_record(decoded).json decodes again to an equal value and
// re-encodes to the same bytes. (A resolved conversation's record is an
// erase, with no JSON: checked as such.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "router/routing_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

template <class Decode>
void round_trip(std::string_view input, Decode decode) {
  auto first = decode(input);
  if (!first) return;
  const auto rec = sb::router::to_record(first.value());
  if (rec.erase) {
    FUZZ_CHECK(rec.json.empty());
    return;
  }
  auto second = decode(rec.json);
  FUZZ_CHECK(second.is_ok());
  FUZZ_CHECK(second.value() == first.value());
  FUZZ_CHECK(sb::router::to_record(second.value()).json == rec.json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip(in, [](std::string_view s) { return sb::router::decode_queue(s); });
  round_trip(in, [](std::string_view s) { return sb::router::decode_operator(s); });
  round_trip(in, [](std::string_view s) { return sb::router::decode_runtime(s); });
  round_trip(in, [](std::string_view s) { return sb::router::decode_conversation_routing(s); });
  return 0;
}

// The few fields the load generator reads from the daemon's answers, parsed
// with simdjson On-Demand (one parser per thread). Unparseable input comes
// back as nullopt, never as an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::loadgen {

// The 2xx of a webhook: {"accepted":1,"duplicates":0,"events":[{"status":"stored",
// "conversation":"cv-7","new_conversation":true,...}]}
struct WebhookAnswer {
  std::uint64_t accepted = 0;
  std::uint64_t duplicates = 0;
  std::string conversation;  // of the first stored event
  bool new_conversation = false;
};
std::optional<WebhookAnswer> parse_webhook_answer(std::string_view body);

// A stream frame: {"seq":12,"type":"conversation.offered","operator":"op",
// "conversation":{"id":"cv-7",...},...}
struct StreamFrame {
  std::uint64_t seq = 0;
  std::string type;
  std::string operator_id;
  std::string conversation;
  std::int64_t at_ms = -1;  // the frame's "at": the daemon's wall clock when it made it (ms)
};
std::optional<StreamFrame> parse_stream_frame(std::string_view text);

// A top-level string field ("" when absent or null), e.g. an operator's token.
std::optional<std::string> top_level_string(std::string_view body, std::string_view key);

}  // namespace sb::loadgen

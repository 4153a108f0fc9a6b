// Fuzzes the routing API's body parsers (adapters/front/routing_bodies.*):
// PUT /v1/queues/{name}, PUT /v1/operators/{id}, PUT .../status and
// POST .../transfer. Every input goes through all four parsers.
//
// Invariants beyond "no crash, no leak, no UB":
// - accepted values respect the API's limits: priority within +-1,000,000,
//   durations 0..30 days, overflow after > 0 to a valid queue name, skills,
//   channels and queues valid names, keywords non-empty, operator name <= 256
//   bytes, capacities 0..10,000; a transfer names exactly one valid target;
// - what is stored is what recovery reads: a parsed queue or operator goes
//   through router::to_record and decodes back to an equal value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/front/routing_bodies.h"
#include "proto/ids.h"
#include "router/routing_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::int64_t kMaxMs = 30LL * 24 * 3600 * 1000;

bool all_names(const std::vector<std::string>& v) {
  for (const auto& s : v) {
    if (!sb::proto::is_valid_name(s)) return false;
  }
  return true;
}

void queue(std::string_view body) {
  auto q = sb::adapters::parse_queue_body(body, "support");
  if (!q) return;
  FUZZ_CHECK(q->name == "support");
  FUZZ_CHECK(q->priority >= -1000000 && q->priority <= 1000000);
  FUZZ_CHECK(q->offer_timeout_ms >= 0 && q->offer_timeout_ms <= kMaxMs);
  FUZZ_CHECK(q->first_response_sla_ms >= 0 && q->first_response_sla_ms <= kMaxMs);
  if (q->overflow) {
    FUZZ_CHECK(q->overflow->after_ms > 0 && q->overflow->after_ms <= kMaxMs);
    FUZZ_CHECK(sb::proto::is_valid_name(q->overflow->queue));
  }
  FUZZ_CHECK(all_names(q->skills) && all_names(q->select.channels));
  for (const auto& k : q->select.keywords) FUZZ_CHECK(!k.empty());
  auto back = sb::router::decode_queue(sb::router::to_record(q.value()).json);
  FUZZ_CHECK(back.is_ok());
  FUZZ_CHECK(back.value() == q.value());
}

void operator_body(std::string_view body) {
  auto op = sb::adapters::parse_operator_body(body, "olena");
  if (!op) return;
  FUZZ_CHECK(op->id == "olena" && op->name.size() <= 256);
  FUZZ_CHECK(all_names(op->skills) && all_names(op->queues));
  FUZZ_CHECK(op->capacity.chat <= 10000 && op->capacity.email <= 10000);
  auto back = sb::router::decode_operator(sb::router::to_record(op.value()).json);
  FUZZ_CHECK(back.is_ok());
  FUZZ_CHECK(back.value() == op.value());
}

void status(std::string_view body) {
  using sb::router::routing::OperatorStatus;
  auto s = sb::adapters::parse_status_body(body);
  if (!s) return;
  FUZZ_CHECK(s.value() == OperatorStatus::kOnline || s.value() == OperatorStatus::kAway ||
             s.value() == OperatorStatus::kOffline);
}

void transfer(std::string_view body) {
  auto t = sb::adapters::parse_transfer_body(body);
  if (!t) return;
  FUZZ_CHECK(t->operator_id.empty() != t->queue.empty());
  FUZZ_CHECK(sb::proto::is_valid_name(t->operator_id.empty() ? t->queue : t->operator_id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  queue(body);
  operator_body(body);
  status(body);
  transfer(body);
  return 0;
}

// The shard's in-memory routing work per event: router::TenantState::ingest
// (dedup, contact resolution, threading, event-log JSON) and the DedupWindow
// underneath it. No disk: commit_bench.cc measures what follows.
//
// Inputs are deterministic: ids count up from fixed bases and customers are
// picked by std::mt19937_64 with a fixed seed. The dedup window is sized in
// events (1 ms of simulated time per event), so the benchmarks run in a
// steady state where every insert also expires the oldest mark, as a
// long-running daemon does.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_stats.h"
#include "router/dedup.h"
#include "router/tenant_state.h"

namespace {

using sb::proto::Change;
using sb::proto::InboundEvent;
using sb::proto::TimeMs;
using sb::router::DedupWindow;
using sb::router::IngestOutcome;
using sb::router::TenantState;

constexpr TimeMs kStartMs = 1'717'171'717'000;  // 2024-05-31, a fixed clock
constexpr TimeMs kWindowEvents = 1 << 16;       // dedup marks kept in steady state
constexpr std::uint64_t kFirstUpdateId = 483'920'175;
constexpr std::uint64_t kFirstCustomerId = 428'819'731;
constexpr int kCustomers = 10'000;  // open conversations of a mid-size tenant
const std::string kQueue = "support";
// Telegram conversations count against an operator's "chat" capacity.
constexpr auto kChat = sb::router::routing::ChannelKind::kChat;

// What parse_telegram_update produces for a text message, channel filled in.
InboundEvent customer_message(std::uint64_t update_id, std::uint64_t customer) {
  InboundEvent e;
  e.channel = "tg-main";
  e.event_id = std::to_string(update_id);
  e.contact_external_id = std::to_string(customer);
  e.contact_name = "Олена Коваленко";
  e.reply_address = e.contact_external_id;
  e.platform_message_id = "5821";
  e.text = "Добрий день! My order #A-20931 has not arrived yet, can you check, please?";
  e.platform_ts = kStartMs;
  return e;
}

// Points a prepared event at another delivery and customer. Ids fit the
// small-string buffer, so this costs no allocation inside the timed loop.
void readdress(InboundEvent& e, std::uint64_t update_id, std::uint64_t customer) {
  e.event_id = std::to_string(update_id);
  e.contact_external_id = std::to_string(customer);
  e.reply_address = e.contact_external_id;
}

std::unique_ptr<TenantState> make_tenant() {
  sb::router::TenantOptions options;
  options.dedup_window_ms = kWindowEvents;
  return std::make_unique<TenantState>("acme", options);
}

// A fixed pseudo-random order of customers, replayed cyclically.
std::vector<std::uint32_t> customer_picks() {
  std::mt19937_64 rng(42);
  std::vector<std::uint32_t> picks(1 << 16);
  for (auto& p : picks) p = static_cast<std::uint32_t>(rng() % kCustomers);
  return picks;
}

// Every event is a first message: new identity, contact, conversation. The
// state grows with each one, so it is rebuilt (untimed) every kWindowEvents
// events to keep memory bounded and the figure comparable between runs.
void BM_Ingest_NewContact(benchmark::State& state) {
  auto tenant = make_tenant();
  std::vector<Change> out;
  auto e = customer_message(kFirstUpdateId, kFirstCustomerId);
  std::uint64_t n = 0;
  std::size_t changes = 0;
  for (auto _ : state) {
    if (n % kWindowEvents == 0 && n != 0) {
      state.PauseTiming();
      tenant = make_tenant();
      state.ResumeTiming();
    }
    readdress(e, kFirstUpdateId + n, kFirstCustomerId + n);
    out.clear();  // the shard drops a batch's changes once committed: part of the cost
    auto outcome = tenant->ingest(e, kQueue, kChat, kStartMs + static_cast<TimeMs>(n), out);
    benchmark::DoNotOptimize(outcome);
    changes += out.size();
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["changes_per_event"] =
      benchmark::Counter(static_cast<double>(changes), benchmark::Counter::kAvgIterations);
}

// Follow-up messages of customers who already have an open conversation.
void BM_Ingest_ExistingConversation(benchmark::State& state) {
  auto tenant = make_tenant();
  std::vector<Change> out;
  std::uint64_t n = 0;
  for (int c = 0; c < kCustomers; ++c, ++n) {  // open the conversations, untimed
    tenant->ingest(customer_message(kFirstUpdateId + n, kFirstCustomerId + c), kQueue, kChat,
                   kStartMs + static_cast<TimeMs>(n), out);
  }
  const auto picks = customer_picks();
  auto e = customer_message(kFirstUpdateId, kFirstCustomerId);
  std::size_t changes = 0;
  for (auto _ : state) {
    readdress(e, kFirstUpdateId + n, kFirstCustomerId + picks[n % picks.size()]);
    out.clear();
    auto outcome = tenant->ingest(e, kQueue, kChat, kStartMs + static_cast<TimeMs>(n), out);
    benchmark::DoNotOptimize(outcome);
    changes += out.size();
    ++n;
  }
  if (tenant->conversation_count() != static_cast<std::size_t>(kCustomers)) {
    state.SkipWithError("threading opened extra conversations");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["changes_per_event"] =
      benchmark::Counter(static_cast<double>(changes), benchmark::Counter::kAvgIterations);
}

// A platform retrying deliveries we already stored: absorbed by dedup.
void BM_Ingest_Duplicate(benchmark::State& state) {
  auto tenant = make_tenant();
  std::vector<Change> out;
  const auto picks = customer_picks();
  std::vector<InboundEvent> stored;
  stored.reserve(kCustomers);
  for (int i = 0; i < kCustomers; ++i) {
    stored.push_back(customer_message(kFirstUpdateId + i, kFirstCustomerId + picks[i]));
    tenant->ingest(stored.back(), kQueue, kChat, kStartMs + i, out);
  }
  const TimeMs now = kStartMs + kCustomers;  // inside the window: nothing expires
  std::size_t next = 0;
  for (auto _ : state) {
    out.clear();
    auto outcome = tenant->ingest(stored[next], kQueue, kChat, now, out);
    benchmark::DoNotOptimize(outcome);
    if (outcome.kind != IngestOutcome::Kind::kDuplicate) {
      state.SkipWithError("a retry was not recognized as a duplicate");
      break;
    }
    next = (next + 1) % stored.size();
  }
  state.SetItemsProcessed(state.iterations());
}

// Steady state of the window: each insert of a new delivery expires the oldest.
void BM_Dedup_InsertExpire(benchmark::State& state) {
  DedupWindow window(kWindowEvents);
  std::uint64_t n = 0;
  for (; n < static_cast<std::uint64_t>(kWindowEvents); ++n) {
    window.insert("tg-main", std::to_string(kFirstUpdateId + n), kStartMs + static_cast<TimeMs>(n));
  }
  for (auto _ : state) {
    const auto id = std::to_string(kFirstUpdateId + n);
    const auto now = kStartMs + static_cast<TimeMs>(n);
    window.insert("tg-main", id, now);
    window.expire(now);
    ++n;
  }
  benchmark::DoNotOptimize(window.size());
  state.SetItemsProcessed(state.iterations());
}

// Lookups in a full window; Arg(1) hits (a retry), Arg(0) misses (a new event).
void BM_Dedup_Contains(benchmark::State& state) {
  const bool hit = state.range(0) == 1;
  DedupWindow window(kWindowEvents);
  std::vector<std::string> ids;
  for (std::uint64_t n = 0; n < static_cast<std::uint64_t>(kWindowEvents); ++n) {
    ids.push_back(std::to_string(kFirstUpdateId + n));
    window.insert("tg-main", ids.back(), kStartMs + static_cast<TimeMs>(n));
  }
  if (!hit) {  // same length and alphabet, never inserted
    for (auto& id : ids) id[0] = '9';
  }
  std::mt19937_64 rng(42);
  std::vector<std::uint32_t> order(ids.size());
  for (auto& o : order) o = static_cast<std::uint32_t>(rng() % ids.size());
  std::size_t next = 0, found = 0;
  for (auto _ : state) {
    found += window.contains("tg-main", ids[order[next]]) ? 1 : 0;
    next = (next + 1) % order.size();
  }
  if (found != (hit ? static_cast<std::size_t>(state.iterations()) : 0)) {
    state.SkipWithError("unexpected dedup answer");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Ingest_NewContact)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Ingest_ExistingConversation)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Ingest_Duplicate)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Dedup_InsertExpire)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Dedup_Contains)->ArgName("hit")->Arg(1)->Arg(0)->Apply(sb::bench::with_min_max);

}  // namespace

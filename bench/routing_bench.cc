// Routing decisions per second on one core (issue 3): the Dispatcher with 10,
// 1,000 and 100,000 operators over 50 skills/queues. One iteration is one
// conversation's life: arrival (an offer is picked), accept, resolve (the slot
// is freed and the queue re-checked) = 3 routing inputs. A sampled p99 of the
// cost of one input is reported as a counter (p99_ns).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "router/routing/dispatcher.h"

namespace {

using sb::router::routing::Arrival;
using sb::router::routing::Dispatcher;
using sb::router::routing::OperatorConfig;
using sb::router::routing::OperatorStatus;
using sb::router::routing::Output;
using sb::router::routing::QueueConfig;

constexpr int kSkills = 50;

struct World {
  Dispatcher d;
  std::vector<std::string> queue_names;
  std::int64_t now = 1'000'000;
};

std::unique_ptr<World> make_world(int operators) {
  auto w = std::make_unique<World>();
  Output out;
  for (int q = 0; q < kSkills; ++q) {
    QueueConfig cfg;
    cfg.name = "q" + std::to_string(q);
    cfg.skills = {"s" + std::to_string(q)};
    cfg.offer_timeout_ms = 30000;
    (void)w->d.put_queue(cfg, w->now, out);
    w->queue_names.push_back(cfg.name);
  }
  std::mt19937 rng(42);
  for (int i = 0; i < operators; ++i) {
    OperatorConfig op;
    op.id = "op" + std::to_string(i);
    op.capacity.chat = 4;
    // Five skills each, and the queues needing them.
    for (int k = 0; k < 5; ++k) {
      const int s = static_cast<int>(rng() % kSkills);
      if (std::find(op.skills.begin(), op.skills.end(), "s" + std::to_string(s)) != op.skills.end())
        continue;
      op.skills.push_back("s" + std::to_string(s));
      op.queues.push_back("q" + std::to_string(s));
    }
    (void)w->d.put_operator(op, w->now, out);
    (void)w->d.set_operator_status(op.id, OperatorStatus::kOnline, w->now, out);
    out.clear();
  }
  return w;
}

const std::string* offered_to(const Output& out) {
  for (const auto& dec : out.decisions) {
    if (const auto* o = std::get_if<sb::router::routing::Offered>(&dec)) return &o->operator_id;
  }
  return nullptr;
}

void BM_RoutingDecision(benchmark::State& state) {
  auto w = make_world(static_cast<int>(state.range(0)));
  Output out;
  std::uint64_t n = 0;
  std::vector<std::uint32_t> samples;
  samples.reserve(1 << 16);
  Arrival a;
  a.contact = "c";
  a.channel = "tg";
  for (auto _ : state) {
    a.conversation = "cv" + std::to_string(n);
    a.channel_queue = w->queue_names[n % kSkills];
    a.contact = "c" + std::to_string(n);
    ++n;
    w->now += 1;
    const bool sample = (n & 63) == 0;
    const auto t0 =
        sample ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    out.clear();
    (void)w->d.conversation_arrived(a, w->now, out);
    if (sample) {
      samples.push_back(
          static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
    }
    const std::string* op = offered_to(out);
    if (op != nullptr) {
      const std::string holder = *op;
      out.clear();
      (void)w->d.accept(a.conversation, holder, w->now, out);
    }
    out.clear();
    (void)w->d.resolve(a.conversation, "", w->now, out);
    benchmark::DoNotOptimize(out.decisions.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n) * 3);  // 3 routing inputs per iteration
  if (!samples.empty()) {
    std::sort(samples.begin(), samples.end());
    state.counters["p99_ns"] = samples[samples.size() * 99 / 100];
    state.counters["p50_ns"] = samples[samples.size() / 2];
  }
}
BENCHMARK(BM_RoutingDecision)->Arg(10)->Arg(1000)->Arg(100000)->Unit(benchmark::kNanosecond);

}  // namespace

// Frames fanned out by the StreamHub to 1,000 connected operators (issue 4):
// publish() of one committed frame to every subscriber of the tenant, each
// applying its visibility filter as a stream connection does. Reports frames
// delivered per second (items) and frames published per second (counter).
// BM_HubPublishFresh is what the shard calls after a group commit: the frame
// arrives without its audience, which is worked out only if a stream of the
// tenant is connected (0 subscribers: the skip).
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "adapters/stream/hub.h"

namespace {

using sb::adapters::Frame;
using sb::adapters::StreamHub;
using sb::adapters::StreamSubscriber;

constexpr const char* kMessageFrame =
    R"({"seq":1,"type":"message.created","at":"2026-11-23T05:00:00.000Z","conversation":{"id":"cv-2","operator":"op7"},"message":{"id":"m-3","text":"hello"}})";

class CountingSubscriber final : public StreamSubscriber {
 public:
  explicit CountingSubscriber(std::string op) : op_(std::move(op)) {}
  void deliver(const std::shared_ptr<const Frame>& f) override {
    if (f->visible_to(op_)) delivered_.fetch_add(1, std::memory_order_relaxed);
  }
  const std::string& operator_id() const override { return op_; }
  void close(const std::string&) override {}
  std::atomic<std::uint64_t> delivered_{0};

 private:
  std::string op_;
};

void BM_HubFanOut(benchmark::State& state) {
  const int operators = static_cast<int>(state.range(0));
  const bool supervisors = state.range(1) != 0;  // admin view: every frame is visible
  StreamHub hub;
  std::vector<std::shared_ptr<CountingSubscriber>> subs;
  for (int i = 0; i < operators; ++i) {
    subs.push_back(
        std::make_shared<CountingSubscriber>(supervisors ? "" : "op" + std::to_string(i)));
    hub.subscribe("acme", subs.back());
  }
  const std::string json = kMessageFrame;
  std::vector<std::shared_ptr<const Frame>> batch{
      std::make_shared<const Frame>(Frame{1, json, sb::adapters::audience_of(json), {}})};
  std::uint64_t published = 0;
  for (auto _ : state) {
    hub.publish("acme", batch);
    ++published;
  }
  std::uint64_t delivered = 0;
  for (const auto& s : subs) delivered += s->delivered_.load();
  state.SetItemsProcessed(static_cast<std::int64_t>(published) * operators);  // filter checks
  state.counters["frames_published/s"] =
      benchmark::Counter(static_cast<double>(published), benchmark::Counter::kIsRate);
  state.counters["delivered"] = static_cast<double>(delivered);
}
BENCHMARK(BM_HubFanOut)->Args({1000, 0})->Args({1000, 1});

void BM_HubPublishFresh(benchmark::State& state) {
  const int operators = static_cast<int>(state.range(0));
  StreamHub hub;
  std::vector<std::shared_ptr<CountingSubscriber>> subs;
  for (int i = 0; i < operators; ++i) {
    // From "op7" on: the frame's operator is connected in every case but 0.
    subs.push_back(std::make_shared<CountingSubscriber>("op" + std::to_string(i + 7)));
    hub.subscribe("acme", subs.back());
  }
  const std::string json = kMessageFrame;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    // As the committer hands them over: one frame per log entry, no audience.
    std::vector<std::shared_ptr<Frame>> fresh{std::make_shared<Frame>(Frame{++seq, json, {}, {}})};
    hub.publish_fresh("acme", std::move(fresh));
  }
  std::uint64_t delivered = 0;
  for (const auto& s : subs) delivered += s->delivered_.load();
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));  // frames published
  state.counters["delivered"] = static_cast<double>(delivered);
}
// No stream connected, one operator, 1,000 operators.
BENCHMARK(BM_HubPublishFresh)->Arg(0)->Arg(1)->Arg(1000);

void BM_FrameAudience(benchmark::State& state) {
  const std::string json =
      R"({"seq":9,"type":"conversation.transferred","at":"2026-11-23T05:00:00.000Z","from_operator":"olena","to_operator":"taras","conversation":{"id":"cv-2","tenant":"acme","contact":{"id":"ct-1","name":"Ivan"},"channel":"tg","queue":"support","status":"offered","operator":null,"offered_to":"taras"}})";
  for (auto _ : state) benchmark::DoNotOptimize(sb::adapters::audience_of(json));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameAudience);

}  // namespace

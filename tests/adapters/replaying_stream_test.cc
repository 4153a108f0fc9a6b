// ReplayingStream's live path, without sockets: frames published by the hub
// reach the connection through its I/O thread (posts), in seq order, only
// those that concern it, and none after the connection stopped.
#include "adapters/front/replaying_stream.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace sb::adapters {
namespace {

// Records what the stream sends; posts wait until run_posts() (the I/O thread).
class RecordingSink final : public http::StreamSink {
 public:
  bool send(std::uint64_t seq, std::string json) override {
    sent.emplace_back(seq, std::move(json));
    return true;
  }
  void post(std::function<void()> fn) override { posts.push_back(std::move(fn)); }
  void close(std::string reason) override { closed = std::move(reason); }
  void run_posts() {
    auto now = std::move(posts);
    posts.clear();
    for (auto& fn : now) fn();
  }
  std::vector<std::pair<std::uint64_t, std::string>> sent;
  std::vector<std::function<void()>> posts;
  std::string closed;
};

// Sees frames whose JSON mentions "mine"; nothing stored to replay.
class MineOnly final : public ReplayingStream {
 public:
  MineOnly(StreamHub& hub, BlockingPool& pool) : ReplayingStream("acme", std::nullopt, hub, pool) {}
  const std::string& operator_id() const override { return id_; }

 private:
  bool concerns(const Frame& f) const override { return f.json.find("mine") != std::string::npos; }
  Status read(std::uint64_t, std::size_t, std::vector<proto::LogEntry>&) override {
    return Status::ok();
  }
  std::optional<std::string> present(std::uint64_t, const std::string& json, bool) override {
    return json;
  }
  std::string hello(std::uint64_t) const override { return "hello"; }
  std::string id_ = "olena";
};

std::shared_ptr<const Frame> frame(std::uint64_t seq, std::string json) {
  return std::make_shared<const Frame>(Frame{seq, std::move(json), {}, {}});
}

TEST(ReplayingStream, LiveFramesThatConcernTheClientArriveInOrder) {
  StreamHub hub;
  BlockingPool pool(1);
  auto sink = std::make_shared<RecordingSink>();
  auto stream = std::make_shared<MineOnly>(hub, pool);
  stream->start(sink);
  ASSERT_EQ(sink->sent.size(), 1u);  // hello
  sink->sent.clear();

  hub.publish("acme", {frame(1, "mine 1"), frame(2, "other"), frame(3, "mine 3")});
  hub.publish("acme", {frame(4, "other")});
  EXPECT_EQ(sink->posts.size(), 2u) << "nothing is posted for frames that do not concern it";
  EXPECT_TRUE(sink->sent.empty()) << "sent on the I/O thread only";
  hub.publish("acme", {frame(5, "mine 5")});
  sink->run_posts();
  ASSERT_EQ(sink->sent.size(), 3u);
  EXPECT_EQ(sink->sent[0], (std::pair<std::uint64_t, std::string>{1, "mine 1"}));
  EXPECT_EQ(sink->sent[1], (std::pair<std::uint64_t, std::string>{3, "mine 3"}));
  EXPECT_EQ(sink->sent[2], (std::pair<std::uint64_t, std::string>{5, "mine 5"}));
  EXPECT_TRUE(sink->closed.empty());
  stream->stop();
  hub.publish("acme", {frame(6, "mine 6")});
  EXPECT_TRUE(sink->posts.empty()) << "unsubscribed";
}

}  // namespace
}  // namespace sb::adapters

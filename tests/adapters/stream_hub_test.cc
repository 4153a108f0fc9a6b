// StreamHub without sockets: who gets a frame, and that a frame's audience
// (a parse of its JSON) is worked out only when some stream can use it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/stream/hub.h"

namespace sb::adapters {
namespace {

class Recorder final : public StreamSubscriber {
 public:
  void deliver(const std::shared_ptr<const Frame>& frame) override { got.push_back(frame); }
  const std::string& operator_id() const override { return id_; }
  void close(const std::string&) override {}
  std::vector<std::shared_ptr<const Frame>> got;

 private:
  std::string id_ = "olena";
};

constexpr const char* kOfferToOlena =
    R"({"seq":7,"type":"conversation.offered","conversation":{"id":"cv-1","offered_to":"olena"}})";
constexpr const char* kMessageToTaras =
    R"({"seq":8,"type":"message.created","conversation":{"id":"cv-2","operator":"taras"}})";

std::vector<std::shared_ptr<Frame>> fresh_frames() {
  return {std::make_shared<Frame>(Frame{7, kOfferToOlena, {}, {}}),
          std::make_shared<Frame>(Frame{8, kMessageToTaras, {}, {}})};
}

TEST(StreamHub, FreshFramesGetTheirAudienceWhenAStreamIsConnected) {
  StreamHub hub;
  auto rec = std::make_shared<Recorder>();
  hub.subscribe("acme", rec);
  hub.publish_fresh("acme", fresh_frames());
  ASSERT_EQ(rec->got.size(), 2u);
  EXPECT_EQ(rec->got[0]->audience, std::vector<std::string>{"olena"});
  EXPECT_TRUE(rec->got[0]->visible_to("olena"));
  EXPECT_FALSE(rec->got[1]->visible_to("olena"));
  EXPECT_TRUE(rec->got[1]->visible_to("taras"));
  EXPECT_EQ(hub.last_seq("acme"), 8u);
}

TEST(StreamHub, FreshFramesWithNoStreamConnectedOnlyMoveTheLastSeq) {
  StreamHub hub;
  auto rec = std::make_shared<Recorder>();
  hub.subscribe("other-tenant", rec);
  auto frames = fresh_frames();
  const auto first = frames[0];
  hub.publish_fresh("acme", std::move(frames));
  EXPECT_EQ(hub.last_seq("acme"), 8u);
  EXPECT_TRUE(first->audience.empty()) << "nobody to deliver to: the frame is not parsed";
  EXPECT_TRUE(rec->got.empty()) << "another tenant's stream";
}

}  // namespace
}  // namespace sb::adapters

// StreamHub: fans the frames a shard has just committed out to the stream
// connections of their tenant.
//
// publish() runs on shard threads, after the group commit that made the
// frames durable; subscribe()/unsubscribe() on I/O threads. Subscriber lists
// are immutable snapshots swapped with compare-and-swap, so publishing takes
// no lock and never waits for a connection: delivering is posting to the
// connection's I/O thread. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::adapters {

// One event-log entry as streamed, with the operators it concerns.
struct Frame {
  std::uint64_t seq = 0;
  std::string json;
  std::vector<std::string> audience;
  std::string contact;  // the contact whose timeline holds it ("ct-N"), "" if none
  bool visible_to(std::string_view operator_id) const;  // "" (admin) sees everything
};

// The operators a frame concerns: its "operator", "from_operator",
// "to_operator", "mentions", and its conversation's owner and offer holder.
std::vector<std::string> audience_of(std::string_view frame_json);

class StreamSubscriber {
 public:
  virtual ~StreamSubscriber() = default;
  // Any thread; must not block.
  virtual void deliver(const std::shared_ptr<const Frame>& frame) = 0;
  // Who this connection belongs to: an operator id, "" for an admin, or
  // "visitor <channel>/<visitor id>" for a website chat visitor (names
  // cannot hold a space, so these never collide). count() goes by it.
  virtual const std::string& operator_id() const = 0;
  // Ends the connection with a reason (the client resumes with since=).
  virtual void close(const std::string& reason) = 0;
};

class StreamHub {
 public:
  StreamHub();
  void publish(const std::string& tenant, const std::vector<std::shared_ptr<const Frame>>& frames);
  // The same for frames fresh from a group commit, whose audience is not
  // worked out yet: it is filled in (audience_of parses each frame) only if
  // the tenant has a stream connected at this moment. One that connects
  // later replays these frames from storage, where the audience is worked
  // out again.
  void publish_fresh(const std::string& tenant, std::vector<std::shared_ptr<Frame>> frames);
  void subscribe(const std::string& tenant, const std::shared_ptr<StreamSubscriber>& s);
  void unsubscribe(const std::string& tenant, const StreamSubscriber* s);
  // The last seq published (or seeded at start-up) for the tenant.
  std::uint64_t last_seq(const std::string& tenant) const;
  void seed_last_seq(const std::string& tenant, std::uint64_t seq);
  std::size_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // Closes every stream connection with `reason` (graceful shutdown).
  void close_all(const std::string& reason);
  // Open connections of one owner, see operator_id() (O(connections of the tenant)).
  std::size_t count(const std::string& tenant, const std::string& operator_id) const;

 private:
  struct Topic {
    std::atomic<std::uint64_t> last_seq{0};
    std::atomic<std::shared_ptr<const std::vector<std::shared_ptr<StreamSubscriber>>>> subscribers;
  };
  using TopicMap = std::unordered_map<std::string, std::shared_ptr<Topic>>;
  using Subscribers = std::vector<std::shared_ptr<StreamSubscriber>>;
  std::shared_ptr<Topic> topic(const std::string& tenant);  // created on first use
  // Moves the tenant's last seq on, then takes its subscribers as they are
  // now (in that order: one that subscribes later replays up to `seq`).
  std::shared_ptr<const Subscribers> advance(const std::string& tenant, std::uint64_t seq);
  static void deliver_all(const Subscribers& subs,
                          const std::vector<std::shared_ptr<const Frame>>& frames);
  std::shared_ptr<Topic> find(const std::string& tenant) const;

  std::atomic<std::shared_ptr<const TopicMap>> topics_;
  std::atomic<std::size_t> connections_{0};
};

}  // namespace sb::adapters

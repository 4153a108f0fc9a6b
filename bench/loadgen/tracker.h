// Tracker: the customers' side of the conversation life cycle, shared by all
// threads, and the matching of offers to the webhooks that caused them.
//
// A customer is idle (no open conversation), opening (its first message is in
// flight) or open. An idle customer's message opens (or reopens) a
// conversation and is the one whose offer we time; an open customer's
// messages are follow-ups that route nothing. The loadgen's operators resolve
// conversations, which makes their customers idle again. Conversation ids
// come from the webhook's 2xx, and the offered frame can arrive before that
// 2xx, so either side may come first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/loadgen/http_conn.h"
#include "bench/loadgen/stats.h"

namespace sb::loadgen {

class Tracker {
 public:
  explicit Tracker(std::int64_t customers);

  struct Pick {
    std::int64_t customer = 0;
    bool opening = false;  // this message should open a conversation (and get an offer)
    std::int64_t message_no = 0;
  };
  Pick pick(std::mt19937_64& rng);

  // The 2xx of a picked message: `base` is where its latency is measured from.
  void on_stored(const Pick& p, std::size_t tenant, std::string_view conversation,
                 Clock::time_point base, Clock::time_point acked, Recorder& rec);
  // No 2xx (or a duplicate): an opening customer is idle again.
  void on_failed(const Pick& p);
  // A conversation.offered frame for one of our operators.
  void on_offer(std::size_t tenant, std::string_view conversation, Clock::time_point arrived,
                Recorder& rec);
  void on_resolved(std::size_t tenant, std::string_view conversation);

  // Forgets offers that no webhook claimed within `horizon` (conversations of
  // earlier runs, or a re-offer after a missed one).
  void prune(Clock::time_point now, std::chrono::seconds horizon);
  // Conversations opened by a webhook whose offer has not arrived (yet).
  std::size_t awaiting_offer() const;

  // Conversations our operators hold (offered to them and not yet resolved
  // or dropped): against their total capacity, it tells whether offers had
  // to wait for a free slot.
  void hold(int delta) { held_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t held() const { return held_.load(std::memory_order_relaxed); }

 private:
  enum class State : std::uint8_t { kIdle, kOpening, kOpen };
  struct Customer {
    State state = State::kIdle;
    std::int64_t messages = 0;
  };
  struct Trigger {
    Clock::time_point base, acked;
  };
  static std::string key(std::size_t tenant, std::string_view conversation);

  std::atomic<std::int64_t> held_{0};
  mutable std::mutex mu_;
  std::vector<Customer> customers_;
  std::unordered_map<std::string, std::int64_t> customer_of_;
  std::unordered_map<std::string, Trigger> awaiting_offer_;
  std::unordered_map<std::string, Clock::time_point> early_offers_;
};

}  // namespace sb::loadgen

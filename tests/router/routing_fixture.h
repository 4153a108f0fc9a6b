// Shared fixture of the routing unit tests: a Dispatcher driven by a manual
// clock, with helpers that check every invariant after every input.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "router/routing/dispatcher.h"

namespace sb::router::routing::testing {

template <class T>
std::vector<T> all_of(const Output& out) {
  std::vector<T> r;
  for (const auto& d : out.decisions) {
    if (const T* t = std::get_if<T>(&d)) r.push_back(*t);
  }
  return r;
}

inline std::string trace(const Output& out) {
  std::string s;
  for (const auto& d : out.decisions) s += "  " + describe(d) + "\n";
  return s;
}

inline QueueConfig make_queue(std::string name, std::vector<std::string> skills = {},
                              int priority = 0, Strategy strategy = Strategy::kLeastLoaded) {
  QueueConfig q;
  q.name = std::move(name);
  q.skills = std::move(skills);
  q.priority = priority;
  q.strategy = strategy;
  return q;
}

class RoutingTest : public ::testing::Test {
 protected:
  static constexpr TimeMs kStart = 1'000'000;

  // Options may be changed before the first use of d().
  DispatcherOptions opts;
  Output out;  // decisions of the last input
  TimeMs now = kStart;

  Dispatcher& d() {
    if (!d_) d_ = std::make_unique<Dispatcher>(opts);
    return *d_;
  }

  void check() {
    const Status st = d().check_invariants();
    ASSERT_TRUE(st.is_ok()) << st.to_string() << "\nlast decisions:\n" << trace(out);
  }

  Status put_queue(const QueueConfig& q) { return step(d().put_queue(q, now, fresh())); }

  // An operator serving `queues`, online unless told otherwise.
  Status put_op(const std::string& id, std::vector<std::string> queues, std::uint32_t chat = 1,
                std::uint32_t email = 1, std::vector<std::string> skills = {}, bool online = true) {
    OperatorConfig o;
    o.id = id;
    o.name = id;
    o.queues = std::move(queues);
    o.skills = std::move(skills);
    o.capacity = {chat, email};
    Status st = step(d().put_operator(o, now, fresh()));
    if (st.is_ok() && online) st = status(id, OperatorStatus::kOnline);
    return st;
  }
  Status status(const std::string& id, OperatorStatus s) {
    return step(d().set_operator_status(id, s, now, fresh()));
  }
  Status arrive(const std::string& conv, ChannelKind kind = ChannelKind::kChat,
                const std::string& queue = "") {
    Arrival a;
    a.conversation = conv;
    a.contact = "ct-" + conv;
    a.channel = "tg";
    a.kind = kind;
    a.channel_queue = queue;
    return arrive(a);
  }
  Status arrive(const Arrival& a) { return step(d().conversation_arrived(a, now, fresh())); }
  Status accept(const std::string& conv, const std::string& op) {
    return step(d().accept(conv, op, now, fresh()));
  }
  Status decline(const std::string& conv, const std::string& op) {
    return step(d().decline(conv, op, now, fresh()));
  }
  Status resolve(const std::string& conv, const std::string& actor) {
    return step(d().resolve(conv, actor, now, fresh()));
  }
  void advance_to(TimeMs t) {
    now = t;
    d().advance(now, fresh());
    check();
  }
  void advance_by(TimeMs ms) { advance_to(now + ms); }

  // Where a conversation is: "offered:a", "assigned:a", "queued:q", "gone".
  std::string where(const std::string& conv) {
    auto r = d().conversation(conv);
    if (!r) return "gone";
    switch (r->status) {
      case proto::ConversationStatus::kOffered:
        return "offered:" + r->offered_to;
      case proto::ConversationStatus::kAssigned:
        return "assigned:" + r->owner;
      case proto::ConversationStatus::kQueued:
        return "queued:" + r->queue;
      case proto::ConversationStatus::kResolved:
        return "resolved";
    }
    return "?";
  }

  // Arrives and, if offered, accepts: returns the owner ("" if it waits).
  std::string arrive_and_accept(const std::string& conv, ChannelKind kind = ChannelKind::kChat,
                                const std::string& queue = "") {
    EXPECT_TRUE(arrive(conv, kind, queue).is_ok());
    auto r = d().conversation(conv);
    if (!r || r->status != proto::ConversationStatus::kOffered) return r ? r->owner : "";
    const std::string op = r->offered_to;
    EXPECT_TRUE(accept(conv, op).is_ok());
    return op;
  }

 private:
  Output& fresh() {
    out.clear();
    return out;
  }
  Status step(Status st) {
    check();
    return st;
  }
  std::unique_ptr<Dispatcher> d_;
};

}  // namespace sb::router::routing::testing

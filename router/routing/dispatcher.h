// Dispatcher: the routing state machine of one tenant.
//
//   (state, input, now) -> (state', decisions)
//
// It picks the queue of a new conversation, offers it to one operator at a
// time (or assigns it when the queue auto-accepts), keeps those that nobody
// can take waiting in order of queue priority then age, and hands waiting
// work to capacity the moment it frees up. The rules are in docs/routing.md.
//
// Pure: no sockets, disk, clock, threads or exceptions. Time is passed in
// (`now`, ms); every input first fires the timers due at `now`, so the state
// is always as of `now`. A `now` older than one already seen is treated as
// that one. Between inputs the caller calls advance() at next_deadline().
//
// Every input appends its decisions and the records that changed to `out`
// (records.h); the caller persists them together with the input. A refused
// input returns a non-ok Status and changes nothing (timers that were due may
// still have fired into `out`).
//
// Thread-safety: none. A Dispatcher is owned by one thread (the shard that
// owns its tenant); inputs from other threads reach it through that shard.
// Cost: each input is O(log n) in the operators of the queues involved and
// the conversations waiting there; nothing scans all operators.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "proto/status.h"
#include "router/routing/records.h"

namespace sb::router::routing {

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // ---- configuration
  // Creates or replaces a queue. Operators that list it and now qualify take
  // its waiting conversations at once. InvalidArgument for a bad config.
  Status put_queue(const QueueConfig& queue, TimeMs now, Output& out);
  // Creates (offline) or replaces an operator; keeps its status and load.
  // Raised capacity, new queues or skills pull waiting work at once. Lowered
  // capacity withdraws the newest pending offers above it; Conflict if the
  // already assigned conversations exceed it (resolve or transfer first).
  Status put_operator(const OperatorConfig& op, TimeMs now, Output& out);
  // Online: takes waiting work at once. Away/offline: offered nothing more,
  // pending offers re-routed at once; assigned conversations stay (offline:
  // re-routed after DispatcherOptions::offline_grace_ms if set).
  Status set_operator_status(std::string_view op, OperatorStatus status, TimeMs now, Output& out);

  // ---- conversations. `actor` is an operator id, or "" for an admin.
  // Picks the queue (selection rules, else a.channel_queue, else the default
  // queue) and routes. Conflict if the conversation is already open here.
  Status conversation_arrived(const Arrival& a, TimeMs now, Output& out);
  // Conflict unless the conversation's pending offer is to `op` and has not
  // expired (an offer is valid while now < expires_at).
  Status accept(std::string_view conv, std::string_view op, TimeMs now, Output& out);
  // Same precondition; the conversation goes to the next candidate and `op`
  // is not offered it again within the cool-down.
  Status decline(std::string_view conv, std::string_view op, TimeMs now, Output& out);
  // Closes the conversation, freeing its slot (or offer). An operator may
  // resolve only what it owns (Conflict otherwise); an admin anything.
  Status resolve(std::string_view conv, std::string_view actor, TimeMs now, Output& out);
  // Offers the conversation to `to` (assigns it if the queue auto-accepts).
  // `to` must be online with a free slot of the conversation's kind and not
  // in its cool-down; queue membership and skills are not required (a human
  // chose). The previous holder is released at once; the previous owner is
  // put in cool-down, so if `to` declines it is re-routed in its queue to
  // somebody else. An operator may transfer only what it owns.
  Status transfer_to_operator(std::string_view conv, std::string_view actor, std::string_view to,
                              TimeMs now, Output& out);
  // Moves the conversation to `queue` (may be its own) and routes it there as
  // if it had just arrived, the previous owner in cool-down.
  Status transfer_to_queue(std::string_view conv, std::string_view actor, std::string_view queue,
                           TimeMs now, Output& out);

  // ---- time
  // Fires every timer due at `now`: offer expiries, overflows, cool-down
  // ends of waiting conversations, offline graces.
  void advance(TimeMs now, Output& out);
  // The earliest pending deadline; nullopt when nothing is pending.
  std::optional<TimeMs> next_deadline() const;

  // ---- reads
  std::optional<ConversationRecord> conversation(std::string_view id) const;
  std::optional<OperatorRuntime> operator_runtime(std::string_view id) const;
  // Assigned conversations plus pending offers of that kind; 0 if unknown.
  std::uint32_t load(std::string_view op, ChannelKind kind) const;
  const QueueConfig* queue(std::string_view name) const;
  std::size_t waiting(std::string_view queue) const;
  std::size_t open_conversations() const;
  std::size_t operator_count() const;
  const DispatcherOptions& options() const;

  // Verifies every invariant (docs/routing.md) against the raw state,
  // ignoring the indexes, and the indexes against it. Ok, or the first
  // violation. O(conversations x operators): for tests and debugging.
  Status check_invariants() const;

  // ---- persistence
  Snapshot snapshot() const;
  // The operators' configurations, in creation order (no conversations copied).
  std::vector<OperatorConfig> operators() const;
  // Recovery, on a fresh Dispatcher and before any input: feed every stored
  // record in any order, then finish_restore() once. It rebuilds the indexes
  // and re-arms the timers (an offer whose deadline passed meanwhile expires
  // at the first advance(), without counting as missed), repairs dangling
  // references (re-routing their conversations), and routes waiting work a
  // changed configuration now allows; all of it reported in `out`.
  void restore(const QueueConfig& queue);
  void restore(const OperatorConfig& op);
  void restore(const OperatorRuntime& runtime);
  void restore(const ConversationRecord& conv);
  void restore(const Snapshot& snapshot);
  Status finish_restore(TimeMs now, Output& out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::router::routing

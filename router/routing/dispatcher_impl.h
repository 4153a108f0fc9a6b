// Internal: the state behind Dispatcher and the primitives its inputs are
// made of. Not part of the public API; included only by router/routing/*.cc.
//
// Ids are interned at the boundary: operators and queues get dense handles
// (never reused), conversations get slots in a vector (reused after resolve).
// Hot paths touch only handles, small vectors and the heaps.
#pragma once

#include <array>
#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "router/routing/dispatcher.h"
#include "router/routing/id_index.h"
#include "router/routing/indexed_heap.h"
#include "router/routing/timer_queue.h"

namespace sb::router::routing {

using Handle = std::uint32_t;
inline constexpr Handle kNoHandle = UINT32_MAX;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <class V>
using NameMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Order of an operator in a queue's candidate heap: smallest is picked.
struct CandidateKey {
  std::uint64_t primary = 0;  // load ratio (least_loaded), round-robin ticket, 0 (longest_idle)
  TimeMs idle_since = 0;      // ties go to the longest idle
  std::uint64_t seq = 0;      // then to the oldest operator: deterministic across restarts
  auto operator<=>(const CandidateKey&) const = default;
};
struct CandidateEntry {
  CandidateKey key;
  Handle op = kNoHandle;
  std::uint32_t member = 0;  // Member::id: where its position is kept
};

// Order of a waiting conversation: oldest first.
struct WaitKey {
  TimeMs queued_at = 0;
  std::uint64_t order = 0;
  auto operator<=>(const WaitKey&) const = default;
};
struct WaitEntry {
  WaitKey key;
  Handle conv = kNoHandle;
};

// An operator's membership in one existing queue it lists. Its positions in
// the queue's candidate heaps live in Impl::member_pos_[id]: one compact
// array, so that a heap re-key writes back into a few cache lines rather
// than into every moved operator's own allocation.
struct Member {
  Handle queue = kNoHandle;
  bool eligible = false;  // holds all the queue's skills
  std::uint64_t rr_ticket = 0;
  std::uint32_t id = kNpos;
};
using MemberPos = std::array<std::uint32_t, kChannelKinds>;

struct Operator {
  OperatorConfig config;
  std::vector<std::uint32_t> skills;  // interned, sorted
  std::vector<Member> members;
  OperatorStatus status = OperatorStatus::kOffline;
  std::uint32_t load[kChannelKinds] = {0, 0};  // owned + offered
  TimeMs last_assigned_at = 0;
  std::uint32_t missed_in_row = 0;
  TimeMs offline_since = 0;
  std::uint64_t seq = 0;
  std::uint64_t grace_token = 0;
  std::vector<Handle> offers;  // bounded by capacity
  std::vector<Handle> owned;
  std::uint64_t dirty_epoch = 0;
};

struct Queue {
  QueueConfig config;
  std::vector<std::uint32_t> skills;                      // interned, sorted
  std::vector<std::string> keywords;                      // lower-cased
  IndexedHeap<CandidateEntry> candidates[kChannelKinds];  // online, eligible, with a free slot
  IndexedHeap<WaitEntry> waiting[kChannelKinds];
  std::uint64_t rr_clock = 0;
};

struct CooldownEntry {
  Handle op = kNoHandle;
  TimeMs until = 0;
};

// One per open conversation: the small fields are packed together (136
// bytes rather than 152 with the padding of declaration order).
struct Conv {
  std::string id;
  Handle queue = kNoHandle;
  ChannelKind kind = ChannelKind::kChat;
  // kQueued with wait_pos == kNpos is the transient "being routed" state.
  proto::ConversationStatus status = proto::ConversationStatus::kQueued;
  bool in_use = false;
  bool offer_lapsed = false;  // its deadline passed while the daemon was down
  Handle owner = kNoHandle;
  Handle offered_to = kNoHandle;
  TimeMs offer_expires_at = 0;
  TimeMs queued_at = 0;
  std::uint64_t order = 0;
  std::vector<CooldownEntry> cooldowns;
  std::uint32_t wait_pos = kNpos;
  Pick pick = Pick::kStrategy;
  std::uint64_t offer_token = 0;
  std::uint64_t overflow_token = 0;
  std::uint64_t cooldown_token = 0;
  std::uint64_t dirty_epoch = 0;
};

// Id accessors for IdIndex (the slots own the ids).
struct ConvId {
  const std::vector<Conv>* convs;
  std::string_view operator()(std::uint32_t h) const { return (*convs)[h].id; }
};
struct OpId {
  const std::vector<Operator>* ops;
  std::string_view operator()(std::uint32_t h) const { return (*ops)[h].config.id; }
};

class Dispatcher::Impl {
 public:
  explicit Impl(DispatcherOptions options);

  // ---- call framing (dispatcher.cc): every public input runs between these.
  void begin(TimeMs now, Output& out);
  void end();
  void fire_due();
  template <class F>
  Status framed(TimeMs now, Output& out, F&& input) {
    begin(now, out);
    Status st = input();
    end();
    return st;
  }

  // ---- configuration (config.cc)
  Status put_queue(const QueueConfig& cfg);
  Status put_operator(const OperatorConfig& cfg);
  void set_status(Handle op, OperatorStatus s, StatusReason reason);
  Handle create_queue(const QueueConfig& cfg);
  void apply_queue_config(Handle q, const QueueConfig& cfg);
  void rebuild_members(Handle op, const std::vector<RoundRobinMark>* marks);
  std::vector<std::uint32_t> intern_skills(const std::vector<std::string>& names);
  void rebuild_selection_order();
  Handle select_queue(const Arrival& a) const;

  // ---- conversation inputs (conversations.cc)
  Status arrive(const Arrival& a);
  Status accept(std::string_view conv, std::string_view op);
  Status decline(std::string_view conv, std::string_view op);
  Status resolve(std::string_view conv, std::string_view actor);
  // Exactly one of to_op / to_queue is non-empty.
  Status transfer(std::string_view conv, std::string_view actor, std::string_view to_op,
                  std::string_view to_queue);
  Result<Handle> actor_check(const Conv& cv, std::string_view actor) const;

  // ---- routing primitives (routing.cc)
  void route(Handle c, Handle preferred, Pick preferred_pick);
  void give(Handle c, Handle op, Pick pick);
  void enqueue(Handle c);
  void dequeue(Handle c);
  void pull(Handle op);
  void drain(Handle q);
  Handle best_candidate(const Conv& cv);
  bool is_candidate(const Conv& cv, Handle op) const;
  bool cooled(const Conv& cv, Handle op) const;
  void add_cooldown(Conv& cv, Handle op);
  Handle take_offer_back(Handle c);
  Handle release_owner(Handle c);
  void revoke_offers(Handle op, RevokeReason reason);
  void release_all(Handle op);

  // ---- operator index (index.cc)
  bool indexable(const Operator& o, const Member& m, ChannelKind k) const;
  CandidateKey candidate_key(const Operator& o, const Member& m, ChannelKind k) const;
  std::uint32_t& pos(const Member& m, int kind) { return member_pos_[m.id][kind]; }
  std::uint32_t pos(const Member& m, int kind) const { return member_pos_[m.id][kind]; }
  void reindex(Handle op);
  void unindex(Handle op);
  void clear_candidates(Handle q);

  // ---- timers (timers.cc)
  std::uint64_t arm(TimerKind kind, std::uint64_t order, Handle target, TimeMs at);
  void disarm(std::uint64_t& token);
  void arm_overflow(Handle c);
  bool timer_live(const Timer& t) const;
  void on_timer(const Timer& t);
  void on_offer_expired(Handle c);
  void prune_timers();

  // ---- bookkeeping (dispatcher.cc)
  Handle alloc_conv();
  void erase_conv(Handle c);
  void touch_conv(Handle c);
  void touch_op(Handle op);
  ConversationRecord record_of(const Conv& cv) const;
  OperatorRuntime runtime_of(const Operator& o) const;
  Handle find_op(std::string_view id) const;
  Handle find_conv(std::string_view id) const;
  Handle find_queue(std::string_view name) const;
  void emit(Decision d) { out_->decisions.push_back(std::move(d)); }
  const std::string& op_id(Handle op) const {
    static const std::string kEmpty;
    return op == kNoHandle ? kEmpty : ops_[op].config.id;
  }

  // ---- restore and checks (restore.cc, invariants.cc)
  Status finish_restore();
  Status check_invariants() const;

  DispatcherOptions opt_;
  TimeMs now_ = 0;
  Output* out_ = nullptr;
  std::uint64_t epoch_ = 0;
  std::vector<std::pair<Handle, std::uint64_t>> dirty_convs_;  // (slot, order)
  std::vector<Handle> dirty_ops_;

  std::vector<Operator> ops_;
  IdIndex op_by_id_;
  std::vector<Queue> queues_;
  NameMap<Handle> queue_by_name_;
  Handle default_queue_ = kNoHandle;
  std::vector<Handle> selection_order_;  // queues with rules, by priority desc, name
  std::vector<Conv> convs_;
  std::vector<Handle> free_convs_;
  IdIndex conv_by_id_;
  NameMap<std::uint32_t> skill_ids_;
  std::vector<MemberPos> member_pos_;  // by Member::id
  std::vector<std::uint32_t> free_member_ids_;

  TimerQueue timers_;
  std::size_t live_timers_ = 0;
  std::uint64_t next_token_ = 1;
  std::uint64_t next_order_ = 1;
  std::uint64_t next_op_seq_ = 1;
  std::vector<std::uint32_t> scratch_;

  // Restore staging: records arrive in any order and are applied at once.
  std::vector<QueueConfig> staged_queues_;
  std::vector<OperatorConfig> staged_ops_;
  std::vector<OperatorRuntime> staged_runtimes_;
  std::vector<ConversationRecord> staged_convs_;
};

}  // namespace sb::router::routing

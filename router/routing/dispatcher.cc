// Dispatcher: the public face (every input framed by begin/end) and the
// bookkeeping shared by the other files: slots, lookups, change records.
#include "router/routing/dispatcher.h"

#include <algorithm>

#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

Dispatcher::Impl::Impl(DispatcherOptions options) : opt_(std::move(options)) {
  QueueConfig def;
  def.name = opt_.default_queue;
  default_queue_ = create_queue(def);
}

void Dispatcher::Impl::begin(TimeMs now, Output& out) {
  out_ = &out;
  ++epoch_;
  now_ = std::max(now_, now);
  fire_due();
}

void Dispatcher::Impl::end() {
  for (const auto& [slot, order] : dirty_convs_) {
    const Conv& cv = convs_[slot];
    if (cv.in_use && cv.order == order) out_->conversations.push_back(record_of(cv));
  }
  for (Handle op : dirty_ops_) out_->operators.push_back(runtime_of(ops_[op]));
  dirty_convs_.clear();
  dirty_ops_.clear();
  prune_timers();
  out_ = nullptr;
}

Handle Dispatcher::Impl::alloc_conv() {
  if (!free_convs_.empty()) {
    Handle h = free_convs_.back();
    free_convs_.pop_back();
    return h;
  }
  convs_.emplace_back();
  return static_cast<Handle>(convs_.size() - 1);
}

void Dispatcher::Impl::erase_conv(Handle c) {
  Conv& cv = convs_[c];
  ConversationRecord rec = record_of(cv);
  rec.status = proto::ConversationStatus::kResolved;
  out_->conversations.push_back(std::move(rec));
  disarm(cv.offer_token);
  disarm(cv.overflow_token);
  disarm(cv.cooldown_token);
  conv_by_id_.erase(cv.id, ConvId{&convs_});
  cv = Conv{};  // releases the id and cool-downs; in_use = false
  free_convs_.push_back(c);
}

void Dispatcher::Impl::touch_conv(Handle c) {
  Conv& cv = convs_[c];
  if (cv.dirty_epoch == epoch_) return;
  cv.dirty_epoch = epoch_;
  dirty_convs_.emplace_back(c, cv.order);
}

void Dispatcher::Impl::touch_op(Handle op) {
  Operator& o = ops_[op];
  if (o.dirty_epoch == epoch_) return;
  o.dirty_epoch = epoch_;
  dirty_ops_.push_back(op);
}

ConversationRecord Dispatcher::Impl::record_of(const Conv& cv) const {
  ConversationRecord r;
  r.id = cv.id;
  r.queue = queues_[cv.queue].config.name;
  r.kind = cv.kind;
  r.status = cv.status;
  r.owner = op_id(cv.owner);
  r.offered_to = op_id(cv.offered_to);
  r.offer_expires_at = cv.offered_to == kNoHandle ? 0 : cv.offer_expires_at;
  r.pick = cv.pick;
  r.queued_at = cv.queued_at;
  r.order = cv.order;
  for (const auto& cd : cv.cooldowns) {
    if (cd.until > now_) r.cooldowns.push_back({ops_[cd.op].config.id, cd.until});
  }
  std::sort(r.cooldowns.begin(), r.cooldowns.end(),
            [](const Cooldown& a, const Cooldown& b) { return a.operator_id < b.operator_id; });
  return r;
}

OperatorRuntime Dispatcher::Impl::runtime_of(const Operator& o) const {
  OperatorRuntime r;
  r.id = o.config.id;
  r.status = o.status;
  r.last_assigned_at = o.last_assigned_at;
  r.missed_in_row = o.missed_in_row;
  r.offline_since = o.offline_since;
  r.seq = o.seq;
  for (const Member& m : o.members) {
    if (m.rr_ticket != 0) r.round_robin.push_back({queues_[m.queue].config.name, m.rr_ticket});
  }
  std::sort(r.round_robin.begin(), r.round_robin.end(),
            [](const RoundRobinMark& a, const RoundRobinMark& b) { return a.queue < b.queue; });
  return r;
}

Handle Dispatcher::Impl::find_op(std::string_view id) const {
  return op_by_id_.find(id, OpId{&ops_});
}
Handle Dispatcher::Impl::find_conv(std::string_view id) const {
  return conv_by_id_.find(id, ConvId{&convs_});
}
Handle Dispatcher::Impl::find_queue(std::string_view name) const {
  auto it = queue_by_name_.find(name);
  return it == queue_by_name_.end() ? kNoHandle : it->second;
}

// ---- public API: each input is framed so that due timers fire first and
// changed records are collected last.

Dispatcher::Dispatcher(DispatcherOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Dispatcher::~Dispatcher() = default;

Status Dispatcher::put_queue(const QueueConfig& q, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->put_queue(q); });
}
Status Dispatcher::put_operator(const OperatorConfig& op, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->put_operator(op); });
}
Status Dispatcher::set_operator_status(std::string_view op, OperatorStatus status, TimeMs now,
                                       Output& out) {
  return impl_->framed(now, out, [&] {
    Handle h = impl_->find_op(op);
    if (h == kNoHandle) return Status::not_found("unknown operator");
    if (static_cast<int>(status) > static_cast<int>(OperatorStatus::kOnline)) {
      return Status::invalid("unknown status");
    }
    impl_->set_status(h, status, StatusReason::kRequested);
    return Status::ok();
  });
}
Status Dispatcher::conversation_arrived(const Arrival& a, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->arrive(a); });
}
Status Dispatcher::accept(std::string_view conv, std::string_view op, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->accept(conv, op); });
}
Status Dispatcher::decline(std::string_view conv, std::string_view op, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->decline(conv, op); });
}
Status Dispatcher::resolve(std::string_view conv, std::string_view actor, TimeMs now, Output& out) {
  return impl_->framed(now, out, [&] { return impl_->resolve(conv, actor); });
}
Status Dispatcher::transfer_to_operator(std::string_view conv, std::string_view actor,
                                        std::string_view to, TimeMs now, Output& out) {
  if (to.empty()) return Status::invalid("transfer needs an operator");
  return impl_->framed(now, out, [&] { return impl_->transfer(conv, actor, to, {}); });
}
Status Dispatcher::transfer_to_queue(std::string_view conv, std::string_view actor,
                                     std::string_view queue, TimeMs now, Output& out) {
  if (queue.empty()) return Status::invalid("transfer needs a queue");
  return impl_->framed(now, out, [&] { return impl_->transfer(conv, actor, {}, queue); });
}
void Dispatcher::advance(TimeMs now, Output& out) {
  (void)impl_->framed(now, out, [] { return Status::ok(); });
}

std::optional<TimeMs> Dispatcher::next_deadline() const {
  if (impl_->timers_.empty()) return std::nullopt;
  return impl_->timers_.top().at;
}

std::optional<ConversationRecord> Dispatcher::conversation(std::string_view id) const {
  Handle c = impl_->find_conv(id);
  if (c == kNoHandle) return std::nullopt;
  return impl_->record_of(impl_->convs_[c]);
}
std::optional<OperatorRuntime> Dispatcher::operator_runtime(std::string_view id) const {
  Handle op = impl_->find_op(id);
  if (op == kNoHandle) return std::nullopt;
  return impl_->runtime_of(impl_->ops_[op]);
}
std::uint32_t Dispatcher::load(std::string_view op, ChannelKind kind) const {
  Handle h = impl_->find_op(op);
  return h == kNoHandle ? 0 : impl_->ops_[h].load[static_cast<int>(kind)];
}
const QueueConfig* Dispatcher::queue(std::string_view name) const {
  Handle q = impl_->find_queue(name);
  return q == kNoHandle ? nullptr : &impl_->queues_[q].config;
}
std::size_t Dispatcher::waiting(std::string_view name) const {
  Handle q = impl_->find_queue(name);
  if (q == kNoHandle) return 0;
  return impl_->queues_[q].waiting[0].size() + impl_->queues_[q].waiting[1].size();
}
std::size_t Dispatcher::open_conversations() const { return impl_->conv_by_id_.size(); }
std::size_t Dispatcher::operator_count() const { return impl_->ops_.size(); }
const DispatcherOptions& Dispatcher::options() const { return impl_->opt_; }
Status Dispatcher::check_invariants() const { return impl_->check_invariants(); }

}  // namespace sb::router::routing

// Conversation inputs: arrival, accept, decline, resolve, transfer. Each
// validates first and returns a refusal before changing anything.
#include "router/routing/dispatcher_impl.h"

namespace sb::router::routing {

namespace {
Status conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
}  // namespace

Status Dispatcher::Impl::arrive(const Arrival& a) {
  if (a.conversation.empty()) return Status::invalid("conversation id is empty");
  if (a.kind != ChannelKind::kChat && a.kind != ChannelKind::kEmail) {
    return Status::invalid("unknown channel kind");
  }
  if (find_conv(a.conversation) != kNoHandle) {
    return conflict("conversation " + a.conversation + " is already being routed");
  }
  const Handle c = alloc_conv();
  Conv& cv = convs_[c];
  cv.in_use = true;
  cv.id = a.conversation;
  cv.queue = select_queue(a);
  cv.kind = a.kind;
  cv.status = proto::ConversationStatus::kQueued;
  cv.queued_at = now_;
  cv.order = next_order_++;
  conv_by_id_.insert(cv.id, c);
  touch_conv(c);
  Handle sticky = kNoHandle;
  if (!a.last_operator.empty() && now_ - a.last_served_at <= opt_.sticky_window_ms) {
    sticky = find_op(a.last_operator);
  }
  route(c, sticky, Pick::kSticky);
  return Status::ok();
}

Status Dispatcher::Impl::accept(std::string_view conv, std::string_view op) {
  const Handle c = find_conv(conv);
  if (c == kNoHandle) return Status::not_found("unknown conversation");
  const Handle h = find_op(op);
  Conv& cv = convs_[c];
  // Expired offers were taken back by begin(): what is left is valid.
  if (h == kNoHandle || cv.status != proto::ConversationStatus::kOffered || cv.offered_to != h) {
    return conflict("no pending offer of " + std::string(conv) + " to " + std::string(op) +
                    " (expired, declined or never made)");
  }
  Operator& o = ops_[h];
  std::erase(o.offers, c);
  o.owned.push_back(c);
  disarm(cv.offer_token);
  cv.offered_to = kNoHandle;
  cv.owner = h;
  cv.status = proto::ConversationStatus::kAssigned;
  if (o.missed_in_row != 0) {
    o.missed_in_row = 0;
    touch_op(h);
  }
  touch_conv(c);
  emit(Assigned{cv.id, o.config.id, queues_[cv.queue].config.name, cv.kind, AssignVia::kAccept,
                cv.pick});
  return Status::ok();
}

Status Dispatcher::Impl::decline(std::string_view conv, std::string_view op) {
  const Handle c = find_conv(conv);
  if (c == kNoHandle) return Status::not_found("unknown conversation");
  const Handle h = find_op(op);
  const Conv& cv = convs_[c];
  if (h == kNoHandle || cv.status != proto::ConversationStatus::kOffered || cv.offered_to != h) {
    return conflict("no pending offer of " + std::string(conv) + " to " + std::string(op));
  }
  take_offer_back(c);
  add_cooldown(convs_[c], h);
  if (ops_[h].missed_in_row != 0) {
    ops_[h].missed_in_row = 0;  // it answered: not absent
    touch_op(h);
  }
  emit(OfferDeclined{convs_[c].id, ops_[h].config.id, now_ + opt_.cooldown_ms});
  route(c, kNoHandle, Pick::kStrategy);
  pull(h);
  return Status::ok();
}

Result<Handle> Dispatcher::Impl::actor_check(const Conv& cv, std::string_view actor) const {
  if (actor.empty()) return kNoHandle;  // an admin
  const Handle a = find_op(actor);
  if (a == kNoHandle) return Status::not_found("unknown operator");
  if (cv.owner != a) {
    return conflict(std::string(actor) + " does not own conversation " + cv.id);
  }
  return a;
}

Status Dispatcher::Impl::resolve(std::string_view conv, std::string_view actor) {
  const Handle c = find_conv(conv);
  if (c == kNoHandle) return Status::not_found("unknown conversation");
  if (auto r = actor_check(convs_[c], actor); !r.is_ok()) return r.status();
  Handle freed = kNoHandle;
  std::string owner;
  switch (convs_[c].status) {
    case proto::ConversationStatus::kAssigned:
      freed = release_owner(c);
      owner = ops_[freed].config.id;
      break;
    case proto::ConversationStatus::kOffered:
      freed = take_offer_back(c);
      emit(OfferRevoked{convs_[c].id, ops_[freed].config.id, RevokeReason::kResolved});
      break;
    case proto::ConversationStatus::kQueued:
      dequeue(c);
      break;
    case proto::ConversationStatus::kResolved:
      break;
  }
  emit(Resolved{convs_[c].id, std::move(owner), std::string(actor)});
  erase_conv(c);
  if (freed != kNoHandle) pull(freed);
  return Status::ok();
}

Status Dispatcher::Impl::transfer(std::string_view conv, std::string_view actor,
                                  std::string_view to_op, std::string_view to_queue) {
  const Handle c = find_conv(conv);
  if (c == kNoHandle) return Status::not_found("unknown conversation");
  if (auto r = actor_check(convs_[c], actor); !r.is_ok()) return r.status();
  Handle target = kNoHandle;
  Handle queue = convs_[c].queue;
  if (!to_op.empty()) {
    target = find_op(to_op);
    if (target == kNoHandle) return Status::not_found("unknown operator");
    const Conv& cv = convs_[c];
    const Operator& t = ops_[target];
    if (cv.owner == target || cv.offered_to == target) {
      return conflict(std::string(to_op) + " already has conversation " + cv.id);
    }
    if (t.status != OperatorStatus::kOnline) return conflict(std::string(to_op) + " is not online");
    if (t.load[static_cast<int>(cv.kind)] >= t.config.capacity.of(cv.kind)) {
      return conflict(std::string(to_op) + " has no free " + std::string(to_string(cv.kind)) +
                      " slot");
    }
    if (cooled(cv, target)) {
      return conflict(std::string(to_op) + " turned this conversation down recently");
    }
  } else {
    queue = find_queue(to_queue);
    if (queue == kNoHandle) return Status::not_found("unknown queue");
  }
  // Release whoever holds it now.
  Handle freed = kNoHandle;
  switch (convs_[c].status) {
    case proto::ConversationStatus::kAssigned:
      freed = release_owner(c);
      add_cooldown(convs_[c], freed);  // handed away: do not route it straight back
      break;
    case proto::ConversationStatus::kOffered:
      freed = take_offer_back(c);
      emit(OfferRevoked{convs_[c].id, ops_[freed].config.id, RevokeReason::kTransferred});
      break;
    case proto::ConversationStatus::kQueued:
      dequeue(c);
      break;
    case proto::ConversationStatus::kResolved:
      break;
  }
  Conv& cv = convs_[c];
  emit(Transferred{cv.id, op_id(freed), op_id(target), queues_[cv.queue].config.name,
                   queues_[queue].config.name, std::string(actor)});
  cv.queue = queue;
  cv.queued_at = now_;  // a new routing episode: its place in line starts now
  touch_conv(c);
  if (target != kNoHandle) {
    give(c, target, Pick::kTransfer);
  } else {
    route(c, kNoHandle, Pick::kStrategy);
  }
  if (freed != kNoHandle) pull(freed);
  return Status::ok();
}

}  // namespace sb::router::routing

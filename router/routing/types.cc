#include "router/routing/types.h"

#include "router/routing/decision.h"

namespace sb::router::routing {

std::string_view to_string(ChannelKind k) { return k == ChannelKind::kChat ? "chat" : "email"; }

std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::kLeastLoaded:
      return "least_loaded";
    case Strategy::kLongestIdle:
      return "longest_idle";
    case Strategy::kRoundRobin:
      return "round_robin";
  }
  return "?";
}

std::string_view to_string(OperatorStatus s) {
  switch (s) {
    case OperatorStatus::kOffline:
      return "offline";
    case OperatorStatus::kAway:
      return "away";
    case OperatorStatus::kOnline:
      return "online";
  }
  return "?";
}

Result<ChannelKind> parse_channel_kind(std::string_view s) {
  if (s == "chat") return ChannelKind::kChat;
  if (s == "email") return ChannelKind::kEmail;
  return Status::invalid("channel kind must be chat or email");
}

Result<Strategy> parse_strategy(std::string_view s) {
  if (s == "least_loaded") return Strategy::kLeastLoaded;
  if (s == "longest_idle") return Strategy::kLongestIdle;
  if (s == "round_robin") return Strategy::kRoundRobin;
  return Status::invalid("strategy must be least_loaded, longest_idle or round_robin");
}

Result<OperatorStatus> parse_operator_status(std::string_view s) {
  if (s == "online") return OperatorStatus::kOnline;
  if (s == "away") return OperatorStatus::kAway;
  if (s == "offline") return OperatorStatus::kOffline;
  return Status::invalid("status must be online, away or offline");
}

ChannelKind channel_kind_of_type(std::string_view channel_type) {
  return channel_type == "email" ? ChannelKind::kEmail : ChannelKind::kChat;
}

std::string_view to_string(Pick p) {
  switch (p) {
    case Pick::kStrategy:
      return "strategy";
    case Pick::kSticky:
      return "sticky";
    case Pick::kTransfer:
      return "transfer";
  }
  return "?";
}

std::string_view to_string(AssignVia v) { return v == AssignVia::kAccept ? "accept" : "auto"; }

std::string_view to_string(RevokeReason r) {
  switch (r) {
    case RevokeReason::kOperatorAway:
      return "operator_away";
    case RevokeReason::kOperatorOffline:
      return "operator_offline";
    case RevokeReason::kCapacityLowered:
      return "capacity_lowered";
    case RevokeReason::kResolved:
      return "resolved";
    case RevokeReason::kTransferred:
      return "transferred";
  }
  return "?";
}

std::string_view to_string(StatusReason r) {
  return r == StatusReason::kRequested ? "requested" : "missed_offers";
}

namespace {
struct FrameType {
  std::string_view operator()(const Queued&) const { return "conversation.queued"; }
  std::string_view operator()(const Offered&) const { return "conversation.offered"; }
  std::string_view operator()(const OfferExpired&) const { return "conversation.offer_expired"; }
  std::string_view operator()(const OfferDeclined&) const { return "conversation.offer_declined"; }
  std::string_view operator()(const OfferRevoked&) const { return "conversation.offer_revoked"; }
  std::string_view operator()(const Assigned&) const { return "conversation.assigned"; }
  std::string_view operator()(const Overflowed&) const { return "conversation.overflowed"; }
  std::string_view operator()(const Transferred&) const { return "conversation.transferred"; }
  std::string_view operator()(const Released&) const { return "conversation.released"; }
  std::string_view operator()(const Resolved&) const { return "conversation.resolved"; }
  std::string_view operator()(const OperatorStatusChanged&) const { return "operator.status"; }
};

struct Describe {
  std::string operator()(const Queued& d) const {
    return d.conversation + " queue=" + d.queue + " kind=" + std::string(to_string(d.kind)) +
           " since=" + std::to_string(d.queued_at);
  }
  std::string operator()(const Offered& d) const {
    return d.conversation + " to=" + d.operator_id + " queue=" + d.queue +
           " until=" + std::to_string(d.expires_at) + " pick=" + std::string(to_string(d.pick));
  }
  std::string operator()(const OfferExpired& d) const {
    return d.conversation + " op=" + d.operator_id;
  }
  std::string operator()(const OfferDeclined& d) const {
    return d.conversation + " op=" + d.operator_id;
  }
  std::string operator()(const OfferRevoked& d) const {
    return d.conversation + " op=" + d.operator_id + " reason=" + std::string(to_string(d.reason));
  }
  std::string operator()(const Assigned& d) const {
    return d.conversation + " to=" + d.operator_id + " via=" + std::string(to_string(d.via)) +
           " pick=" + std::string(to_string(d.pick));
  }
  std::string operator()(const Overflowed& d) const {
    return d.conversation + " " + d.from_queue + "->" + d.to_queue;
  }
  std::string operator()(const Transferred& d) const {
    return d.conversation + " from=" + d.from_operator + "@" + d.from_queue +
           " to=" + d.to_operator + "@" + d.to_queue + " by=" + d.by;
  }
  std::string operator()(const Released& d) const {
    return d.conversation + " op=" + d.operator_id;
  }
  std::string operator()(const Resolved& d) const {
    return d.conversation + " op=" + d.operator_id + " by=" + d.by;
  }
  std::string operator()(const OperatorStatusChanged& d) const {
    return d.operator_id + " " + std::string(to_string(d.status)) + " " +
           std::string(to_string(d.reason));
  }
};
}  // namespace

std::string_view frame_type(const Decision& d) { return std::visit(FrameType{}, d); }

std::string describe(const Decision& d) {
  return std::string(frame_type(d)) + " " + std::visit(Describe{}, d);
}

}  // namespace sb::router::routing

// Decisions: what the Dispatcher decided, one value per observable step.
//
// Each decision is a fact the daemon persists (in the same group commit as
// the input that caused it) and streams as one frame; it therefore carries
// every field such a frame needs, by value. Decisions of one input are
// appended in the order they happened. Plain value types.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "router/routing/types.h"

namespace sb::router::routing {

// Why an operator was picked.
enum class Pick : std::uint8_t {
  kStrategy = 0,  // the queue's strategy, or a waiting conversation pulled by freed capacity
  kSticky = 1,    // the contact's last operator, within the sticky window
  kTransfer = 2,  // named by a transfer
};

enum class AssignVia : std::uint8_t {
  kAccept = 0,  // the operator accepted the offer
  kAuto = 1,    // the queue auto-accepts (offer_timeout_ms == 0)
};

enum class RevokeReason : std::uint8_t {
  kOperatorAway = 0,
  kOperatorOffline = 1,
  kCapacityLowered = 2,
  kResolved = 3,
  kTransferred = 4,
};

enum class StatusReason : std::uint8_t {
  kRequested = 0,     // the operator or an admin set it
  kMissedOffers = 1,  // max_missed_offers offers in a row expired
};

// Waits in `queue`: no operator can take it now.
struct Queued {
  std::string conversation;
  std::string queue;
  ChannelKind kind = ChannelKind::kChat;
  TimeMs queued_at = 0;  // its place in line (older first)
};

// Offered to one operator until `expires_at` (exclusive); holds one slot.
struct Offered {
  std::string conversation;
  std::string operator_id;
  std::string queue;
  ChannelKind kind = ChannelKind::kChat;
  TimeMs expires_at = 0;
  Pick pick = Pick::kStrategy;
};

struct OfferExpired {
  std::string conversation;
  std::string operator_id;
  TimeMs cooldown_until = 0;  // not offered to this operator again before then
};

struct OfferDeclined {
  std::string conversation;
  std::string operator_id;
  TimeMs cooldown_until = 0;
};

// A pending offer withdrawn by the router (not by the operator).
struct OfferRevoked {
  std::string conversation;
  std::string operator_id;
  RevokeReason reason = RevokeReason::kOperatorOffline;
};

// `operator_id` owns the conversation now.
struct Assigned {
  std::string conversation;
  std::string operator_id;
  std::string queue;
  ChannelKind kind = ChannelKind::kChat;
  AssignVia via = AssignVia::kAccept;
  Pick pick = Pick::kStrategy;
};

struct Overflowed {
  std::string conversation;
  std::string from_queue;
  std::string to_queue;
};

// Followed by the Offered / Assigned / Queued decision of the new routing.
struct Transferred {
  std::string conversation;
  std::string from_operator;  // owner or offer holder before, "" if it was waiting
  std::string to_operator;    // "" for a transfer to a queue
  std::string from_queue;
  std::string to_queue;
  std::string by;  // the operator who asked, "" for an admin
};

// The owner lost the conversation: offline past DispatcherOptions::offline_grace_ms.
struct Released {
  std::string conversation;
  std::string operator_id;
};

struct Resolved {
  std::string conversation;
  std::string operator_id;  // the owner, "" if it had none
  std::string by;           // "" for an admin
};

struct OperatorStatusChanged {
  std::string operator_id;
  OperatorStatus status = OperatorStatus::kOffline;
  StatusReason reason = StatusReason::kRequested;
};

using Decision = std::variant<Queued, Offered, OfferExpired, OfferDeclined, OfferRevoked, Assigned,
                              Overflowed, Transferred, Released, Resolved, OperatorStatusChanged>;

// The stream frame type of a decision, e.g. "conversation.offered".
std::string_view frame_type(const Decision& d);
std::string_view to_string(Pick p);
std::string_view to_string(AssignVia v);
std::string_view to_string(RevokeReason r);
std::string_view to_string(StatusReason r);
// One line for logs and test failure messages.
std::string describe(const Decision& d);

}  // namespace sb::router::routing

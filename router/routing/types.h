// The configuration model of the routing core: queues, operators, the
// tenant-wide options, and the description of an arriving conversation.
//
// Plain value types: thread-compatible, copied freely. The Dispatcher
// (router/routing/dispatcher.h) validates them when they are put.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/model.h"
#include "proto/status.h"

namespace sb::router::routing {

using proto::TimeMs;

// Capacity is counted per kind of channel: a chat needs an answer in seconds,
// an email in hours, so operators take many more emails than chats at once.
enum class ChannelKind : std::uint8_t { kChat = 0, kEmail = 1 };
inline constexpr int kChannelKinds = 2;

enum class Strategy : std::uint8_t { kLeastLoaded = 0, kLongestIdle = 1, kRoundRobin = 2 };

enum class OperatorStatus : std::uint8_t { kOffline = 0, kAway = 1, kOnline = 2 };

struct Capacity {
  std::uint32_t chat = 0;
  std::uint32_t email = 0;
  std::uint32_t of(ChannelKind k) const { return k == ChannelKind::kChat ? chat : email; }
  bool operator==(const Capacity&) const = default;
};

// After `after_ms` of waiting in a queue, a conversation moves to `queue`.
struct Overflow {
  TimeMs after_ms = 0;  // > 0
  std::string queue;    // not the queue itself; may be defined later
  bool operator==(const Overflow&) const = default;
};

struct AttributeRule {
  std::string key;
  std::string value;  // exact match
  bool operator==(const AttributeRule&) const = default;
};

// Rules that pick this queue for a new conversation; any one matching is
// enough. A queue without rules is reached only by name (the channel's queue,
// the tenant's default queue, overflow, transfer).
struct SelectionRules {
  std::vector<std::string> channels;  // channel names, exact
  std::vector<std::string> keywords;  // case-insensitive (ASCII) substrings of the first message
  std::vector<AttributeRule> attributes;  // contact attribute key=value, e.g. vip=true
  bool empty() const { return channels.empty() && keywords.empty() && attributes.empty(); }
  bool operator==(const SelectionRules&) const = default;
};

struct QueueConfig {
  std::string name;
  std::vector<std::string> skills;  // an operator must hold all of them
  int priority = 0;                 // higher is served first
  Strategy strategy = Strategy::kLeastLoaded;
  TimeMs offer_timeout_ms = 30000;  // 0: auto-accept, the pick is assigned at once
  std::optional<Overflow> overflow;
  TimeMs first_response_sla_ms = 0;  // 0: none. Carried for the daemon's SLA timers.
  SelectionRules select;
  bool operator==(const QueueConfig&) const = default;
};

struct OperatorConfig {
  std::string id;
  std::string name;
  std::vector<std::string> skills;
  std::vector<std::string> queues;  // queues it serves; names not (yet) defined are kept
  Capacity capacity;
  bool operator==(const OperatorConfig&) const = default;
};

// Tenant-wide routing options.
struct DispatcherOptions {
  std::string default_queue = "default";         // created by the Dispatcher; may be re-put
  TimeMs sticky_window_ms = 24LL * 3600 * 1000;  // how recent "last served" must be
  TimeMs cooldown_ms = 60000;  // a declined or expired offer is not repeated to the same operator
  std::uint32_t max_missed_offers = 3;  // offers in a row let expire -> away; 0 disables
  // nullopt: an offline operator keeps its assigned conversations. Otherwise
  // they are re-routed once it has been offline that long (0: at once).
  std::optional<TimeMs> offline_grace_ms;
};

struct Attribute {
  std::string key;
  std::string value;
};

// A new conversation to route (or a resolved one reopening under the same id).
struct Arrival {
  std::string conversation;
  std::string contact;
  std::string channel;  // channel name, matched by SelectionRules::channels
  ChannelKind kind = ChannelKind::kChat;
  std::string text;                   // the first message
  std::vector<Attribute> attributes;  // the contact's attributes
  std::string channel_queue;          // the channel's configured queue, "" if none
  std::string last_operator;          // who last served this contact, "" if nobody
  TimeMs last_served_at = 0;
};

std::string_view to_string(ChannelKind k);
std::string_view to_string(Strategy s);
std::string_view to_string(OperatorStatus s);
Result<ChannelKind> parse_channel_kind(std::string_view s);
Result<Strategy> parse_strategy(std::string_view s);
Result<OperatorStatus> parse_operator_status(std::string_view s);
// The kind of a channel type of the contract: "email" is email, every
// messenger (telegram, viber, messenger, instagram, whatsapp, webchat, api) is chat.
ChannelKind channel_kind_of_type(std::string_view channel_type);

}  // namespace sb::router::routing

// TenantState's bridge to the routing core: routing decisions become updates
// of the conversations, frames of the event log and durable routing records,
// all in the caller's change list (hence in the same group commit).
#include <optional>
#include <unordered_set>

#include "proto/json_writer.h"
#include "proto/time.h"
#include "proto/views.h"
#include "router/routing_codec.h"
#include "router/tenant_state.h"

namespace sb::router {

using proto::Change;
using proto::TimeMs;

namespace {
void write_decision_fields(proto::JsonWriter& w, const routing::Decision& d) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, routing::Queued>) {
          w.field("queue", x.queue);
        } else if constexpr (std::is_same_v<T, routing::Offered>) {
          w.field("operator", x.operator_id).field("queue", x.queue);
          w.field("expires_at", proto::rfc3339_text(x.expires_at).view());
          w.field("pick", routing::to_string(x.pick));
        } else if constexpr (std::is_same_v<T, routing::OfferExpired> ||
                             std::is_same_v<T, routing::OfferDeclined>) {
          w.field("operator", x.operator_id);
          w.field("cooldown_until", proto::rfc3339_text(x.cooldown_until).view());
        } else if constexpr (std::is_same_v<T, routing::OfferRevoked>) {
          w.field("operator", x.operator_id).field("reason", routing::to_string(x.reason));
        } else if constexpr (std::is_same_v<T, routing::Assigned>) {
          w.field("operator", x.operator_id).field("queue", x.queue);
          w.field("via", routing::to_string(x.via)).field("pick", routing::to_string(x.pick));
        } else if constexpr (std::is_same_v<T, routing::Overflowed>) {
          w.field("from_queue", x.from_queue).field("to_queue", x.to_queue);
        } else if constexpr (std::is_same_v<T, routing::Transferred>) {
          w.field("from_operator", x.from_operator).field("to_operator", x.to_operator);
          w.field("from_queue", x.from_queue).field("to_queue", x.to_queue).field("by", x.by);
        } else if constexpr (std::is_same_v<T, routing::Released>) {
          w.field("operator", x.operator_id);
        } else if constexpr (std::is_same_v<T, routing::Resolved>) {
          w.field("operator", x.operator_id).field("by", x.by);
        } else if constexpr (std::is_same_v<T, routing::OperatorStatusChanged>) {
          w.field("operator", x.operator_id).field("status", routing::to_string(x.status));
          w.field("reason", routing::to_string(x.reason));
        }
      },
      d);
}

const std::string* conversation_of(const routing::Decision& d) {
  return std::visit(
      [](const auto& x) -> const std::string* {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, routing::OperatorStatusChanged>) {
          return nullptr;
        } else {
          return &x.conversation;
        }
      },
      d);
}
}  // namespace

void TenantState::apply_routing(TimeMs now, std::vector<Change>& out) {
  for (const auto& d : routed_.decisions) {
    std::optional<proto::Conversation> conv;
    if (const auto* id = conversation_of(d)) conv = conversations_.get(*id);
    if (conv) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, routing::Queued>) {
              conv->status = proto::ConversationStatus::kQueued;
              conv->queue = x.queue;
              conv->offered_to.clear();
              conv->offer_expires_at = 0;
            } else if constexpr (std::is_same_v<T, routing::Offered>) {
              conv->status = proto::ConversationStatus::kOffered;
              conv->queue = x.queue;
              conv->offered_to = x.operator_id;
              conv->offer_expires_at = x.expires_at;
            } else if constexpr (std::is_same_v<T, routing::OfferExpired> ||
                                 std::is_same_v<T, routing::OfferDeclined> ||
                                 std::is_same_v<T, routing::OfferRevoked>) {
              conv->offered_to.clear();
              conv->offer_expires_at = 0;
            } else if constexpr (std::is_same_v<T, routing::Assigned>) {
              conv->status = proto::ConversationStatus::kAssigned;
              conv->queue = x.queue;
              conv->operator_id = x.operator_id;
              conv->last_operator = x.operator_id;
              conv->offered_to.clear();
              conv->offer_expires_at = 0;
            } else if constexpr (std::is_same_v<T, routing::Overflowed>) {
              conv->queue = x.to_queue;
            } else if constexpr (std::is_same_v<T, routing::Transferred>) {
              conv->operator_id.clear();
              conv->queue = x.to_queue;
            } else if constexpr (std::is_same_v<T, routing::Released>) {
              conv->operator_id.clear();
            } else if constexpr (std::is_same_v<T, routing::Resolved>) {
              conv->status = proto::ConversationStatus::kResolved;
              conv->operator_id.clear();
              conv->offered_to.clear();
              conv->offer_expires_at = 0;
              conv->resolved_at = now;
            }
          },
          d);
      conv->updated_at = now;
      conversations_.put(*conv);
    }
    // One frame per decision, in order, in the tenant's event log.
    const auto seq = next_seq();
    proto::LogEntry entry;
    entry.seq = seq;
    proto::JsonWriter w(entry.json);
    w.begin_object().field("seq", seq).field("type", routing::frame_type(d));
    w.field("at", proto::rfc3339_text(now).view());
    write_decision_fields(w, d);
    if (conv) {
      w.key("conversation");
      proto::write_public(w, tenant_, *conv, contact_name(conv->contact_id));
    }
    w.end_object();
    out.emplace_back(std::move(entry));
    if (conv) out.emplace_back(proto::TimelineMark{conv->contact_id, seq});
  }
  // Final states once each: conversations touched, then routing records.
  std::unordered_set<std::string> written;
  for (const auto& d : routed_.decisions) {
    const auto* id = conversation_of(d);
    if (id == nullptr || !written.insert(*id).second) continue;
    if (auto conv = conversations_.get(*id)) out.emplace_back(std::move(*conv));
  }
  for (const auto& c : routed_.conversations) out.emplace_back(to_record(c));
  for (const auto& r : routed_.operators) out.emplace_back(to_record(r));
  routed_.clear();
}

void TenantState::route_arrival(proto::Conversation& conv, const proto::InboundEvent& e,
                                routing::ChannelKind kind, const std::string& channel_queue,
                                const std::string& last_operator, TimeMs last_served_at, TimeMs now,
                                std::vector<Change>& out) {
  routing::Arrival a;
  a.conversation = conv.id;
  a.contact = conv.contact_id;
  a.channel = e.channel;
  a.kind = kind;
  a.text = e.text;
  a.channel_queue = channel_queue;
  const auto* c = contacts_.find(conv.contact_id);
  if (c != nullptr && c->extras) {
    for (const auto& [k, v] : c->extras->custom) a.attributes.push_back({k, v});
    if (!c->extras->status.empty()) a.attributes.push_back({"status", c->extras->status});
  }
  a.last_operator = last_operator;
  a.last_served_at = last_served_at;
  (void)route(now, out, [&](routing::Dispatcher& d, routing::Output& o) {
    return d.conversation_arrived(a, now, o);
  });
}

void TenantState::advance(TimeMs now, std::vector<Change>& out) {
  (void)route(now, out, [&](routing::Dispatcher& d, routing::Output& o) {
    d.advance(now, o);
    return Status::ok();
  });
  fire_sla(now, out);
}

Change TenantState::operator_record(const routing::OperatorConfig& op) { return to_record(op); }
Change TenantState::queue_record(const routing::QueueConfig& q) { return to_record(q); }

Status TenantState::restore(const proto::RoutingRecord& r) {
  auto corrupt = [&](const Status& st) {
    return Status::corruption("routing record " + std::string(1, r.kind) + "/" + r.id + ": " +
                              st.message());
  };
  switch (r.kind) {
    case 'q': {
      auto q = decode_queue(r.json);
      if (!q) return corrupt(q.status());
      dispatcher_.restore(q.value());
      return Status::ok();
    }
    case 'o': {
      auto o = decode_operator(r.json);
      if (!o) return corrupt(o.status());
      dispatcher_.restore(o.value());
      return Status::ok();
    }
    case 'r': {
      auto rt = decode_runtime(r.json);
      if (!rt) return corrupt(rt.status());
      dispatcher_.restore(rt.value());
      return Status::ok();
    }
    case 'v': {
      auto c = decode_conversation_routing(r.json);
      if (!c) return corrupt(c.status());
      dispatcher_.restore(c.value());
      return Status::ok();
    }
    default:
      return Status::ok();  // e.g. operator tokens: the Directory's business
  }
}

}  // namespace sb::router

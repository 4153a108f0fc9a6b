// Commands: what I/O threads send to the shard that owns a tenant. Each
// carries a completion that the shard calls, on its own thread, only after the
// command's changes are durable (or failed). Completions must be cheap and
// must not block: they post the result back to the caller's executor.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "proto/model.h"
#include "proto/status.h"
#include "router/tenant_state.h"

namespace sb::router {

struct IngestReply {
  Status status;
  std::vector<IngestOutcome> outcomes;  // one per event, in order, when ok
};

// One webhook or API request: all its events commit together.
struct IngestCommand {
  std::string tenant;
  std::string queue;  // the channel's queue, resolved from the directory
  routing::ChannelKind kind = routing::ChannelKind::kChat;  // from the channel's type
  std::vector<proto::InboundEvent> events;
  std::function<void(IngestReply)> done;
  std::string auto_reply;  // the channel's acknowledgement of new conversations, "" = none
  // The delivery's single-use signature nonce (Mailgun's token), "" if the
  // platform has none: see TenantState::claim_nonce. Refused, the command
  // stores nothing and its reply carries kUnauthenticated. Set, the command
  // goes to the shard even with no events (an ignored mail's token is used up too).
  std::string nonce;
  // Where the nonce must be unique: "type:" + the channel type, since one
  // platform account (one signing key) may serve several of the tenant's
  // channels. Not a channel name, so its marks are apart from every channel's.
  std::string nonce_scope;
};

struct PutChannelCommand {
  std::string tenant;
  proto::ChannelConfig channel;
  std::function<void(Status)> done;
};

// Any other change of a tenant's state (queues, operators, status, accept,
// resolve, ...): `apply` runs on the shard thread against the tenant's state
// and appends the changes to persist; `done` runs after the batch holding
// them committed, with apply's status (or the commit's failure).
struct TenantCommand {
  std::string tenant;
  std::function<Status(TenantState&, proto::TimeMs now, std::vector<proto::Change>& out)> apply;
  std::function<void(Status)> done;
};

using Command = std::variant<IngestCommand, PutChannelCommand, TenantCommand>;

}  // namespace sb::router

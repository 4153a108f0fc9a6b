// Queues and operators declared in the config file ([[tenants.queues]],
// [[tenants.operators]]).
//
// They are validated at start-up by the same parsers as PUT /v1/queues and
// PUT /v1/operators (an invalid one stops the daemon with a message naming
// it). Once recovery is done, each one that storage does not have yet is
// created through its tenant's shard and persisted, with the operator's token
// (given as its SHA-256) registered; like channels declared in the file, a
// queue or operator that already exists keeps its stored version (changes
// made through the API win).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adapters/daemon/config.h"
#include "proto/status.h"
#include "router/directory.h"
#include "router/routing/types.h"
#include "router/shard_set.h"

namespace sb::daemon {

struct DeclaredRouting {
  std::string tenant;
  std::vector<router::routing::QueueConfig> queues;
  std::vector<std::pair<router::routing::OperatorConfig, std::string>>
      operators;  // with token_sha256
};

// Throws std::runtime_error naming the first invalid queue or operator.
std::vector<DeclaredRouting> validate_declared_routing(const Config& config);

// Creates what is missing; returns once it is durable (or the failure).
Status apply_declared_routing(const std::vector<DeclaredRouting>& declared,
                              router::ShardSet& shards, router::Directory& directory);

}  // namespace sb::daemon

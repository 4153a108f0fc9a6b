// The set-up phase, over the admin API with each tenant's admin key, before
// any load: a queue, a Telegram channel and an api channel with fresh secrets
// (replies pointed at the local PlatformSink), and O operators with fresh
// tokens. Re-running is safe: everything is a PUT, tokens are rotated.
// Blocking; failures come back as a message naming the step.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "bench/loadgen/operators.h"
#include "bench/loadgen/payloads.h"

namespace sb::loadgen {

struct TenantCredentials {
  std::string id;
  std::string admin_key;
};

struct SetupPlan {
  std::vector<TenantCredentials> tenants;
  std::string queue = "lg-support";
  int offer_timeout_s = 30;
  int operators_per_tenant = 20;
  int operator_capacity = 50;
  ChannelMix mix;  // a channel per kind it uses
  std::uint16_t sink_port = 0;
  std::chrono::milliseconds timeout{5000};
};

struct SetupOutcome {
  std::vector<TenantTarget> tenants;
  std::vector<OperatorAccount> operators;
  std::string error;  // "" on success
};

// Polls GET /readyz until 200; "" or why not.
std::string wait_until_ready(const boost::asio::ip::tcp::endpoint& server,
                             std::chrono::seconds limit);

SetupOutcome set_up(const boost::asio::ip::tcp::endpoint& server, const SetupPlan& plan);

}  // namespace sb::loadgen

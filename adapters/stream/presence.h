// Presence: an operator's stream connections decide whether it may stay
// online. When its last connection closes, it is set away after a grace
// period, so that a reconnecting device, or several devices at once, never
// make it flap; a new connection within the grace cancels that. Explicit
// PUT /v1/me/status still rules: connecting does not set anybody online.
//
// Thread-safe: connected()/disconnected() post to the presence thread, which
// owns the counts and the timers; the status change goes through the shard.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "router/shard_set.h"

namespace sb::adapters {

class Presence {
 public:
  Presence(router::ShardSet& shards, std::chrono::milliseconds grace);
  ~Presence();
  void connected(const std::string& tenant, const std::string& operator_id);
  void disconnected(const std::string& tenant, const std::string& operator_id);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::adapters

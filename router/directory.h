// Directory: the read-mostly configuration (tenants, their admin key hashes,
// their channels) published as immutable snapshots.
//
// Readers (I/O threads verifying webhooks, authenticating requests) take a
// snapshot with one atomic load and read it without locks for as long as they
// hold it. Writers (start-up, and a shard after it durably committed a config
// change) build a new snapshot and swap it in with compare-and-swap. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/model.h"

namespace sb::router {

struct TenantConfig {
  std::string id;
  std::vector<std::string> admin_key_hashes;  // hex SHA-256 of each key
  std::unordered_map<std::string, proto::ChannelConfig> channels;
};

struct OperatorIdentity {
  std::string tenant;
  std::string operator_id;
};

struct DirectorySnapshot {
  std::unordered_map<std::string, std::shared_ptr<const TenantConfig>> tenants;
  std::unordered_map<std::string, std::string> tenant_by_admin_hash;
  std::unordered_map<std::string, OperatorIdentity> operator_by_token_hash;

  const TenantConfig* tenant(const std::string& id) const;
  const proto::ChannelConfig* channel(const std::string& tenant, const std::string& name) const;
};

class Directory {
 public:
  Directory();

  std::shared_ptr<const DirectorySnapshot> snapshot() const {
    return current_.load(std::memory_order_acquire);
  }

  // Adds or replaces a tenant (start-up). Channels already known are kept.
  void put_tenant(const std::string& id, std::vector<std::string> admin_key_hashes);
  // Adds or replaces a channel of an existing tenant; ignored for an unknown tenant.
  void put_channel(const std::string& tenant, const proto::ChannelConfig& channel);
  // Operator tokens, by hex SHA-256. An empty `operator_id` revokes the hash.
  void put_operator_token(const std::string& tenant, const std::string& token_hash,
                          const std::string& operator_id);
  // Many of them as one snapshot (start-up): each put_operator_token() copies
  // the snapshot, so loading n tokens one by one would cost O(n^2).
  struct TokenGrant {
    std::string tenant;
    std::string token_hash;
    std::string operator_id;  // "" revokes
  };
  void put_operator_tokens(const std::vector<TokenGrant>& grants);

 private:
  template <class F>
  void update(F&& mutate);

  std::atomic<std::shared_ptr<const DirectorySnapshot>> current_;
};

}  // namespace sb::router

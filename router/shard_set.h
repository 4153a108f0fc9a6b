// ShardSet: the fixed set of shards and the rule that maps a tenant to the one
// shard owning it (hash of the tenant id). Runs start-up recovery: every stored
// record goes to its owning shard, channels to the Directory. Thread-safe
// after start(): submit() may be called from any thread.
#pragma once

#include <memory>
#include <vector>

#include "router/shard.h"

namespace sb::router {

class ShardSet {
 public:
  ShardSet(int count, storage::Db& db, Directory& directory, ShardOptions options);
  ~ShardSet();

  // Before start(). Blocks on disk.
  Status recover();
  // After recover(): whether storing the tables' sizes for the next start
  // (storage::TableSizes) worked. Not a reason to stop: the daemon logs it.
  const Status& sizing_hint_status() const { return sizing_hint_status_; }
  void start();
  // Drains every shard's queue, commits, joins. Idempotent.
  void stop();

  bool submit(const std::string& tenant, Command command);
  // After recover(): replies recovery found still waiting for delivery.
  std::vector<std::pair<std::string, proto::OutboxItem>> take_pending_outbox() {
    return std::move(pending_outbox_);
  }
  Shard& shard_for(const std::string& tenant);
  const std::vector<std::unique_ptr<Shard>>& shards() const { return shards_; }

 private:
  std::size_t index_for(const std::string& tenant) const;

  storage::Db& db_;
  Directory& directory_;
  ShardOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  Status sizing_hint_status_;
  std::vector<std::pair<std::string, proto::OutboxItem>> pending_outbox_;
};

}  // namespace sb::router

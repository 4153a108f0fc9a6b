// Outbox: delivers operators' replies to the customer's own channel.
//
// A reply is committed together with a pending OutboxItem (TenantState::reply),
// and only then handed to the outbox (from the shard's commit hook). Each
// attempt's outcome is committed back through the tenant's shard
// (TenantState::record_delivery): delivered and failed are final and become
// message.delivered / message.failed frames; a retry is committed as pending
// with its next attempt time, and the commit hook schedules it again. So a
// delivered reply is never sent again after a restart, and pending ones are
// resumed from RocksDB at start-up.
//
// At most once to chat platforms: before each attempt on a channel whose
// sends are not idempotent (Telegram: no idempotency key), the item is
// committed as "sending"; only then does the request leave. An item found
// "sending" at start-up crashed mid-attempt: its outcome is unknown, so it
// is reported failed ("outcome unknown") rather than sent a second time.
// Idempotent channels (api: Idempotency-Key = message id) are simply resent.
//
// Retries: exponential backoff from 1 s to 5 min, or the platform's
// retry_after (Telegram 429); at most `max_attempts`, then failed.
// Thread-safe: on_committed() runs on shard threads, attempts on the
// HttpClient's thread, timers on the outbox's own thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "adapters/outbound/http_client.h"
#include "proto/change.h"
#include "router/directory.h"
#include "router/shard_set.h"

namespace sb::adapters {

class ChannelAdapter;

struct OutboxOptions {
  std::uint32_t max_attempts = 12;
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{300000};
};

struct OutboxStats {
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::int64_t> in_flight{0};
};

class Outbox {
 public:
  Outbox(outbound::HttpClient& client, router::Directory& directory, router::ShardSet& shards,
         std::function<proto::TimeMs()> clock, OutboxOptions options = {});
  ~Outbox();

  // A committed outbox item: pending ones are (re)scheduled, others ignored.
  void on_committed(const std::string& tenant, const proto::OutboxItem& item);
  // Before the HTTP client is stopped: an attempt on a non-idempotent channel
  // that it aborts may still have reached the platform, so it is left
  // "sending" (reported "outcome unknown" at the next start), not retried.
  void begin_stop() { stopping_.store(true, std::memory_order_release); }
  // An item recovered at start-up (pending or sending).
  void resume(const std::string& tenant, proto::OutboxItem item);
  void stop();
  const OutboxStats& stats() const { return stats_; }

 private:
  struct Impl;
  void attempt(const std::string& tenant, proto::OutboxItem item);
  void send(const std::string& tenant, proto::OutboxItem item, const ChannelAdapter* adapter,
            outbound::OutboundRequest request);
  void retry_later(const std::string& tenant, proto::OutboxItem item);
  bool record(const std::string& tenant, const proto::OutboxItem& item,
              std::function<void(Status)> done);
  void finish(const std::string& tenant, proto::OutboxItem item);
  void record_later(const std::string& tenant, proto::OutboxItem item);
  void count(const proto::OutboxItem& item);

  outbound::HttpClient& client_;
  router::Directory& directory_;
  router::ShardSet& shards_;
  std::function<proto::TimeMs()> clock_;
  OutboxOptions options_;
  OutboxStats stats_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::adapters

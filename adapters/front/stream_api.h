// GET /v1/stream: a tenant's event log as a live, resumable stream over
// WebSocket (when the request is an upgrade) or Server-Sent Events.
//
// With an operator token the stream carries what concerns that operator (its
// offers, its conversations' frames, its mentions, its status); with an admin
// key everything of the tenant (the supervisor view). `?since=SEQ` (or SSE's
// Last-Event-ID) first replays every such frame after SEQ from RocksDB, on
// the blocking pool, then continues live without a gap or a duplicate: the
// connection subscribes to the hub before it reads the log, and drops live
// frames the replay already sent. Credentials may also come as
// `?access_token=` for browser clients that cannot set headers.
#pragma once

#include "adapters/blocking_pool.h"
#include "adapters/front/caller.h"
#include "adapters/http/message.h"
#include "adapters/stream/hub.h"
#include "adapters/stream/presence.h"
#include "storage/db.h"

namespace sb::adapters {

class StreamApi {
 public:
  // At most `max_per_operator` stream connections per operator (429 beyond).
  StreamApi(StreamHub& hub, BlockingPool& pool, storage::Db& db, Presence& presence,
            std::size_t max_per_operator);
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // Answers GET /v1/stream for an authenticated caller.
  void open(const http::HttpRequest& req, const Caller& caller, const http::Responder& respond);

 private:
  StreamHub& hub_;
  BlockingPool& pool_;
  storage::Db& db_;
  Presence& presence_;
  std::size_t max_per_operator_;
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace sb::adapters

// AnalyticsApi: GET /v1/analytics/operators?from=&to= (admin key).
//
// Per operator over [from, to] (RFC 3339; default: the 24 hours up to now;
// at most 92 days): conversations assigned and handled (resolved as owner),
// messages sent, first-response, handle and resolution times (count, mean,
// p50, p90, in seconds; router/analytics.h defines each), and the current
// status and load. Figures come from the tenant's event log, read on the
// blocking pool (never an I/O or shard thread); status and load from the
// tenant's shard.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "adapters/blocking_pool.h"
#include "adapters/front/caller.h"
#include "adapters/http/message.h"
#include "router/shard_set.h"
#include "storage/db.h"

namespace sb::adapters {

class AnalyticsApi {
 public:
  AnalyticsApi(router::ShardSet& shards, BlockingPool& pool, storage::Db& db,
               std::function<proto::TimeMs()> clock);
  // True if the route is this one (and `respond` was or will be called).
  bool handle(const http::HttpRequest& req, const std::vector<std::string_view>& seg,
              const Caller& caller, const http::Responder& respond);

 private:
  void operators(const http::HttpRequest& req, const Caller& caller,
                 const http::Responder& respond);

  router::ShardSet& shards_;
  BlockingPool& pool_;
  storage::Db& db_;
  std::function<proto::TimeMs()> clock_;
};

}  // namespace sb::adapters

// WebchatApi: the routes a website chat widget calls, for channels of type
// "webchat" (adapters/webchat/webchat_channel.h). They take no admin key or
// operator token: a visitor token (Authorization: Bearer, or ?token= where
// a browser cannot set headers: EventSource, WebSocket) names the visitor.
//
//   POST /webchat/{tenant}/{channel}/visitors  a new anonymous visitor:
//        201 {"visitor_id":"v...","token":"v....<hex>"}
//   POST /webchat/{tenant}/{channel}/messages  {"id","text","name"?}: the
//        visitor writes; answered like a webhook, after the group commit
//   GET  /webchat/{tenant}/{channel}/stream    SSE (or WebSocket) of what the
//        visitor may see: their messages and the operators' replies on this
//        channel, and resolutions (visitor_view); ?since=SEQ resumes. 404
//        until the visitor has written once (no contact yet)
//   OPTIONS on each: the CORS preflight
//
// Answers allow any origin (CORS "*"): tokens are not cookies, so a page can
// act only with the tokens it holds. Visitors' messages have their own
// per-tenant rate limit (limits.webchat_*), so that anonymous visitors
// cannot crowd out the platforms' webhooks. Never blocks an I/O thread: the
// contact lookup is a shard command, replays read on the blocking pool.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/blocking_pool.h"
#include "adapters/front/rate_limiter.h"
#include "adapters/http/message.h"
#include "adapters/stream/hub.h"
#include "router/directory.h"
#include "router/shard_set.h"
#include "storage/db.h"

namespace sb::adapters {

class WebchatApi {
 public:
  // How a visitor's message is ingested: ApiHandler's path for webhooks
  // (rate limit, shard, group commit, the webhook answer).
  using Ingest =
      std::function<void(const std::string& tenant, const proto::ChannelConfig& channel,
                         std::vector<proto::InboundEvent> events, http::Responder respond)>;

  // `messages_per_second`, `burst`: the tenant's budget for visitors'
  // messages (limits.webchat_*), apart from the platforms' webhooks.
  WebchatApi(router::Directory& directory, router::ShardSet& shards, StreamHub& hub,
             BlockingPool& pool, storage::Db& db, std::function<proto::TimeMs()> clock,
             double messages_per_second, double burst);
  void set_ingest(Ingest ingest) { ingest_ = std::move(ingest); }

  // A /webchat/... request; `seg` are its path segments ("webchat", tenant,
  // channel, action).
  // `ready`: recovery is done (else 503, with the CORS headers).
  void handle(http::HttpRequest&& req, const std::vector<std::string_view>& seg, bool ready,
              http::Responder respond);

 private:
  void open_stream(const http::HttpRequest& req, const std::string& tenant,
                   const proto::ChannelConfig& cfg, const std::string& visitor,
                   http::Responder respond);

  router::Directory& directory_;
  router::ShardSet& shards_;
  StreamHub& hub_;
  BlockingPool& pool_;
  storage::Db& db_;
  std::function<proto::TimeMs()> clock_;
  Ingest ingest_;
  RateLimiter limit_;
};

}  // namespace sb::adapters

// ApiHandler: the routes of ../shared/CONTRACT.md served by this build, on top
// of HttpServer. It authenticates, validates, and turns requests into shard
// commands; it never blocks an I/O thread (no disk, no locks): answers that
// need durability are sent by the shard's completion.
//
//   GET  /healthz /readyz /metrics
//   POST /webhooks/{tenant}/{channel}     platform webhooks (signature-verified)
//   GET  /webhooks/{tenant}/{channel}     platform verification handshakes
//   PUT  /v1/channels/{channel}           admin key
//   GET  /v1/channels                     admin key (secrets never returned)
//   POST /v1/events                       admin key, generic ingest
//   GET  /v1/stream                       WebSocket or SSE (adapters/front/stream_api.h)
//   /webchat/{tenant}/{channel}/...        website chat visitors (adapters/front/webchat_api.h)
//   queues, operators, status, conversations: adapters/front/routing_api.h
#pragma once

#include <atomic>
#include <functional>
#include <optional>

#include "adapters/front/analytics_api.h"
#include "adapters/front/caller.h"
#include "adapters/front/messages_api.h"
#include "adapters/front/rate_limiter.h"
#include "adapters/front/routing_api.h"
#include "adapters/front/stream_api.h"
#include "adapters/front/webchat_api.h"
#include "adapters/http/message.h"
#include "adapters/metrics.h"
#include "router/directory.h"
#include "router/shard_set.h"

namespace sb::adapters {

class ApiHandler final : public http::HttpHandler {
 public:
  ApiHandler(router::Directory& directory, router::ShardSet& shards, Metrics& metrics,
             StreamApi& streams, MessagesApi& messages, AnalyticsApi& analytics,
             WebchatApi& webchat, RateLimiter& ingest_limit, std::function<proto::TimeMs()> clock);

  void set_ready(bool ready) { ready_.store(ready, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  void handle(http::HttpRequest&& req, http::Responder respond) override;
  void on_rejected(int status) override;

 private:
  void webhook(http::HttpRequest&& req, const std::string& tenant, const std::string& channel,
               http::Responder respond);
  void webhook_handshake(const http::HttpRequest& req, const std::string& tenant,
                         const std::string& channel, http::Responder respond);
  void put_channel(http::HttpRequest&& req, const std::string& tenant, const std::string& name,
                   http::Responder respond);
  void list_channels(const std::string& tenant, http::Responder respond);
  void post_event(http::HttpRequest&& req, const std::string& tenant, http::Responder respond);
  // Rate limits are charged by the callers: webhooks and POST /v1/events the
  // tenant's webhook budget, WebchatApi its own. `nonce`: ParsedWebhook's.
  void submit_ingest(const std::string& tenant, const proto::ChannelConfig& channel,
                     std::vector<proto::InboundEvent> events, std::size_t ignored,
                     http::Responder respond, std::string nonce = {});
  // Who the bearer credential belongs to, or nullopt (and a 401 sent).
  std::optional<Caller> authenticate(const http::HttpRequest& req, const http::Responder& respond);

  router::Directory& directory_;
  router::ShardSet& shards_;
  Metrics& metrics_;
  std::function<proto::TimeMs()> clock_;
  std::atomic<bool> ready_{false};
  RoutingApi routing_api_;
  StreamApi& streams_;
  MessagesApi& messages_;
  AnalyticsApi& analytics_;
  WebchatApi& webchat_;
  RateLimiter& ingest_limit_;  // per tenant, webhooks and POST /v1/events
};

}  // namespace sb::adapters

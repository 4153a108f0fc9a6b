// RoutingApi: the routes of the routing engine (../shared/CONTRACT.md, admin
// and operator API). Every change and every read of routing state is a
// TenantCommand run on the shard that owns the tenant: answers that change
// state are sent only once the change is durable, and no I/O thread touches
// routing state or takes a lock.
//
//   PUT  /v1/queues/{queue}                      admin
//   GET  /v1/queues                              admin
//   PUT  /v1/operators/{operator}                admin   -> {"id","token"}
//   GET  /v1/operators                           admin
//   PUT  /v1/operators/{operator}/status         admin
//   PUT  /v1/me/status                           operator
//   POST /v1/conversations/{id}/accept|decline   operator (the offer's holder)
//   POST /v1/conversations/{id}/resolve          admin, or the owner
//   POST /v1/conversations/{id}/transfer         admin, or the owner: {"operator"} | {"queue"}
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "adapters/front/caller.h"
#include "adapters/http/message.h"
#include "router/directory.h"
#include "router/shard_set.h"

namespace sb::adapters {

class RoutingApi {
 public:
  RoutingApi(router::Directory& directory, router::ShardSet& shards);

  // True if the route is one of the above (and `respond` was or will be called).
  bool handle(const http::HttpRequest& req, const std::vector<std::string_view>& seg,
              const Caller& caller, const http::Responder& respond);

 private:
  void put_queue(const http::HttpRequest& req, const std::string& name, const Caller& caller,
                 const http::Responder& respond);
  void list_queues(const Caller& caller, const http::Responder& respond);
  void put_operator(const http::HttpRequest& req, const std::string& id, const Caller& caller,
                    const http::Responder& respond);
  void list_operators(const Caller& caller, const http::Responder& respond);
  void put_status(const http::HttpRequest& req, const std::string& op, const Caller& caller,
                  const http::Responder& respond);
  void conversation_action(const http::HttpRequest& req, const std::string& id,
                           std::string_view action, const Caller& caller,
                           const http::Responder& respond);
  // Runs `apply` on the tenant's shard; answers with *body (200) or the status.
  void run(const Caller& caller,
           std::function<Status(router::TenantState&, proto::TimeMs, std::vector<proto::Change>&,
                                std::string& body)>
               apply,
           const http::Responder& respond, std::function<void()> after_commit = {});

  router::Directory& directory_;
  router::ShardSet& shards_;
};

// The HTTP status of a Status (404 NotFound, 409 Conflict, ...).
int http_status_of(const Status& st);
std::string_view error_code_of(const Status& st);

}  // namespace sb::adapters

// MessagesApi: what operators read and write inside conversations.
//
//   POST /v1/conversations/{id}/messages   {"text"}  the owner only (else 409);
//                                           stored, then delivered through the outbox
//   POST /v1/conversations/{id}/notes      {"text"}  internal; "@id" mentions
//   GET  /v1/conversations?status=&queue=&operator=&contact=&cursor=&limit=
//                                           newest first; operators see their own
//   GET  /v1/conversations/{id}            the conversation with its messages
//   GET  /v1/contacts/{id}                 the contact
//   PUT  /v1/contacts/{id}                 name, phone, email, status, custom fields
//   GET  /v1/contacts/{id}/timeline?cursor=&limit=   every message, note and
//                                           assignment change, oldest first
//
// Writes and visibility checks run on the tenant's shard (memory only); the
// RocksDB reads that follow run on the blocking pool.
#pragma once

#include <string_view>
#include <vector>

#include "adapters/blocking_pool.h"
#include "adapters/front/caller.h"
#include "adapters/http/message.h"
#include "router/directory.h"
#include "router/shard_set.h"
#include "storage/db.h"

namespace sb::adapters {

class MessagesApi {
 public:
  MessagesApi(router::Directory& directory, router::ShardSet& shards, BlockingPool& pool,
              storage::Db& db);
  bool handle(const http::HttpRequest& req, const std::vector<std::string_view>& seg,
              const Caller& caller, const http::Responder& respond);

 private:
  void write(const http::HttpRequest& req, const std::string& conversation, bool note,
             const Caller& caller, const http::Responder& respond);
  void get_conversation(const std::string& id, const Caller& caller,
                        const http::Responder& respond);
  void list_conversations(const http::HttpRequest& req, const Caller& caller,
                          const http::Responder& respond);
  void get_contact(const std::string& id, const Caller& caller, const http::Responder& respond);
  void put_contact(const http::HttpRequest& req, const std::string& id, const Caller& caller,
                   const http::Responder& respond);
  void link_identities(const http::HttpRequest& req, const std::string& id, const Caller& caller,
                       const http::Responder& respond);
  void timeline(const http::HttpRequest& req, const std::string& contact, const Caller& caller,
                const http::Responder& respond);

  router::Directory& directory_;
  router::ShardSet& shards_;
  BlockingPool& pool_;
  storage::Db& db_;
};

}  // namespace sb::adapters

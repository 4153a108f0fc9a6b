#include "adapters/front/messages_api.h"

#include "adapters/front/api_bodies.h"
#include "adapters/front/query_params.h"
#include "adapters/front/routing_api.h"
#include "proto/ids.h"
#include "proto/json_fields.h"
#include "proto/json_writer.h"
#include "proto/views.h"

namespace sb::adapters {

using http::json_error;
using http::Responder;

namespace {
void fail(const Responder& respond, const Status& st) {
  respond(json_error(http_status_of(st), error_code_of(st), st.message()));
}

// The usual completion: the JSON `body` built on the shard, or the error.
std::function<void(Status)> answer(const Responder& respond, std::shared_ptr<std::string> body,
                                   int status = 200) {
  return [respond, body = std::move(body), status](Status st) {
    if (!st.is_ok()) return fail(respond, st);
    respond(http::json_ok(std::move(*body), status));
  };
}

// Runs `apply` on the tenant's shard and hands its status to `then` after
// the commit (on the shard thread: `then` must not block).
void on_shard(
    router::ShardSet& shards, const Caller& caller,
    std::function<Status(router::TenantState&, proto::TimeMs, std::vector<proto::Change>&)> apply,
    std::function<void(Status)> then, const Responder& respond) {
  router::TenantCommand cmd{caller.tenant, std::move(apply), std::move(then)};
  if (!shards.submit(caller.tenant, std::move(cmd))) {
    auto r = json_error(503, "overloaded", "queue is full; retry");
    r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  }
}

// An operator sees what it owns, is offered, or owned last (after a resolve
// or a transfer it keeps the history of what it handled).
// ?cursor=&limit= of the listing routes. Answers 400 itself and returns false
// when either is malformed.
bool parse_page(const http::HttpRequest& req, std::uint64_t& cursor, std::uint64_t& limit,
                const Responder& respond) {
  switch (parse_page_params(req, cursor, limit)) {
    case PageError::kNone:
      return true;
    case PageError::kCursor:
      respond(json_error(400, "invalid_cursor", "cursor must come from next_cursor"));
      return false;
    case PageError::kLimit:
      respond(json_error(400, "invalid_limit", "limit is 1..500"));
      return false;
  }
  return false;
}

// The answer of a contact write: the contact's view, or the failure.
Status write_contact(const Result<proto::Contact>& c, std::string& body) {
  if (!c) return c.status();
  proto::JsonWriter w(body);
  proto::write_public(w, c.value());
  return Status::ok();
}

bool may_see(const Caller& c, const proto::Conversation& conv) {
  return c.is_admin() || conv.operator_id == c.operator_id || conv.offered_to == c.operator_id ||
         conv.last_operator == c.operator_id;
}
}  // namespace

MessagesApi::MessagesApi(router::Directory& directory, router::ShardSet& shards, BlockingPool& pool,
                         storage::Db& db)
    : directory_(directory), shards_(shards), pool_(pool), db_(db) {}

bool MessagesApi::handle(const http::HttpRequest& req, const std::vector<std::string_view>& seg,
                         const Caller& caller, const Responder& respond) {
  if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "conversations" && req.method == "GET") {
    list_conversations(req, caller, respond);
    return true;
  }
  if (seg.size() < 3 || seg[0] != "v1") return false;
  const std::string id(seg[2]);
  const auto& m = req.method;
  if (seg[1] == "conversations" && seg.size() == 4 && m == "POST" &&
      (seg[3] == "messages" || seg[3] == "notes")) {
    write(req, id, seg[3] == "notes", caller, respond);
  } else if (seg[1] == "conversations" && seg.size() == 3 && m == "GET") {
    get_conversation(id, caller, respond);
  } else if (seg[1] == "contacts" && seg.size() == 3 && m == "GET") {
    get_contact(id, caller, respond);
  } else if (seg[1] == "contacts" && seg.size() == 3 && m == "PUT") {
    put_contact(req, id, caller, respond);
  } else if (seg[1] == "contacts" && seg.size() == 4 && seg[3] == "identities" && m == "PUT") {
    link_identities(req, id, caller, respond);
  } else if (seg[1] == "contacts" && seg.size() == 4 && seg[3] == "timeline" && m == "GET") {
    timeline(req, id, caller, respond);
  } else {
    return false;
  }
  return true;
}

void MessagesApi::write(const http::HttpRequest& req, const std::string& conversation, bool note,
                        const Caller& caller, const Responder& respond) {
  auto text = parse_text(req.body);
  if (!text) return respond(json_error(400, "invalid_body", text.status().message()));
  if (!note && caller.is_admin()) {
    return respond(json_error(409, "conflict", "only the conversation's current owner can reply"));
  }
  auto body = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [conversation, note, caller, text = std::move(text).value(), body](
          router::TenantState& t, proto::TimeMs now, std::vector<proto::Change>& out) -> Status {
        const auto conv = t.conversation(conversation);
        if (!conv || (note && !may_see(caller, *conv))) {
          return Status::not_found("unknown conversation");
        }
        auto m = note ? t.note(conversation, caller.operator_id, text, now, out)
                      : t.reply(conversation, caller.operator_id, text, now, out);
        if (!m) return m.status();
        proto::JsonWriter w(*body);
        proto::write_public(w, *m);
        return Status::ok();
      },
      [respond, body](Status st) {
        if (st.code() == Code::kResourceExhausted) {
          // The channel's platform is not taking replies: nothing was stored.
          auto r = json_error(429, "outbound_backlog", st.message());
          r.headers.emplace_back("Retry-After", "5");
          return respond(std::move(r));
        }
        answer(respond, body, 201)(std::move(st));
      },
      respond);
}

void MessagesApi::get_conversation(const std::string& id, const Caller& caller,
                                   const Responder& respond) {
  auto head = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [id, caller, head](router::TenantState& t, proto::TimeMs, std::vector<proto::Change>&) {
        const auto c = t.conversation(id);
        if (!c || !may_see(caller, *c)) return Status::not_found("unknown conversation");
        proto::JsonWriter w(*head);
        proto::write_public(w, t.tenant(), *c, t.contact_name(c->contact_id));
        return Status::ok();
      },
      [this, id, caller, head, respond](Status st) {
        if (!st.is_ok()) return fail(respond, st);
        pool_.run([this, id, caller, head, respond] {
          std::vector<proto::Message> messages;
          if (auto rs = db_.read_messages(caller.tenant, id, messages); !rs.is_ok()) {
            return fail(respond, rs);
          }
          // {conversation fields..., "messages":[...]}
          std::string body = head->substr(0, head->size() - 1);
          proto::JsonWriter w(body);
          body += ",";
          w.key("messages").begin_array();
          for (const auto& m : messages) proto::write_public(w, m);
          w.end_array();
          body += "}";
          respond(http::json_ok(std::move(body)));
        });
      },
      respond);
}

void MessagesApi::list_conversations(const http::HttpRequest& req, const Caller& caller,
                                     const Responder& respond) {
  router::TenantState::ConversationFilter f;
  std::string raw;
  std::uint64_t limit = 50;
  if (!parse_page(req, f.before_seq, limit, respond)) return;
  if (req.query_param("status", raw) && !raw.empty()) {  // empty: any status
    if (raw != "queued" && raw != "offered" && raw != "assigned" && raw != "resolved") {
      return respond(
          json_error(400, "invalid_status", "status is queued, offered, assigned or resolved"));
    }
    f.status = raw;
  }
  (void)req.query_param("queue", f.queue);
  (void)req.query_param("operator", f.operator_id);
  (void)req.query_param("contact", f.contact);
  f.limit = limit;
  f.visible_to = caller.operator_id;
  auto body = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [f, body](router::TenantState& t, proto::TimeMs, std::vector<proto::Change>&) {
        std::uint64_t next = 0;
        auto list = t.list_conversations(f, next);
        proto::JsonWriter w(*body);
        w.begin_object().key("conversations").begin_array();
        for (const auto& c : list)
          proto::write_public(w, t.tenant(), c, t.contact_name(c.contact_id));
        w.end_array().key("next_cursor");
        if (next != 0) {
          w.value(std::to_string(next));
        } else {
          w.null();
        }
        w.end_object();
        return Status::ok();
      },
      answer(respond, body), respond);
}

void MessagesApi::get_contact(const std::string& id, const Caller& caller,
                              const Responder& respond) {
  auto body = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [id, caller, body](router::TenantState& t, proto::TimeMs, std::vector<proto::Change>&) {
        const auto c = t.contact(id);
        if (!c) return Status::not_found("unknown contact");
        if (!caller.is_admin()) {
          const auto conv = t.latest_conversation_of(id);
          if (!conv || !may_see(caller, *conv)) return Status::not_found("unknown contact");
        }
        proto::JsonWriter w(*body);
        proto::write_public(w, *c);
        return Status::ok();
      },
      answer(respond, body), respond);
}

void MessagesApi::put_contact(const http::HttpRequest& req, const std::string& id,
                              const Caller& caller, const Responder& respond) {
  auto patch = parse_contact_patch(req.body, id);
  if (!patch) return respond(json_error(400, "invalid_body", patch.status().message()));
  auto body = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [caller, body, patch = std::move(patch).value()](router::TenantState& t, proto::TimeMs now,
                                                       std::vector<proto::Change>& out) -> Status {
        if (!caller.is_admin()) {
          const auto conv = t.latest_conversation_of(patch.id);
          if (!conv || conv->operator_id != caller.operator_id) {
            return Status::not_found("unknown contact");
          }
        }
        return write_contact(t.update_contact(patch, now, out), *body);
      },
      answer(respond, body), respond);
}

void MessagesApi::link_identities(const http::HttpRequest& req, const std::string& id,
                                  const Caller& caller, const Responder& respond) {
  // Admins only: a link sends every later message of that identity to this
  // contact's conversation, and there is no unlinking.
  if (!caller.is_admin())
    return respond(json_error(403, "forbidden", "needs the tenant's admin key"));
  auto identities = parse_identities_body(req.body);
  if (!identities) return respond(json_error(400, "invalid_body", identities.status().message()));
  std::string merge_param;
  bool merge = false;
  if (req.query_param("merge", merge_param) && !merge_param.empty()) {
    if (merge_param != "true" && merge_param != "false") {
      return respond(json_error(400, "invalid_query", "merge is true or false"));
    }
    merge = merge_param == "true";
  }
  auto snap = directory_.snapshot();
  for (const auto& i : identities.value()) {
    if (snap->channel(caller.tenant, i.channel) == nullptr) {
      return respond(json_error(404, "not_found", "unknown channel " + i.channel));
    }
  }
  auto body = std::make_shared<std::string>();
  on_shard(
      shards_, caller,
      [id, body, merge, identities = std::move(identities).value()](
          router::TenantState& t, proto::TimeMs now, std::vector<proto::Change>& out) -> Status {
        return write_contact(t.link_identities(id, identities, now, out, merge), *body);
      },
      answer(respond, body), respond);
}

void MessagesApi::timeline(const http::HttpRequest& req, const std::string& contact,
                           const Caller& caller, const Responder& respond) {
  std::uint64_t cursor = 0, limit = 50;
  if (!parse_page(req, cursor, limit, respond)) return;
  // An operator may read the timeline of a customer it is serving now.
  // The timeline is the contact's and that of every contact merged into it.
  auto contacts = std::make_shared<std::vector<std::string>>();
  on_shard(
      shards_, caller,
      [contact, caller, contacts](router::TenantState& t, proto::TimeMs,
                                  std::vector<proto::Change>&) {
        const auto found = t.contact(contact);
        if (!found) return Status::not_found("unknown contact");
        contacts->push_back(contact);
        contacts->insert(contacts->end(), found->merged_from.begin(), found->merged_from.end());
        if (caller.is_admin()) return Status::ok();
        const auto c = t.latest_conversation_of(contact);
        if (!c || !may_see(caller, *c)) return Status::not_found("unknown contact");
        return Status::ok();
      },
      [this, contacts, caller, cursor, limit, respond](Status st) {
        if (!st.is_ok()) return fail(respond, st);
        pool_.run([this, contacts, caller, cursor, limit, respond] {
          std::vector<proto::LogEntry> entries;
          // One more than asked tells whether there is a next page.
          auto rs = db_.read_timelines(caller.tenant, *contacts, cursor, limit + 1, entries);
          const bool more = entries.size() > limit;
          if (more) entries.pop_back();
          if (!rs.is_ok()) return fail(respond, rs);
          std::string body;
          proto::JsonWriter w(body);
          w.begin_object().key("entries").begin_array();
          for (const auto& e : entries) w.raw(e.json);
          w.end_array().key("next_cursor");
          if (more) {
            w.value(std::to_string(entries.back().seq));
          } else {
            w.null();
          }
          w.end_object();
          respond(http::json_ok(std::move(body)));
        });
      },
      respond);
}

}  // namespace sb::adapters

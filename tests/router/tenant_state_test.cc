#include "router/tenant_state.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sb::router {
namespace {

proto::InboundEvent msg(std::string channel, std::string id, std::string user, std::string text) {
  proto::InboundEvent e;
  e.channel = std::move(channel);
  e.event_id = std::move(id);
  e.contact_external_id = user;
  e.contact_name = "User " + user;
  e.reply_address = user;
  e.text = std::move(text);
  return e;
}

template <class T>
std::size_t count(const std::vector<proto::Change>& changes) {
  std::size_t n = 0;
  for (const auto& c : changes) n += std::holds_alternative<T>(c) ? 1 : 0;
  return n;
}

// Replays stored records into `t` the way recovery does (router/shard.cc).
void replay(const std::vector<proto::Change>& changes, TenantState& t) {
  for (const auto& c : changes) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, proto::Contact> ||
                        std::is_same_v<T, proto::Conversation> ||
                        std::is_same_v<T, proto::ConversationActivity> ||
                        std::is_same_v<T, proto::IdentityLink> ||
                        std::is_same_v<T, proto::DedupMark>) {
            t.restore(x);
          } else if constexpr (std::is_same_v<T, proto::LogEntry>) {
            t.restore_last_seq(x.seq);
          }
        },
        c);
  }
}

TEST(TenantState, FirstMessageOpensAConversation) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  auto o = t.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat, 1000, out);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kStored);
  EXPECT_TRUE(o.new_conversation);
  const auto c = t.conversation(o.conversation_id);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->queue, "default");  // "support" was never defined: the tenant's default queue
  EXPECT_EQ(c->status, proto::ConversationStatus::kQueued);  // nobody online
  EXPECT_EQ(c->message_count, 1u);
  EXPECT_EQ(count<proto::Message>(out), 1u);
  EXPECT_EQ(count<proto::Contact>(out), 1u);
  EXPECT_EQ(count<proto::DedupMark>(out), 1u);
  // contact.created, conversation.created, message.created, conversation.queued
  EXPECT_EQ(count<proto::LogEntry>(out), 4u);
  bool queued_frame = false;
  for (const auto& ch : out) {
    if (const auto* e = std::get_if<proto::LogEntry>(&ch)) {
      queued_frame |= e->json.find(R"("type":"conversation.queued")") != std::string::npos;
    }
  }
  EXPECT_TRUE(queued_frame);
}

// The whole path of issue 3 through TenantState: an operator online in the
// channel's queue gets the offer; accepting makes it the owner; resolving and
// writing again within the reopen window goes back to it.
TEST(TenantState, NewConversationIsOfferedAcceptedResolvedAndReopened) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  routing::QueueConfig q;
  q.name = "support";
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_queue(q, 0, o); }).is_ok());
  routing::OperatorConfig op;
  op.id = "olena";
  op.queues = {"support"};
  op.capacity.chat = 2;
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                 return d.set_operator_status("olena", routing::OperatorStatus::kOnline, 0, o);
               }).is_ok());

  auto in = t.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat, 1000, out);
  // Reads are copies (the state is packed): read again after each step.
  auto c = t.conversation(in.conversation_id);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->status, proto::ConversationStatus::kOffered);
  EXPECT_EQ(c->offered_to, "olena");
  EXPECT_EQ(c->offer_expires_at, 1000 + q.offer_timeout_ms);

  ASSERT_TRUE(t.route(2000, out, [&](auto& d, auto& o) {
                 return d.accept(in.conversation_id, "olena", 2000, o);
               }).is_ok());
  c = t.conversation(in.conversation_id);
  EXPECT_EQ(c->status, proto::ConversationStatus::kAssigned);
  EXPECT_EQ(c->operator_id, "olena");

  ASSERT_TRUE(t.route(3000, out, [&](auto& d, auto& o) {
                 return d.resolve(in.conversation_id, "olena", 3000, o);
               }).is_ok());
  c = t.conversation(in.conversation_id);
  EXPECT_EQ(c->status, proto::ConversationStatus::kResolved);

  auto again = t.ingest(msg("tg", "2", "42", "one more thing"), "support",
                        routing::ChannelKind::kChat, 4000, out);
  EXPECT_EQ(again.conversation_id, in.conversation_id) << "reopened within the window";
  c = t.conversation(in.conversation_id);
  EXPECT_EQ(c->status, proto::ConversationStatus::kOffered);
  EXPECT_EQ(c->offered_to, "olena");
}

TEST(TenantState, AfterTheReopenWindowANewConversationPrefersTheLastOperator) {
  TenantOptions options;
  options.reopen_window_ms = 1000;
  TenantState t("acme", options);
  std::vector<proto::Change> out;
  routing::QueueConfig q;
  q.name = "default";
  q.offer_timeout_ms = 0;  // auto-accept
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_queue(q, 0, o); }).is_ok());
  for (const char* id : {"olena", "taras"}) {
    routing::OperatorConfig op;
    op.id = id;
    op.queues = {"default"};
    op.capacity.chat = 5;
    ASSERT_TRUE(
        t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
    ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                   return d.set_operator_status(id, routing::OperatorStatus::kOnline, 0, o);
                 }).is_ok());
  }
  auto first = t.ingest(msg("tg", "1", "42", "hi"), "", routing::ChannelKind::kChat, 10, out);
  const std::string owner = t.conversation(first.conversation_id)->operator_id;
  ASSERT_FALSE(owner.empty());
  // Load the owner more than the other, so that only stickiness picks it again.
  t.ingest(msg("tg", "2", "77", "other"), "", routing::ChannelKind::kChat, 11, out);
  ASSERT_TRUE(t.route(20, out, [&](auto& d, auto& o) {
                 return d.resolve(first.conversation_id, "", 20, o);
               }).is_ok());
  auto later =
      t.ingest(msg("tg", "3", "42", "back again"), "", routing::ChannelKind::kChat, 5000, out);
  EXPECT_TRUE(later.new_conversation);
  EXPECT_NE(later.conversation_id, first.conversation_id);
  EXPECT_EQ(t.conversation(later.conversation_id)->operator_id, owner);
}

TEST(TenantState, RetryIsAbsorbedWithoutAnyChange) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  t.ingest(msg("tg", "1", "42", "hi"), "q", routing::ChannelKind::kChat, 1000, out);
  out.clear();
  auto o = t.ingest(msg("tg", "1", "42", "hi"), "q", routing::ChannelKind::kChat, 2000, out);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.conversation_count(), 1u);
}

TEST(TenantState, ASignedNonceGoesOnlyWithTheDeliveryItFirstCameWith) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  const std::vector<std::string> mail{"<a@mail.example>"};
  ASSERT_TRUE(t.claim_nonce("type:email", "tok-1", mail, 1000, out).is_ok());
  EXPECT_EQ(count<proto::DedupMark>(out), 2u) << "the nonce, and the nonce with its delivery";
  std::vector<proto::Change> again;
  EXPECT_TRUE(t.claim_nonce("type:email", "tok-1", mail, 2000, again).is_ok()) << "a retry";
  EXPECT_TRUE(again.empty());
  auto other = t.claim_nonce("type:email", "tok-1", {"<b@mail.example>"}, 3000, again);
  EXPECT_EQ(other.code(), Code::kUnauthenticated) << "another mail under a captured signature";
  EXPECT_EQ(t.claim_nonce("type:email", "tok-1", {}, 3000, again).code(), Code::kUnauthenticated);
  EXPECT_TRUE(again.empty());
  EXPECT_TRUE(t.claim_nonce("type:other", "tok-1", {"<b@mail.example>"}, 3000, again).is_ok())
      << "per scope";

  TenantState restarted("acme", {});
  replay(out, restarted);
  std::vector<proto::Change> repairs, later;
  restarted.finish_restore(5000, repairs);
  EXPECT_TRUE(restarted.claim_nonce("type:email", "tok-1", mail, 5000, later).is_ok());
  EXPECT_EQ(restarted.claim_nonce("type:email", "tok-1", {"<b@mail.example>"}, 5000, later).code(),
            Code::kUnauthenticated)
      << "remembered across a restart";
}

TEST(TenantState, FurtherMessagesThreadIntoTheOpenConversation) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  auto a = t.ingest(msg("tg", "1", "42", "one"), "q", routing::ChannelKind::kChat, 1000, out);
  auto b = t.ingest(msg("tg", "2", "42", "two"), "q", routing::ChannelKind::kChat, 1001, out);
  auto c =
      t.ingest(msg("tg", "3", "43", "other customer"), "q", routing::ChannelKind::kChat, 1002, out);
  EXPECT_EQ(a.conversation_id, b.conversation_id);
  EXPECT_FALSE(b.new_conversation);
  EXPECT_NE(a.conversation_id, c.conversation_id);
  EXPECT_EQ(t.conversation(a.conversation_id)->message_count, 2u);
  EXPECT_EQ(a.contact_id, b.contact_id);
  EXPECT_NE(a.contact_id, c.contact_id);
}

TEST(TenantState, SameUserIdOnAnotherChannelIsAnotherIdentity) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  auto a = t.ingest(msg("tg", "1", "42", "x"), "q", routing::ChannelKind::kChat, 1, out);
  auto b = t.ingest(msg("viber", "1", "42", "x"), "q", routing::ChannelKind::kChat, 2, out);
  EXPECT_EQ(b.kind, IngestOutcome::Kind::kStored);  // same id, other channel: not a retry
  EXPECT_NE(a.contact_id, b.contact_id);
}

TEST(TenantState, SeqsAreDenseAndIdsUnique) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  for (int i = 0; i < 20; ++i) {
    t.ingest(msg("tg", std::to_string(i), std::to_string(i % 3), "m"), "q",
             routing::ChannelKind::kChat, i, out);
  }
  std::uint64_t expect = 1;
  std::set<std::string> ids;
  for (const auto& c : out) {
    if (const auto* e = std::get_if<proto::LogEntry>(&c)) {
      EXPECT_EQ(e->seq, expect++);
    }
    if (const auto* m = std::get_if<proto::Message>(&c)) {
      EXPECT_TRUE(ids.insert(m->id).second);
    }
  }
  EXPECT_EQ(t.last_seq(), expect - 1);
}

TEST(TenantState, RestoredStateContinuesWhereItStopped) {
  TenantState a("acme", {});
  std::vector<proto::Change> out;
  auto first = a.ingest(msg("tg", "1", "42", "x"), "q", routing::ChannelKind::kChat, 1000, out);

  TenantState b("acme", {});
  replay(out, b);
  std::vector<proto::Change> repairs;
  b.finish_restore(2000, repairs);
  std::vector<proto::Change> more;
  EXPECT_EQ(b.ingest(msg("tg", "1", "42", "x"), "q", routing::ChannelKind::kChat, 2000, more).kind,
            IngestOutcome::Kind::kDuplicate);
  auto next = b.ingest(msg("tg", "2", "42", "y"), "q", routing::ChannelKind::kChat, 2001, more);
  EXPECT_EQ(next.conversation_id, first.conversation_id);
  EXPECT_GT(b.last_seq(), a.last_seq());
}

TEST(TenantState, EditsReferenceTheEditedMessage) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  auto e = msg("tg", "9", "42", "fixed text");
  e.kind = proto::EventKind::kEdit;
  e.platform_message_id = "1043";
  t.ingest(e, "q", routing::ChannelKind::kChat, 1, out);
  bool found = false;
  for (const auto& c : out) {
    if (const auto* m = std::get_if<proto::Message>(&c)) {
      EXPECT_EQ(m->edit_of, "1043");
      EXPECT_EQ(m->kind, proto::EventKind::kEdit);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

// limits.max_pending_outbound_per_channel: undelivered replies count per
// channel; at the limit a reply is refused with nothing appended, and a final
// delivery outcome (delivered or failed) frees a slot. Restored items count.
TEST(TenantState, PendingRepliesPerChannelAreCapped) {
  TenantOptions opts;
  opts.max_pending_outbound_per_channel = 2;
  TenantState t("acme", opts);
  std::vector<proto::Change> out;
  routing::OperatorConfig op;
  op.id = "olena";
  op.queues = {"default"};
  op.capacity.chat = 2;
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                 return d.set_operator_status("olena", routing::OperatorStatus::kOnline, 0, o);
               }).is_ok());
  auto in = t.ingest(msg("tg", "1", "42", "hi"), "default", routing::ChannelKind::kChat, 1000, out);
  ASSERT_TRUE(t.route(1000, out, [&](auto& d, auto& o) {
                 return d.accept(in.conversation_id, "olena", 1000, o);
               }).is_ok());

  std::vector<proto::OutboxItem> items;
  for (int i = 0; i < 2; ++i) {
    out.clear();
    ASSERT_TRUE(t.reply(in.conversation_id, "olena", "r", 2000, out).is_ok());
    for (const auto& c : out) {
      if (const auto* o = std::get_if<proto::OutboxItem>(&c)) items.push_back(*o);
    }
  }
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(t.outbound_pending("tg"), 2u);
  out.clear();
  auto refused = t.reply(in.conversation_id, "olena", "r", 2000, out);
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_TRUE(out.empty()) << "a refused reply changes nothing";
  EXPECT_EQ(t.outbound_refused(), 1u);

  // A retry keeps the slot; a final outcome frees it.
  items[0].state = "pending";
  t.record_delivery(items[0], 3000, out);
  EXPECT_EQ(t.outbound_pending(), 2u);
  items[0].state = "failed";
  t.record_delivery(items[0], 3000, out);
  EXPECT_EQ(t.outbound_pending(), 1u);
  out.clear();
  t.record_delivery(items[0], 3500, out);  // recorded again (a retried record)
  EXPECT_EQ(t.outbound_pending(), 1u) << "settled once only";
  EXPECT_TRUE(out.empty()) << "no second record or frame";
  EXPECT_TRUE(t.reply(in.conversation_id, "olena", "r", 4000, out).is_ok());

  // After a restart, stored pending items count again.
  TenantState restored("acme", opts);
  restored.restore_pending_outbound(items[1]);
  items[0].state = "delivered";
  restored.restore_pending_outbound(items[0]);
  EXPECT_EQ(restored.outbound_pending("tg"), 1u);
}

// A queue whose offers are accepted at once, and an online operator in it
// with `chat_slots` chat slots.
void add_auto_accepting_operator(TenantState& t, const std::string& queue, const std::string& id,
                                 std::uint32_t chat_slots, std::vector<proto::Change>& out) {
  routing::QueueConfig q;
  q.name = queue;
  q.offer_timeout_ms = 0;  // auto-accept
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_queue(q, 0, o); }).is_ok());
  routing::OperatorConfig op;
  op.id = id;
  op.queues = {queue};
  op.capacity.chat = chat_slots;
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) { return d.put_operator(op, 0, o); }).is_ok());
  ASSERT_TRUE(t.route(0, out, [&](auto& d, auto& o) {
                 return d.set_operator_status(id, routing::OperatorStatus::kOnline, 0, o);
               }).is_ok());
}

// Every record the tenant writes, replayed into a fresh TenantState in the
// order recovery reads them, gives back the same conversations and contacts.
TEST(TenantState, RestoredRecordsGiveTheSameViews) {
  TenantState a("acme", {});
  std::vector<proto::Change> out;
  add_auto_accepting_operator(a, "support", "olena", 1, out);
  auto first =
      a.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat, 1000, out);
  auto second =
      a.ingest(msg("tg", "2", "43", "me too"), "support", routing::ChannelKind::kChat, 1001, out);
  ASSERT_TRUE(a.reply(first.conversation_id, "olena", "hello", 1500, out).is_ok());
  proto::Contact patch;
  patch.id = first.contact_id;
  patch.phone = "+380501234567";
  patch.custom = {{"plan", "gold"}};
  ASSERT_TRUE(a.update_contact(patch, 1600, out).is_ok());
  ASSERT_TRUE(a.route(2000, out, [&](auto& d, auto& o) {
                 return d.resolve(first.conversation_id, "olena", 2000, o);
               }).is_ok());

  TenantState b("acme", {});
  replay(out, b);
  for (const auto& id : {first.conversation_id, second.conversation_id}) {
    ASSERT_TRUE(a.conversation(id).has_value()) << id;
    EXPECT_EQ(b.conversation(id), a.conversation(id)) << id;
  }
  EXPECT_EQ(a.conversation(first.conversation_id)->status, proto::ConversationStatus::kResolved);
  EXPECT_EQ(a.conversation(second.conversation_id)->status, proto::ConversationStatus::kAssigned);
  for (const auto& id : {first.contact_id, second.contact_id}) {
    EXPECT_EQ(b.contact(id), a.contact(id)) << id;
    EXPECT_EQ(b.latest_conversation_of(id), a.latest_conversation_of(id)) << id;
  }
  EXPECT_EQ(a.contact(first.contact_id)->phone, "+380501234567");
  EXPECT_EQ(b.contact_name(first.contact_id), "User 42");
  EXPECT_EQ(b.contact_name("ct-999"), "");
  EXPECT_FALSE(b.contact("ct-999"));
  EXPECT_FALSE(b.conversation("cv-999"));
}

// A message that changes only a conversation's counters stores them as a
// ConversationActivity, not as a rewritten record; anything else (a new or
// reopened conversation, a new reply address, a first response) stores the
// record. Replayed, both give the live state.
TEST(TenantState, MessagesThatOnlyCountStoreTheConversationsActivity) {
  TenantState a("acme", {});
  std::vector<proto::Change> all;
  add_auto_accepting_operator(a, "support", "olena", 1, all);
  std::vector<proto::Change> out;
  auto step = [&](auto&& act) {
    out.clear();
    act();
    all.insert(all.end(), out.begin(), out.end());
    return std::pair{count<proto::Conversation>(out), count<proto::ConversationActivity>(out)};
  };
  // What a step stored of the conversation: "record" (one or more whole
  // records, no activity) or "activity" (one activity, no record).
  auto stored = [&](auto&& act) {
    const auto [records, activities] = step(act);
    if (records >= 1 && activities == 0) return std::string("record");
    if (records == 0 && activities == 1) return std::string("activity");
    return std::to_string(records) + " records, " + std::to_string(activities) + " activities";
  };
  std::string conv;
  EXPECT_EQ(stored([&] {
              conv = a.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat,
                              1000, out)
                         .conversation_id;
            }),
            "record")
      << "new";
  EXPECT_EQ(stored([&] {
              a.ingest(msg("tg", "2", "42", "hello?"), "support", routing::ChannelKind::kChat, 1100,
                       out);
            }),
            "activity")
      << "follow-up";
  EXPECT_EQ(stored([&] { ASSERT_TRUE(a.reply(conv, "olena", "hi!", 1200, out).is_ok()); }),
            "record")
      << "first response";
  EXPECT_EQ(stored([&] { ASSERT_TRUE(a.reply(conv, "olena", "more", 1300, out).is_ok()); }),
            "activity")
      << "second reply";
  EXPECT_EQ(stored([&] { ASSERT_TRUE(a.note(conv, "olena", "vip", 1350, out).is_ok()); }),
            "activity")
      << "note";
  auto moved = msg("tg", "3", "42", "from my other chat");
  moved.reply_address = "42-work";
  EXPECT_EQ(stored([&] { a.ingest(moved, "support", routing::ChannelKind::kChat, 1400, out); }),
            "record")
      << "new reply address";
  EXPECT_EQ(stored([&] {
              a.ingest(msg("tg", "4", "42", "same"), "support", routing::ChannelKind::kChat, 1500,
                       out);
            }),
            "record")
      << "the old address again";

  const auto live = a.conversation(conv);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->message_count, 6u);  // notes do not count
  EXPECT_EQ(live->updated_at, 1500);
  TenantState b("acme", {});
  replay(all, b);
  EXPECT_EQ(b.conversation(conv), live);
}

TEST(TenantState, ListsConversationsByFilterNewestFirst) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  add_auto_accepting_operator(t, "support", "olena", 2, out);
  std::vector<IngestOutcome> in;
  for (int i = 0; i < 4; ++i) {  // two assigned to olena, then two queued (she is full)
    in.push_back(t.ingest(msg("tg", std::to_string(i), std::to_string(100 + i), "hi"), "support",
                          routing::ChannelKind::kChat, 1000 + i, out));
  }
  auto ids = [](const std::vector<proto::Conversation>& list) {
    std::vector<std::string> v;
    for (const auto& c : list) v.push_back(c.id);
    return v;
  };
  std::uint64_t next = 0;
  TenantState::ConversationFilter all;
  EXPECT_EQ(ids(t.list_conversations(all, next)),
            (std::vector<std::string>{in[3].conversation_id, in[2].conversation_id,
                                      in[1].conversation_id, in[0].conversation_id}));
  EXPECT_EQ(next, 0u);
  TenantState::ConversationFilter page;
  page.limit = 3;
  EXPECT_EQ(t.list_conversations(page, next).size(), 3u);
  ASSERT_NE(next, 0u);
  page.before_seq = next;
  EXPECT_EQ(ids(t.list_conversations(page, next)),
            (std::vector<std::string>{in[0].conversation_id}));
  EXPECT_EQ(next, 0u);

  TenantState::ConversationFilter mine;
  mine.visible_to = "olena";
  EXPECT_EQ(ids(t.list_conversations(mine, next)),
            (std::vector<std::string>{in[1].conversation_id, in[0].conversation_id}));
  TenantState::ConversationFilter queued;
  queued.status = "queued";
  queued.queue = "support";
  EXPECT_EQ(ids(t.list_conversations(queued, next)),
            (std::vector<std::string>{in[3].conversation_id, in[2].conversation_id}));
  TenantState::ConversationFilter by_contact;
  by_contact.contact = in[2].contact_id;
  EXPECT_EQ(ids(t.list_conversations(by_contact, next)),
            (std::vector<std::string>{in[2].conversation_id}));
  TenantState::ConversationFilter by_op;
  by_op.operator_id = "olena";
  EXPECT_EQ(t.list_conversations(by_op, next).size(), 2u);
  // Names never seen and malformed ids match nothing.
  TenantState::ConversationFilter nobody;
  nobody.visible_to = "taras";
  EXPECT_TRUE(t.list_conversations(nobody, next).empty());
  TenantState::ConversationFilter other_queue;
  other_queue.queue = "billing";
  EXPECT_TRUE(t.list_conversations(other_queue, next).empty());
  TenantState::ConversationFilter bad_contact;
  bad_contact.contact = "someone";
  EXPECT_TRUE(t.list_conversations(bad_contact, next).empty());
}

TEST(TenantState, LinkedIdentitiesThreadIntoTheContactsConversation) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  auto tg = t.ingest(msg("tg", "1", "42", "hi from telegram"), "q", routing::ChannelKind::kChat,
                     1000, out);

  out.clear();
  auto linked =
      t.link_identities(tg.contact_id, {{"api-1", "crm-42"}, {"api-1", "crm-42"}}, 1100, out);
  ASSERT_TRUE(linked.is_ok()) << linked.status().message();
  ASSERT_EQ(linked->identities.size(), 2u);
  EXPECT_EQ(linked->identities[0], (proto::Identity{"tg", "42"}));
  EXPECT_EQ(linked->identities[1], (proto::Identity{"api-1", "crm-42"}));
  EXPECT_EQ(count<proto::IdentityLink>(out), 1u) << "a repeated identity is linked once";
  EXPECT_EQ(count<proto::Contact>(out), 1u);
  EXPECT_EQ(count<proto::LogEntry>(out), 1u);  // contact.updated

  // The customer now writes through the other channel: same contact, same conversation.
  out.clear();
  auto api = t.ingest(msg("api-1", "e-1", "crm-42", "hi from the CRM"), "q",
                      routing::ChannelKind::kChat, 1200, out);
  EXPECT_EQ(api.contact_id, tg.contact_id);
  EXPECT_EQ(api.conversation_id, tg.conversation_id);
  EXPECT_FALSE(api.new_conversation);
  EXPECT_EQ(count<proto::Contact>(out), 0u) << "no second contact";

  // Linking again changes nothing; another contact's identity is refused whole.
  out.clear();
  EXPECT_TRUE(t.link_identities(tg.contact_id, {{"api-1", "crm-42"}}, 1300, out).is_ok());
  EXPECT_TRUE(out.empty());
  auto other =
      t.ingest(msg("tg", "2", "77", "someone else"), "q", routing::ChannelKind::kChat, 1400, out);
  out.clear();
  auto taken = t.link_identities(tg.contact_id, {{"api-1", "crm-43"}, {"tg", "77"}}, 1500, out);
  EXPECT_EQ(taken.status().code(), Code::kConflict);
  EXPECT_NE(taken.status().message().find(other.contact_id), std::string::npos)
      << taken.status().message();
  EXPECT_TRUE(out.empty()) << "nothing of a refused request is stored";
  EXPECT_EQ(t.contact(tg.contact_id)->identities.size(), 2u);
  EXPECT_EQ(t.link_identities("ct-999", {{"api-1", "x"}}, 1600, out).status().code(),
            Code::kNotFound);
  std::vector<proto::Identity> many;  // the contact has 2: 30 more fit, 31 do not
  for (int i = 0; i < 31; ++i) many.push_back({"api-1", "bulk-" + std::to_string(i)});
  EXPECT_EQ(t.link_identities(tg.contact_id, many, 1700, out).status().code(), Code::kConflict);
  EXPECT_TRUE(out.empty());
  many.pop_back();
  EXPECT_TRUE(t.link_identities(tg.contact_id, many, 1700, out).is_ok());
  EXPECT_EQ(t.contact(tg.contact_id)->identities.size(), kMaxIdentitiesPerContact);

  // After a restart the link holds: the stored records give the same threading.
  TenantState again("acme", {});
  std::vector<proto::Change> first;
  auto tg2 =
      again.ingest(msg("tg", "1", "42", "hi"), "q", routing::ChannelKind::kChat, 1000, first);
  ASSERT_TRUE(again.link_identities(tg2.contact_id, {{"api-1", "crm-42"}}, 1100, first).is_ok());
  TenantState restored("acme", {});
  replay(first, restored);
  EXPECT_EQ(restored.contact(tg2.contact_id), again.contact(tg2.contact_id));
  std::vector<proto::Change> later;
  auto via_api = restored.ingest(msg("api-1", "e-9", "crm-42", "after restart"), "q",
                                 routing::ChannelKind::kChat, 2000, later);
  EXPECT_EQ(via_api.conversation_id, tg2.conversation_id);
}

}  // namespace
}  // namespace sb::router

namespace sb::router {
namespace {

// The channel's automatic acknowledgement: one per new conversation, an "out"
// message without an author, queued for delivery; it is not a response.
// ?merge=true: the customer already wrote on two channels as two contacts.
// Once the other contact's conversations are resolved it is merged: its
// identities move, both records say so, its next message threads into the
// surviving contact's conversation, and a replay rebuilds the same.
TEST(TenantState, AContactThatAlreadyWroteIsMergedOnceItsConversationIsResolved) {
  TenantState t("acme", {});
  std::vector<proto::Change> all;
  add_auto_accepting_operator(t, "support", "olena", 5, all);
  std::vector<proto::Change> out;
  auto tg = t.ingest(msg("tg", "1", "42", "hi from telegram"), "support",
                     routing::ChannelKind::kChat, 1000, out);
  auto crm = t.ingest(msg("api-1", "e-1", "crm-7", "hi from the CRM"), "support",
                      routing::ChannelKind::kChat, 1100, out);
  ASSERT_NE(tg.contact_id, crm.contact_id);
  all.insert(all.end(), out.begin(), out.end());

  out.clear();
  auto open = t.link_identities(tg.contact_id, {{"api-1", "crm-7"}}, 1200, out, /*merge=*/true);
  EXPECT_EQ(open.status().code(), Code::kConflict);
  EXPECT_NE(open.status().message().find(crm.conversation_id), std::string::npos)
      << open.status().message();
  EXPECT_TRUE(out.empty());

  ASSERT_TRUE(t.route(1300, out, [&](auto& d, auto& o) {
                 return d.resolve(crm.conversation_id, "olena", 1300, o);
               }).is_ok());
  auto merged = t.link_identities(tg.contact_id, {{"api-1", "crm-7"}}, 1400, out, /*merge=*/true);
  ASSERT_TRUE(merged.is_ok()) << merged.status().message();
  EXPECT_EQ(merged->identities, (std::vector<proto::Identity>{{"tg", "42"}, {"api-1", "crm-7"}}));
  EXPECT_EQ(merged->merged_from, std::vector<std::string>{crm.contact_id});
  const auto gone = t.contact(crm.contact_id);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->merged_into, tg.contact_id);
  EXPECT_TRUE(gone->identities.empty());
  EXPECT_EQ(t.contact_of("api-1", "crm-7"), tg.contact_id);
  all.insert(all.end(), out.begin(), out.end());

  out.clear();
  auto next = t.ingest(msg("api-1", "e-2", "crm-7", "me again"), "support",
                       routing::ChannelKind::kChat, 1500, out);
  EXPECT_EQ(next.contact_id, tg.contact_id);
  EXPECT_EQ(next.conversation_id, tg.conversation_id);
  all.insert(all.end(), out.begin(), out.end());

  // A contact merged away takes no merge and no new identity; nothing of a
  // refused request is stored.
  out.clear();
  auto third = t.ingest(msg("tg", "3", "77", "someone else"), "support",
                        routing::ChannelKind::kChat, 1600, out);
  out.clear();
  ASSERT_TRUE(t.route(1650, out, [&](auto& d, auto& o) {
                 return d.resolve(third.conversation_id, "olena", 1650, o);
               }).is_ok());
  out.clear();
  for (const auto& refused : {t.link_identities(crm.contact_id, {{"tg", "77"}}, 1700, out, true),
                              t.link_identities(crm.contact_id, {{"api-1", "crm-8"}}, 1700, out)}) {
    EXPECT_EQ(refused.status().code(), Code::kConflict);
    EXPECT_NE(refused.status().message().find("was merged into " + tg.contact_id),
              std::string::npos)
        << refused.status().message();
  }
  EXPECT_TRUE(out.empty());

  TenantState b("acme", {});
  replay(all, b);
  EXPECT_EQ(b.contact(tg.contact_id), t.contact(tg.contact_id));
  EXPECT_EQ(b.contact(crm.contact_id), t.contact(crm.contact_id));
  EXPECT_EQ(b.contact_of("api-1", "crm-7"), tg.contact_id);
}

TEST(TenantState, ANewConversationIsAcknowledgedOnceWhenTheChannelSaysSo) {
  TenantState t("acme", {});
  std::vector<proto::Change> out;
  const std::string ack = "Thanks! An operator will answer shortly.";
  const auto first =
      t.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat, 1000, out, ack);
  ASSERT_EQ(count<proto::OutboxItem>(out), 1u);
  const auto& item = *std::find_if(out.begin(), out.end(), [](const auto& c) {
    return std::holds_alternative<proto::OutboxItem>(c);
  });
  EXPECT_EQ(std::get<proto::OutboxItem>(item).text, ack);
  EXPECT_EQ(std::get<proto::OutboxItem>(item).reply_address, "42");
  const auto conv = t.conversation(first.conversation_id);
  EXPECT_EQ(conv->first_response_at, 0) << "an acknowledgement is not a response";
  EXPECT_EQ(conv->message_count, 2u);
  EXPECT_EQ(t.outbound_pending("tg"), 1u);
  bool authorless_out = false;
  for (const auto& c : out) {
    if (const auto* m = std::get_if<proto::Message>(&c)) {
      authorless_out =
          authorless_out || (m->direction == proto::Direction::kOut && m->author.empty());
    }
  }
  EXPECT_TRUE(authorless_out);

  std::vector<proto::Change> more;
  t.ingest(msg("tg", "2", "42", "hello?"), "support", routing::ChannelKind::kChat, 2000, more, ack);
  EXPECT_EQ(count<proto::OutboxItem>(more), 0u) << "a follow-up in the open conversation";
  std::vector<proto::Change> quiet;
  t.ingest(msg("tg", "3", "43", "hi"), "support", routing::ChannelKind::kChat, 2000, quiet);
  EXPECT_EQ(count<proto::OutboxItem>(quiet), 0u) << "a channel without auto_reply";
}

TEST(TenantState, AcknowledgementsLeaveHalfTheReplyBudgetToOperators) {
  TenantOptions o;
  o.max_pending_outbound_per_channel = 4;
  TenantState t("acme", o);
  std::vector<proto::Change> out;
  for (int i = 0; i < 5; ++i) {
    t.ingest(msg("tg", std::to_string(i), std::to_string(40 + i), "hi"), "support",
             routing::ChannelKind::kChat, 1000, out, "ack");
  }
  EXPECT_EQ(count<proto::OutboxItem>(out), 2u);
  EXPECT_EQ(t.outbound_pending("tg"), 2u) << "two acknowledgements, two slots left for replies";
}

TEST(TenantState, AcknowledgementsAreSkippedWhenTheChannelsRepliesPileUp) {
  TenantOptions o;
  o.max_pending_outbound_per_channel = 1;
  TenantState t("acme", o);
  std::vector<proto::Change> out;
  t.ingest(msg("tg", "1", "42", "hi"), "support", routing::ChannelKind::kChat, 1000, out, "ack");
  std::vector<proto::Change> second;
  const auto r = t.ingest(msg("tg", "2", "43", "hi"), "support", routing::ChannelKind::kChat, 1000,
                          second, "ack");
  EXPECT_EQ(r.kind, IngestOutcome::Kind::kStored) << "the customer's message is still taken";
  EXPECT_EQ(count<proto::OutboxItem>(second), 0u);
  EXPECT_EQ(t.outbound_pending("tg"), 1u);
}

}  // namespace
}  // namespace sb::router

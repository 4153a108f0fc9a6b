// The routing engine over HTTP against the real binary: offers go to online
// operators with a free slot, one at a time; accepting makes the owner;
// freed capacity pulls the waiting conversation at once; a pending offer
// survives a daemon restart with its deadline; tokens are scoped.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/e2e/telegram_payloads.h"
#include "tests/support/daemon_process.h"
#include "tests/support/json_peek.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

constexpr const char* kSecret = "routing-secret-0123456789";

class RoutingE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    ASSERT_EQ(daemon_
                  .put("/v1/channels/tg",
                       R"({"type":"telegram","secret":")" + std::string(kSecret) +
                           R"(","queue":"support"})",
                       daemon_.admin())
                  .status,
              200);
    auto q = daemon_.put("/v1/queues/support", R"({"skills":["uk"],"offer_timeout_s":30})",
                         daemon_.admin());
    ASSERT_EQ(q.status, 200) << q.body;
    olena_ = add_operator(
        "olena",
        R"({"name":"Olena","skills":["uk","billing"],"queues":["support"],"capacity":{"chat":1,"email":5}})");
    taras_ = add_operator(
        "taras", R"({"name":"Taras","skills":["uk"],"queues":["support"],"capacity":{"chat":1}})");
  }

  std::string add_operator(const std::string& id, const std::string& body) {
    auto r = daemon_.put("/v1/operators/" + id, body, daemon_.admin());
    EXPECT_EQ(r.status, 200) << r.body;
    auto token = json_peek(r.body, "token");
    EXPECT_GE(token.size(), 40u) << r.body;
    return token;
  }

  static Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  HttpResult set_status(const std::string& token, const std::string& status) {
    return daemon_.put("/v1/me/status", R"({"status":")" + status + R"("})", bearer(token));
  }

  // A customer writes; returns the conversation id.
  std::string customer_writes(std::int64_t update_id, std::int64_t user) {
    auto r = daemon_.post("/webhooks/demo/tg", telegram_text_update(update_id, user, "help"),
                          {{"X-Telegram-Bot-Api-Secret-Token", kSecret}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json_peek(r.body, "conversation");
  }

  HttpResult conversation(const std::string& id) {
    return daemon_.get("/v1/conversations/" + id, daemon_.admin());
  }

  // The contact id in a conversation's view.
  std::string contact_of(const std::string& conversation_id) {
    const auto view = conversation(conversation_id).body;
    const auto contact = json_peek(view, "id", view.find("\"contact\""));
    EXPECT_FALSE(contact.empty()) << view;
    return contact;
  }

  // An api channel "crm", as a CRM feeding POST /v1/events would use.
  void add_crm_channel() {
    ASSERT_EQ(
        daemon_.put("/v1/channels/crm", R"({"type":"api","secret":"crm-secret"})", daemon_.admin())
            .status,
        200);
  }

  HttpResult act(const std::string& id, const std::string& action, const std::string& token,
                 const std::string& body = "{}") {
    return daemon_.post("/v1/conversations/" + id + "/" + action, body, bearer(token));
  }

  const std::string& token_of(const std::string& op) { return op == "olena" ? olena_ : taras_; }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path()};
  std::string olena_, taras_;
};

TEST_F(RoutingE2E, OfferAcceptCapacityWaitingAndFreedCapacity) {
  // Nobody online: the conversation waits.
  const auto c1 = customer_writes(1, 101);
  ASSERT_FALSE(c1.empty());
  EXPECT_EQ(json_peek(conversation(c1).body, "status"), "queued");

  // An operator coming online pulls it at once.
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  auto v = conversation(c1);
  EXPECT_EQ(json_peek(v.body, "status"), "offered");
  EXPECT_EQ(json_peek(v.body, "offered_to"), "olena");
  EXPECT_FALSE(json_peek(v.body, "offer_expires_at").empty());

  // Only the holder of the offer may accept it.
  ASSERT_EQ(set_status(taras_, "online").status, 200);
  EXPECT_EQ(act(c1, "accept", taras_).status, 409);
  auto accepted = act(c1, "accept", olena_);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(json_peek(accepted.body, "status"), "assigned");
  EXPECT_EQ(json_peek(accepted.body, "operator"), "olena");

  // Olena is full (chat capacity 1): the next goes to Taras; the third waits.
  const auto c2 = customer_writes(2, 102);
  EXPECT_EQ(json_peek(conversation(c2).body, "offered_to"), "taras");
  ASSERT_EQ(act(c2, "accept", taras_).status, 200);
  const auto c3 = customer_writes(3, 103);
  EXPECT_EQ(json_peek(conversation(c3).body, "status"), "queued");

  // A retry of the same update makes no second conversation or offer.
  EXPECT_EQ(customer_writes(3, 103), "");

  // Resolving frees the slot and the waiting conversation is offered at once.
  EXPECT_EQ(act(c1, "resolve", taras_).status, 409) << "only the owner (or an admin) resolves";
  ASSERT_EQ(act(c1, "resolve", olena_).status, 200);
  EXPECT_EQ(json_peek(conversation(c1).body, "status"), "resolved");
  EXPECT_EQ(json_peek(conversation(c3).body, "offered_to"), "olena");

  // Decline: the offer moves on (Taras is full, so it waits again).
  ASSERT_EQ(act(c3, "decline", olena_).status, 200);
  EXPECT_EQ(json_peek(conversation(c3).body, "status"), "queued");

  // Taras resolving frees his slot: the waiting conversation is his at once.
  ASSERT_EQ(act(c2, "resolve", taras_).status, 200);
  EXPECT_EQ(json_peek(conversation(c3).body, "offered_to"), "taras");
  ASSERT_EQ(act(c3, "accept", taras_).status, 200);

  // The owner transfers it to a named colleague, who gets the offer.
  const auto mykola =
      add_operator("mykola", R"({"skills":["uk"],"queues":["support"],"capacity":{"chat":2}})");
  ASSERT_EQ(set_status(mykola, "online").status, 200);
  EXPECT_EQ(act(c3, "transfer", olena_, R"({"operator":"mykola"})").status, 409)
      << "only the owner or an admin transfers";
  auto moved = act(c3, "transfer", taras_, R"({"operator":"mykola"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(json_peek(conversation(c3).body, "offered_to"), "mykola");
  EXPECT_EQ(json_peek(conversation(c3).body, "operator"), "");
}

TEST_F(RoutingE2E, PendingOfferSurvivesRestartWithItsDeadline) {
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  const auto c1 = customer_writes(10, 201);
  auto before = conversation(c1);
  ASSERT_EQ(json_peek(before.body, "status"), "offered");
  const auto deadline = json_peek(before.body, "offer_expires_at");

  daemon_.kill9();
  daemon_.start();
  auto after = conversation(c1);
  EXPECT_EQ(json_peek(after.body, "status"), "offered");
  EXPECT_EQ(json_peek(after.body, "offered_to"), "olena");
  EXPECT_EQ(json_peek(after.body, "offer_expires_at"), deadline);
  auto ok = act(c1, "accept", olena_);
  ASSERT_EQ(ok.status, 200) << ok.body << "\n" << daemon_.log();
  // Tokens, queues and operators survived the restart too.
  auto ops = daemon_.get("/v1/operators", daemon_.admin());
  EXPECT_NE(ops.body.find(R"("id":"taras")"), std::string::npos);
}

TEST_F(RoutingE2E, AnExpiredOfferMovesToTheNextOperator) {
  ASSERT_EQ(
      daemon_.put("/v1/queues/support", R"({"skills":["uk"],"offer_timeout_s":1})", daemon_.admin())
          .status,
      200);
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  const auto c1 = customer_writes(20, 301);
  ASSERT_EQ(json_peek(conversation(c1).body, "offered_to"), "olena");
  ASSERT_EQ(set_status(taras_, "online").status, 200);
  // Wait (bounded) for the 1 s offer to expire; the daemon's own timer re-routes it.
  std::string holder;
  for (int i = 0; i < 100 && holder != "taras"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    holder = json_peek(conversation(c1).body, "offered_to");
  }
  EXPECT_EQ(holder, "taras");
  EXPECT_EQ(act(c1, "accept", olena_).status, 409) << "an expired offer cannot be accepted";
}

TEST_F(RoutingE2E, VipCustomersGoToTheVipQueueByTheirAttributes) {
  ASSERT_EQ(daemon_
                .put("/v1/queues/vip", R"({"priority":10,"select":{"attributes":{"vip":"true"}}})",
                     daemon_.admin())
                .status,
            200);
  ASSERT_EQ(daemon_
                .put("/v1/operators/olena",
                     R"({"skills":["uk"],"queues":["support","vip"],"capacity":{"chat":3}})",
                     daemon_.admin())
                .status,
            200);
  const auto first = customer_writes(60, 601);
  ASSERT_EQ(json_peek(conversation(first).body, "queue"), "support");
  const auto view = conversation(first).body;
  const auto contact = json_peek(view, "id", view.find("\"contact\""));
  ASSERT_FALSE(contact.empty());
  auto put = daemon_.put("/v1/contacts/" + contact,
                         R"({"phone":"+380501234567","custom":{"vip":"true"}})", daemon_.admin());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json_peek(put.body, "phone"), "+380501234567");
  // The customer's next conversation (here: reopened after a resolve) is
  // routed by the queues' selection rules, which now see the attribute.
  ASSERT_EQ(daemon_.post("/v1/conversations/" + first + "/resolve", "{}", daemon_.admin()).status,
            200);
  customer_writes(61, 601);
  EXPECT_EQ(json_peek(conversation(first).body, "queue"), "vip");
  EXPECT_EQ(daemon_.put("/v1/contacts/" + contact, R"({"custom":{"bad key":"x"}})", daemon_.admin())
                .status,
            400);
  EXPECT_EQ(daemon_.put("/v1/contacts/nobody", R"({"name":"x"})", daemon_.admin()).status, 404);
}

// PUT /v1/contacts/{id}/identities: the customer who wrote on Telegram is
// the same one the CRM knows; its api-channel events thread into the same
// conversation, before and after a kill -9.
TEST_F(RoutingE2E, LinkedIdentitiesThreadAcrossChannels) {
  add_crm_channel();
  const auto conv = customer_writes(70, 701);
  const auto contact = contact_of(conv);
  ASSERT_FALSE(contact.empty());
  const std::string link = R"({"identities":[{"channel":"crm","external_id":"crm-701"}]})";
  auto linked = daemon_.put("/v1/contacts/" + contact + "/identities", link, daemon_.admin());
  ASSERT_EQ(linked.status, 200) << linked.body;
  EXPECT_NE(linked.body.find(R"({"channel":"tg","external_id":"701"})"), std::string::npos)
      << linked.body;
  EXPECT_NE(linked.body.find(R"({"channel":"crm","external_id":"crm-701"})"), std::string::npos)
      << linked.body;
  EXPECT_EQ(daemon_.put("/v1/contacts/" + contact + "/identities", link, daemon_.admin()).status,
            200)
      << "linking again is a no-op";

  auto event = [&](const std::string& id) {
    return daemon_.post(
        "/v1/events",
        R"({"channel":"crm","event_id":")" + id +
            R"(","contact":{"external_id":"crm-701"},"text":"same customer, from the CRM"})",
        daemon_.admin());
  };
  auto r = event("e-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_peek(r.body, "conversation"), conv);
  EXPECT_EQ(json_peek(r.body, "contact"), contact);

  // Another customer's identity is refused, and so is a bad body or an unknown contact.
  customer_writes(71, 702);
  auto taken =
      daemon_.put("/v1/contacts/" + contact + "/identities",
                  R"({"identities":[{"channel":"tg","external_id":"702"}]})", daemon_.admin());
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(json_peek(taken.body, "code"), "conflict");
  EXPECT_EQ(
      daemon_
          .put("/v1/contacts/" + contact + "/identities", R"({"identities":[]})", daemon_.admin())
          .status,
      400);
  EXPECT_EQ(
      daemon_
          .put("/v1/contacts/" + contact + "/identities",
               R"({"identities":[{"channel":"bad name","external_id":"x"}]})", daemon_.admin())
          .status,
      400);
  EXPECT_EQ(daemon_.put("/v1/contacts/ct-99999/identities", link, daemon_.admin()).status, 404);
  EXPECT_EQ(daemon_
                .put("/v1/contacts/" + contact + "/identities",
                     R"({"identities":[{"channel":"viber","external_id":"x"}]})", daemon_.admin())
                .status,
            404)
      << "only channels the tenant has";
  EXPECT_EQ(daemon_.put("/v1/contacts/" + contact + "/identities", link, bearer(taras_)).status,
            403)
      << "linking is for admins";

  daemon_.kill9();
  daemon_.start();
  auto after = event("e-2");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(json_peek(after.body, "conversation"), conv);
  auto c = daemon_.get("/v1/contacts/" + contact, daemon_.admin());
  EXPECT_NE(c.body.find(R"({"channel":"crm","external_id":"crm-701"})"), std::string::npos)
      << c.body;
}

// ?merge=true: the customer wrote on Telegram and, as another contact, from
// the CRM. Once the CRM contact's conversation is resolved it is merged: its
// identity moves, the timeline shows both histories, and its next event
// threads into the Telegram conversation; all of it survives a kill -9.
TEST_F(RoutingE2E, AContactThatAlreadyWroteIsMergedWithItsHistory) {
  add_crm_channel();
  const auto conv = customer_writes(80, 801);
  const auto contact = contact_of(conv);
  ASSERT_FALSE(contact.empty());
  auto event = [&](const std::string& id, const std::string& text) {
    return daemon_.post("/v1/events",
                        R"({"channel":"crm","event_id":")" + id +
                            R"(","contact":{"external_id":"crm-801"},"text":")" + text + R"("})",
                        daemon_.admin());
  };
  auto crm = event("m-1", "order 1234 is late");
  ASSERT_EQ(crm.status, 200) << crm.body;
  const auto other = json_peek(crm.body, "contact");
  const auto other_conv = json_peek(crm.body, "conversation");
  ASSERT_NE(other, contact);

  const std::string link = R"({"identities":[{"channel":"crm","external_id":"crm-801"}]})";
  const std::string path = "/v1/contacts/" + contact + "/identities";
  EXPECT_EQ(daemon_.put(path, link, daemon_.admin()).status, 409) << "no merge unless asked";
  auto open = daemon_.put(path + "?merge=true", link, daemon_.admin());
  EXPECT_EQ(open.status, 409) << open.body;
  EXPECT_NE(open.body.find(other_conv), std::string::npos)
      << "its conversation is still open: " << open.body;
  EXPECT_EQ(daemon_.put(path + "?merge=maybe", link, daemon_.admin()).status, 400);
  ASSERT_EQ(
      daemon_.post("/v1/conversations/" + other_conv + "/resolve", "{}", daemon_.admin()).status,
      200);

  auto merged = daemon_.put(path + "?merge=true", link, daemon_.admin());
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_NE(merged.body.find(R"("merged_from":[")" + other + "\"]"), std::string::npos)
      << merged.body;
  EXPECT_NE(merged.body.find(R"({"channel":"crm","external_id":"crm-801"})"), std::string::npos)
      << merged.body;
  auto timeline = [&] {
    return daemon_.get("/v1/contacts/" + contact + "/timeline?limit=500", daemon_.admin()).body;
  };
  EXPECT_NE(timeline().find("order 1234 is late"), std::string::npos)
      << "the merged contact's history";
  auto next = event("m-2", "any news?");
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(json_peek(next.body, "contact"), contact);
  EXPECT_EQ(json_peek(next.body, "conversation"), conv);

  daemon_.kill9();
  daemon_.start();
  auto gone = daemon_.get("/v1/contacts/" + other, daemon_.admin());
  ASSERT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(json_peek(gone.body, "merged_into"), contact) << gone.body;
  const auto history = timeline();
  EXPECT_NE(history.find("order 1234 is late"), std::string::npos) << history;
  ASSERT_NE(history.find("any news?"), std::string::npos) << history;
  EXPECT_LT(history.find("order 1234 is late"), history.find("any news?"))
      << "one timeline, in seq order";
  auto after = event("m-3", "still there?");
  EXPECT_EQ(json_peek(after.body, "conversation"), conv);
}

// docs/api.md, "Offboarding an operator", step by step: its conversation is
// transferred away, then its queues, capacity and tokens go; it is offered
// nothing more and its old token is refused, also after a restart.
TEST_F(RoutingE2E, AnOperatorIsOffboardedAsDocumented) {
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  const auto c1 = customer_writes(90, 901);
  ASSERT_EQ(act(c1, "accept", olena_).status, 200);
  const std::string out_of_service =
      R"({"name":"Olena","queues":[],"capacity":{"chat":0,"email":0}})";
  EXPECT_EQ(
      daemon_.put("/v1/operators/olena?rotate_token=true", out_of_service, daemon_.admin()).status,
      409)
      << "she still owns a conversation";
  auto moved = daemon_.post("/v1/conversations/" + c1 + "/transfer", R"({"queue":"support"})",
                            daemon_.admin());
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto off = daemon_.put("/v1/operators/olena?rotate_token=true", out_of_service, daemon_.admin());
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(daemon_.get("/v1/conversations", bearer(olena_)).status, 401)
      << "the old token is revoked";

  const auto c2 = customer_writes(91, 902);
  for (const auto& c : {c1, c2}) {
    EXPECT_NE(json_peek(conversation(c).body, "offered_to"), "olena")
        << c << ": nothing is offered to her";
  }
  daemon_.kill9();
  daemon_.start();
  EXPECT_EQ(daemon_.get("/v1/conversations", bearer(olena_)).status, 401)
      << "still revoked after a restart";
  auto listed = daemon_.get("/v1/operators", daemon_.admin());
  EXPECT_NE(listed.body.find(R"("id":"olena")"), std::string::npos) << "she stays listed";
}

TEST_F(RoutingE2E, ListingConversationsFiltersAndPages) {
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  const auto c1 = customer_writes(40, 501);  // offered to olena
  const auto c2 = customer_writes(41, 502);  // olena is full: waits
  const auto c3 = customer_writes(42, 503);  // waits
  auto all = daemon_.get("/v1/conversations", daemon_.admin());
  ASSERT_EQ(all.status, 200) << all.body;
  // Newest first.
  EXPECT_LT(all.body.find(c3), all.body.find(c2));
  EXPECT_LT(all.body.find(c2), all.body.find(c1));
  auto queued = daemon_.get("/v1/conversations?status=queued", daemon_.admin());
  EXPECT_EQ(queued.body.find(c1), std::string::npos);
  EXPECT_NE(queued.body.find(c2), std::string::npos);
  // An operator lists only its own.
  auto mine = daemon_.get("/v1/conversations", bearer(olena_));
  EXPECT_NE(mine.body.find(c1), std::string::npos);
  EXPECT_EQ(mine.body.find(c2), std::string::npos);
  // Pages.
  auto page1 = daemon_.get("/v1/conversations?limit=2", daemon_.admin());
  const auto cursor = json_peek(page1.body, "next_cursor");
  ASSERT_FALSE(cursor.empty()) << page1.body;
  auto page2 = daemon_.get("/v1/conversations?limit=2&cursor=" + cursor, daemon_.admin());
  EXPECT_NE(page2.body.find(c1), std::string::npos);
  EXPECT_EQ(page2.body.find(c3), std::string::npos);
  EXPECT_EQ(daemon_.get("/v1/conversations?limit=9999", daemon_.admin()).status, 400);
  EXPECT_EQ(daemon_.get("/v1/conversations?status=sleeping", daemon_.admin()).status, 400);
  // Empty parameters, as the contract's route template writes them, are absent ones.
  auto empty = daemon_.get("/v1/conversations?status=&queue=&operator=&contact=&cursor=&limit=",
                           daemon_.admin());
  ASSERT_EQ(empty.status, 200) << empty.body;
  for (const auto& c : {c1, c2, c3}) EXPECT_NE(empty.body.find(c), std::string::npos) << c;
}

TEST_F(RoutingE2E, TokensAreScopedToTheirOperatorAndTenant) {
  ASSERT_EQ(set_status(olena_, "online").status, 200);
  const auto c1 = customer_writes(30, 401);
  EXPECT_EQ(daemon_.get("/v1/conversations/" + c1, bearer(olena_)).status, 200);
  EXPECT_EQ(daemon_.get("/v1/conversations/" + c1, bearer(taras_)).status, 404);
  EXPECT_EQ(daemon_.put("/v1/queues/x", "{}", bearer(olena_)).status, 403);
  EXPECT_EQ(daemon_.put("/v1/channels/x", R"({"type":"api"})", bearer(olena_)).status, 403);
  EXPECT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", daemon_.admin()).status, 403);
  EXPECT_EQ(daemon_.put("/v1/me/status", R"({"status":"sleeping"})", bearer(olena_)).status, 400);
  EXPECT_EQ(daemon_.put("/v1/me/status", R"({"status":"online"})", bearer("forged")).status, 401);
  // Re-PUT of an operator keeps its token (none is returned); rotation replaces it.
  auto again = daemon_.put("/v1/operators/olena",
                           R"({"queues":["support"],"skills":["uk"],"capacity":{"chat":2}})",
                           daemon_.admin());
  ASSERT_EQ(again.status, 200);
  EXPECT_NE(again.body.find(R"("token":null)"), std::string::npos);
  EXPECT_EQ(set_status(olena_, "online").status, 200);
  auto rotated = daemon_.put("/v1/operators/olena?rotate_token=true",
                             R"({"queues":["support"],"skills":["uk"],"capacity":{"chat":2}})",
                             daemon_.admin());
  const auto fresh = json_peek(rotated.body, "token");
  ASSERT_FALSE(fresh.empty());
  EXPECT_EQ(set_status(olena_, "online").status, 401) << "the old token is revoked";
  EXPECT_EQ(set_status(fresh, "online").status, 200);
  daemon_.kill9();
  daemon_.start();
  EXPECT_EQ(set_status(olena_, "online").status, 401) << "and stays revoked after a restart";
  EXPECT_EQ(set_status(fresh, "online").status, 200);
}

}  // namespace
}  // namespace sb::test

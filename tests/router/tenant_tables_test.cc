#include "router/tenant_tables.h"

#include <gtest/gtest.h>

#include "proto/ids.h"

namespace sb::router {
namespace {

TEST(SeqOfId, ReadsExactlyWhatMakeIdWrites) {
  for (std::uint64_t seq :
       {std::uint64_t{1}, std::uint64_t{9}, std::uint64_t{10}, std::uint64_t{42},
        std::uint64_t{1234567890123}, std::uint64_t{UINT64_MAX}}) {
    EXPECT_EQ(seq_of_id(proto::make_id("cv", seq), "cv"), seq);
    EXPECT_EQ(seq_of_id(proto::make_id("cv", seq), "ct"), 0u);
  }
  for (const char* junk : {"", "cv", "cv-", "cv-0", "cv-01", "cv-1x", "cv--1", "cv-+1", "cv_1",
                           "xcv-1", "cv-18446744073709551616", "cv-99999999999999999999"}) {
    EXPECT_EQ(seq_of_id(junk, "cv"), 0u) << junk;
  }
}

TEST(NameTable, InternsOnceAndKeepsEmptyAsZero) {
  NameTable names;
  EXPECT_EQ(names.intern(""), 0u);
  const auto a = names.intern("support");
  const auto b = names.intern("billing");
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(names.intern(std::string("support")), a);
  EXPECT_EQ(names.name(a), "support");
  EXPECT_EQ(names.find("billing"), b);
  EXPECT_EQ(names.find("nobody"), NameTable::kNotFound);
  EXPECT_EQ(names.find(""), 0u);
  // Views in the index stay valid as the table grows.
  for (int i = 0; i < 1000; ++i) names.intern("op-" + std::to_string(i));
  EXPECT_EQ(names.find("support"), a);
  EXPECT_EQ(names.name(names.find("op-999")), "op-999");
}

proto::Conversation sample_conversation() {
  proto::Conversation c;
  c.id = "cv-7";
  c.contact_id = "ct-3";
  c.channel = "tg";
  c.reply_address = "411122334";
  c.queue = "support";
  c.status = proto::ConversationStatus::kAssigned;
  c.operator_id = "olena";
  c.offered_to = "";
  c.offer_expires_at = 0;
  c.last_operator = "olena";
  c.resolved_at = 0;
  c.created_at = 1763877600000;
  c.updated_at = 1763877601000;
  c.first_response_at = 1763877602000;
  c.first_response_due_at = 1763877660000;
  c.sla_stage = proto::SlaStage::kBreached;
  c.message_count = 5;
  return c;
}

TEST(ConversationTable, RoundTripsEveryField) {
  NameTable names;
  ConversationTable table(names);
  auto c = sample_conversation();
  ASSERT_TRUE(table.put(c));
  EXPECT_EQ(table.get("cv-7"), c);
  c.status = proto::ConversationStatus::kOffered;
  c.operator_id.clear();
  c.offered_to = "taras";
  c.offer_expires_at = 1763877630000;
  ASSERT_TRUE(table.put(c));  // replaces
  EXPECT_EQ(table.get(7), c);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_FALSE(table.get("cv-8"));
  EXPECT_FALSE(table.get("cv-07"));
}

TEST(ConversationTable, RefusesIdsItDoesNotMint) {
  NameTable names;
  ConversationTable table(names);
  auto c = sample_conversation();
  c.id = "conversation-7";
  EXPECT_FALSE(table.put(c));
  c.id = "cv-7";
  c.contact_id = "someone";
  EXPECT_FALSE(table.put(c));
  EXPECT_EQ(table.size(), 0u);
}

TEST(ContactTable, KeepsRareAttributesAndMoreIdentities) {
  NameTable names;
  ContactTable table(names);
  proto::Contact plain;
  plain.id = "ct-1";
  plain.name = "Ivan";
  plain.identities = {{"tg", "411122334"}};
  plain.created_at = 1763877600000;
  ASSERT_TRUE(table.put(plain));
  EXPECT_EQ(table.get("ct-1"), plain);
  EXPECT_EQ(table.find("ct-1")->extras, nullptr);

  proto::Contact rich = plain;
  rich.phone = "+380501234567";
  rich.email = "ivan@example.com";
  rich.status = "customer";
  rich.custom = {{"plan", "gold"}, {"tier", "1"}};
  rich.identities.push_back({"viber", "01234567890A="});
  ASSERT_TRUE(table.put(rich));
  EXPECT_EQ(table.get("ct-1"), rich);
  ASSERT_TRUE(table.put(plain));  // back to plain: the extras go away
  EXPECT_EQ(table.get("ct-1"), plain);
  EXPECT_EQ(table.find("ct-1")->extras, nullptr);

  proto::Contact none;
  none.id = "ct-2";
  ASSERT_TRUE(table.put(none));
  EXPECT_EQ(table.get(2), none);
  none.id = "c-2";
  EXPECT_FALSE(table.put(none));
}

TEST(ContactTable, PutKeepsTheLatestConversation) {
  NameTable names;
  ContactTable table(names);
  table.find_or_create("ct-4")->latest_conversation = 9;
  proto::Contact c;
  c.id = "ct-4";
  c.name = "Olha";
  ASSERT_TRUE(table.put(c));
  EXPECT_EQ(table.find("ct-4")->latest_conversation, 9u);
  EXPECT_EQ(table.find_or_create("nope"), nullptr);
}

TEST(ContactTable, IdentitiesAreExactKeys) {
  NameTable names;
  ContactTable table(names);
  EXPECT_EQ(table.contact_of("tg", "42"), 0u);  // channel never seen
  ASSERT_TRUE(table.link("tg", "42", "ct-5"));
  ASSERT_TRUE(table.link("tg", "4", "ct-6"));
  ASSERT_TRUE(table.link("viber", "42", "ct-7"));
  // An external id long enough to leave std::string's inline buffer.
  ASSERT_TRUE(table.link("tg", std::string(100, 'x'), "ct-8"));
  EXPECT_FALSE(table.link("tg", "43", "contact-9"));
  EXPECT_EQ(table.contact_of("tg", "42"), 5u);
  EXPECT_EQ(table.contact_of("tg", "4"), 6u);
  EXPECT_EQ(table.contact_of("viber", "42"), 7u);
  EXPECT_EQ(table.contact_of("tg", std::string(100, 'x')), 8u);
  EXPECT_EQ(table.contact_of("tg", "420"), 0u);
  EXPECT_EQ(table.contact_of("tg", "43"), 0u);
  EXPECT_EQ(table.contact_of("viber", "4"), 0u);
}

}  // namespace
}  // namespace sb::router

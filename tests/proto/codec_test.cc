#include "proto/codec.h"

#include <gtest/gtest.h>

#include "proto/json_writer.h"
#include "proto/views.h"

namespace sb::proto {
namespace {

InboundEvent sample_event() {
  InboundEvent e;
  e.channel = "tg";
  e.event_id = "838510741";
  e.kind = EventKind::kEdit;
  e.contact_external_id = "411122334";
  e.contact_name = "Олена \"K\"\n";
  e.reply_address = "411122334";
  e.platform_message_id = "1043";
  e.text = "line1\nline2\t\\ \x01 end";
  e.attachments.push_back({"photo", "AgAC", "", "", 84210});
  e.attachments.push_back({"document", "BQAC", "a.pdf", "application/pdf", 1});
  e.platform_ts = 1763877600000;
  e.received_ts = 1763877600123;
  return e;
}

TEST(Codec, InboundEventRoundTrip) {
  const auto e = sample_event();
  auto back = decode_inbound_event(encode(e));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, e);
}

// Waiting in its queue: nobody offered, assigned or answering yet.
Conversation queued_conversation() {
  Conversation c;
  c.id = "cv-2";
  c.contact_id = "ct-1";
  c.channel = "tg";
  c.reply_address = "411122334";
  c.queue = "support";
  c.created_at = 1763877600000;
  c.updated_at = 1763877600500;
  c.message_count = 3;
  return c;
}

TEST(Codec, ConversationRoundTrip) {
  Conversation c = queued_conversation();
  c.status = ConversationStatus::kOffered;
  c.operator_id = "olena";
  c.offered_to = "taras";
  c.offer_expires_at = 99;
  c.last_operator = "olena";
  c.resolved_at = 5;
  c.created_at = 1;
  c.updated_at = 2;
  c.first_response_at = 3;
  c.message_count = 7;
  auto back = decode_conversation(encode(c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, c);
  // With a first-response target and the SLA stage it reached.
  c.first_response_due_at = 120001;
  c.sla_stage = SlaStage::kWarned;
  back = decode_conversation(encode(c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(decode_conversation(R"({"id":"cv-2","sla_stage":"late"})").status().code(),
            Code::kInvalidArgument);
}

// A queued conversation's record (rewritten on each of its messages) leaves
// out the fields still at their default, and reads back the same.
TEST(Codec, ConversationRecordLeavesDefaultsOut) {
  const Conversation c = queued_conversation();
  const auto json = encode(c);
  for (const char* absent :
       {"operator", "offered_to", "offer_expires_at", "last_operator", "resolved_at",
        "first_response_at", "first_response_due_at", "sla_stage"}) {
    EXPECT_EQ(json.find(std::string("\"") + absent + "\""), std::string::npos)
        << absent << " in " << json;
  }
  auto back = decode_conversation(json);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, c);
}

TEST(Codec, ContactRoundTrip) {
  Contact c;
  c.id = "ct-1";
  c.name = "Ivan";
  c.phone = "+380501234567";
  c.status = "customer";
  c.custom = {{"plan", "gold"}, {"vip", "true"}};
  c.identities = {{"tg", "42"}, {"viber", "abc=="}};
  c.created_at = 99;
  auto back = decode_contact(encode(c));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, c);
  c.merged_from = {"ct-7", "ct-9"};
  auto merged = decode_contact(encode(c));
  ASSERT_TRUE(merged.is_ok());
  EXPECT_EQ(*merged, c);
  Contact away;
  away.id = "ct-7";
  away.merged_into = "ct-1";
  auto gone = decode_contact(encode(away));
  ASSERT_TRUE(gone.is_ok());
  EXPECT_EQ(*gone, away);
}

Message sample_message() {
  Message m;
  m.id = "m-3";
  m.seq = 3;
  m.conversation_id = "cv-2";
  m.direction = Direction::kNote;
  m.author = "olena";
  m.text = "@taras look";
  m.channel = "tg";
  m.event_id = "1";
  m.kind = EventKind::kEdit;
  m.edit_of = "1043";
  m.attachments.push_back({"voice", "AwAC", "", "audio/ogg", 5});
  m.created_at = 123;
  return m;
}

TEST(Codec, MessageRoundTrip) {
  const Message m = sample_message();
  auto back = decode_message(encode(m));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
}

// A frame of the event log embeds the message's public view; storage reads
// messages back from it (storage/db.cc), so every field the view carries must
// come back unchanged, with the frame's seq (event_id is not in the view).
TEST(Codec, MessageComesBackFromItsFrame) {
  Message m = sample_message();
  m.event_id.clear();
  m.text = "Олена \"K\"\nline2\t\\ \x01 end";
  m.attachments.push_back({"document", "BQAC", "a.pdf", "application/pdf", 1});
  m.created_at = 1763877600123;
  std::string frame;
  JsonWriter w(frame);
  w.begin_object().field("seq", m.seq).field("type", "message.created").field("at", "x");
  w.key("conversation").begin_object().field("id", "cv-7").end_object();
  w.key("message");
  write_public(w, m);
  w.end_object();
  auto back = decode_frame_message(frame);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
}

TEST(Codec, AFrameWithoutAMessageIsAnError) {
  EXPECT_FALSE(
      decode_frame_message(R"({"seq":5,"type":"conversation.created","conversation":{}})").is_ok());
  EXPECT_FALSE(decode_frame_message(R"({"seq":5,"message":{"created_at":"yesterday"}})").is_ok());
  EXPECT_FALSE(decode_frame_message(R"({"seq":5,"message":"text"})").is_ok());
  EXPECT_FALSE(decode_frame_message("{").is_ok());
}

TEST(Codec, ChannelConfigRoundTrip) {
  ChannelConfig c{"tg",  "telegram",           "sec", "vt", "support", "http://127.0.0.1:1",
                  "tok", "Thanks, we got it!", "1045"};
  auto back = decode_channel_config(encode(c));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, c);
}

TEST(Codec, RejectsInvalidInput) {
  EXPECT_FALSE(decode_conversation("").is_ok());
  EXPECT_FALSE(decode_conversation("{").is_ok());
  EXPECT_FALSE(decode_conversation(R"({"status":"sleeping"})").is_ok());
  EXPECT_FALSE(decode_conversation(R"({"message_count":-1})").is_ok());
  EXPECT_FALSE(decode_message(R"({"created_at":"yesterday"})").is_ok());
  EXPECT_FALSE(decode_message("{\"text\":\"\xc3\x28\"}").is_ok());   // invalid UTF-8
  EXPECT_FALSE(decode_contact(R"({"id":"a"} {"id":"b"})").is_ok());  // trailing document
  EXPECT_FALSE(decode_contact(std::string(100, '[') + std::string(100, ']')).is_ok());
}

TEST(Codec, UnknownFieldsAreIgnoredForForwardCompatibility) {
  auto c = decode_contact(R"({"id":"ct-1","future":{"x":[1,2,3]},"name":"N"})");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->name, "N");
}

}  // namespace
}  // namespace sb::proto

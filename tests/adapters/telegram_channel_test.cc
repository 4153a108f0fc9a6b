#include "adapters/telegram/telegram_channel.h"

#include <gtest/gtest.h>

#include "tests/adapters/fixtures.h"

namespace sb::adapters {
namespace {

using sb::test::fixture;

proto::InboundEvent only_event(const std::string& body) {
  auto r = parse_telegram_update(body);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r) return {};
  EXPECT_EQ(r->events.size(), 1u);
  return r->events.empty() ? proto::InboundEvent{} : r->events.front();
}

TEST(TelegramParse, TextMessage) {
  auto e = only_event(fixture("telegram/text_message.json"));
  EXPECT_EQ(e.event_id, "838510741");
  EXPECT_EQ(e.kind, proto::EventKind::kMessage);
  EXPECT_EQ(e.contact_external_id, "411122334");
  EXPECT_EQ(e.contact_name, "Олена Коваль");
  EXPECT_EQ(e.reply_address, "411122334");
  EXPECT_EQ(e.platform_message_id, "1043");
  EXPECT_EQ(e.text, "Добрий день! Where is my order #5531?");
  EXPECT_EQ(e.platform_ts, 1763877600LL * 1000);
  EXPECT_TRUE(e.attachments.empty());
}

TEST(TelegramParse, EditedMessageIsAnEditOfTheOriginal) {
  auto e = only_event(fixture("telegram/edited_message.json"));
  EXPECT_EQ(e.kind, proto::EventKind::kEdit);
  EXPECT_EQ(e.event_id, "838510742");
  EXPECT_EQ(e.platform_message_id, "1043");
  EXPECT_EQ(e.text, "Добрий день! Where is my order #5532?");
  EXPECT_EQ(e.platform_ts, 1763877660LL * 1000);  // the edit time, not the original's
}

TEST(TelegramParse, PhotoWithCaptionKeepsLargestSize) {
  auto e = only_event(fixture("telegram/photo_caption.json"));
  EXPECT_EQ(e.text, "The box arrived damaged");
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].kind, "photo");
  EXPECT_EQ(e.attachments[0].file_id, "AgACAgIAAxkBAAIBQ2VxLarge");
  EXPECT_EQ(e.attachments[0].size, 84210);
}

TEST(TelegramParse, DocumentWithCaption) {
  auto e = only_event(fixture("telegram/document_caption.json"));
  EXPECT_EQ(e.text, "Invoice attached");
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].kind, "document");
  EXPECT_EQ(e.attachments[0].name, "invoice-5531.pdf");
  EXPECT_EQ(e.attachments[0].mime, "application/pdf");
}

// A shared location has no file: it is kept as readable text. (Every location
// was once answered 400: a successful number read was turned into an error.)
TEST(TelegramParse, LocationBecomesText) {
  auto e = only_event(fixture("telegram/location.json"));
  EXPECT_EQ(e.text, "location: 50.450101,30.523401");
  EXPECT_TRUE(e.attachments.empty());
}

TEST(TelegramParse, VoiceWithoutText) {
  auto e = only_event(fixture("telegram/voice.json"));
  EXPECT_TRUE(e.text.empty());
  ASSERT_EQ(e.attachments.size(), 1u);
  EXPECT_EQ(e.attachments[0].kind, "voice");
}

TEST(TelegramParse, CallbackQueryCarriesTheButtonData) {
  auto e = only_event(fixture("telegram/callback_query.json"));
  EXPECT_EQ(e.kind, proto::EventKind::kCallback);
  EXPECT_EQ(e.text, "csat:no");
  EXPECT_EQ(e.contact_external_id, "411122334");  // the customer, not the bot
  EXPECT_EQ(e.reply_address, "411122334");
}

class NotACustomerMessage : public ::testing::TestWithParam<const char*> {};

TEST_P(NotACustomerMessage, IsIgnored) {
  auto r = parse_telegram_update(fixture(GetParam()));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->ignored, 1u);
}

INSTANTIATE_TEST_SUITE_P(Telegram, NotACustomerMessage,
                         ::testing::Values("telegram/my_chat_member.json",
                                           "telegram/channel_post.json",
                                           "telegram/bot_message.json",
                                           "telegram/service_new_member.json"));

TEST(TelegramParse, RetryParsesToTheSameEventId) {
  const auto body = fixture("telegram/text_message.json");
  EXPECT_EQ(only_event(body).event_id, only_event(body).event_id);
}

class MalformedUpdate : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedUpdate, IsRejected) {
  auto r = parse_telegram_update(GetParam());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Telegram, MalformedUpdate,
    ::testing::Values(std::string(""), std::string("{"), std::string("[]"), std::string("null"),
                      std::string(R"({"update_id":1,"message":{"message_id":1,"text":"x")"),
                      std::string(R"({"message":{"message_id":1}})"),  // no update_id
                      std::string(R"({"update_id":"abc"})"),
                      std::string(R"({"update_id":1} trailing)"),
                      std::string(R"({"update_id":99999999999999999999999})"),
                      std::string(R"({"update_id":1,"message":{"text":5}})"),
                      std::string("{\"update_id\":1,\"message\":{\"text\":\"\xff\xfe\"}}"),
                      std::string(200, '[') + std::string(200, ']')),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return "case" + std::to_string(info.index);
    });

TEST(TelegramParse, DeepNestingAndDuplicateKeysAreRejected) {
  const std::string deep =
      R"({"update_id":1,"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(parse_telegram_update(deep).is_ok());
  const std::string shallow =
      R"({"update_id":1,"x":)" + std::string(10, '[') + std::string(10, ']') + "}";
  EXPECT_TRUE(parse_telegram_update(shallow).is_ok());
  auto dup = parse_telegram_update(R"({"update_id":1,"update_id":2})");
  ASSERT_FALSE(dup.is_ok());
  EXPECT_NE(dup.status().message().find("duplicate key"), std::string::npos);
}

TEST(TelegramParse, TruncatedRealPayloadIsRejected) {
  auto body = fixture("telegram/photo_caption.json");
  for (std::size_t cut : {body.size() / 4, body.size() / 2, body.size() - 3}) {
    EXPECT_FALSE(parse_telegram_update(body.substr(0, cut)).is_ok()) << "cut at " << cut;
  }
}

TEST(TelegramVerify, SecretTokenMustMatch) {
  proto::ChannelConfig cfg;
  cfg.type = "telegram";
  cfg.secret = "s3cr3t-token_AZ";
  http::HttpRequest req;
  req.headers = {{"x-telegram-bot-api-secret-token", "s3cr3t-token_AZ"}};
  EXPECT_TRUE(telegram_channel().verify(req, cfg).is_ok());
  req.headers = {{"x-telegram-bot-api-secret-token", "s3cr3t-token_AY"}};
  EXPECT_EQ(telegram_channel().verify(req, cfg).code(), Code::kUnauthenticated);
  req.headers = {};
  EXPECT_EQ(telegram_channel().verify(req, cfg).code(), Code::kUnauthenticated);
}

TEST(TelegramVerify, ChannelWithoutSecretAcceptsNothing) {
  proto::ChannelConfig cfg;
  cfg.type = "telegram";
  http::HttpRequest req;
  req.headers = {{"x-telegram-bot-api-secret-token", ""}};
  EXPECT_EQ(telegram_channel().verify(req, cfg).code(), Code::kUnauthenticated);
}

// Found by tests/fuzz/telegram_update_fuzz.cc: date * 1000 overflowed (UB).
TEST(TelegramParse, DateOutOfRangeIsRejected) {
  const std::string head =
      R"({"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},)";
  EXPECT_FALSE(parse_telegram_update(head + R"("date":176387761763877600,"text":"x"}})").is_ok());
  EXPECT_FALSE(parse_telegram_update(head + R"("date":-1,"text":"x"}})").is_ok());
  EXPECT_FALSE(
      parse_telegram_update(head + R"("date":1,"edit_date":9223372036854775807,"text":"x"}})")
          .is_ok());
  auto ok = parse_telegram_update(head + R"("date":253402300799,"text":"x"}})");
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok->events.at(0).platform_ts, 253402300799000);
}

}  // namespace
}  // namespace sb::adapters

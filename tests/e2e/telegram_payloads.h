// Telegram Update bodies in the Bot API's real format, for end-to-end tests.
#pragma once

#include <cstdint>
#include <string>

namespace sb::test {

inline std::string telegram_text_update(std::int64_t update_id, std::int64_t user_id,
                                        const std::string& text) {
  const auto uid = std::to_string(user_id);
  return R"({"update_id":)" + std::to_string(update_id) + R"(,"message":{"message_id":)" +
         std::to_string(update_id % 100000 + 1) + R"(,"from":{"id":)" + uid +
         R"(,"is_bot":false,"first_name":"Customer","last_name":")" + uid +
         R"(","language_code":"uk"},"chat":{"id":)" + uid +
         R"(,"first_name":"Customer","type":"private"},"date":1763877600,"text":")" + text +
         R"("}})";
}

inline std::string telegram_member_update(std::int64_t update_id, std::int64_t user_id) {
  const auto uid = std::to_string(user_id);
  return R"({"update_id":)" + std::to_string(update_id) + R"(,"my_chat_member":{"chat":{"id":)" +
         uid + R"(,"first_name":"C","type":"private"},"from":{"id":)" + uid +
         R"(,"is_bot":false,"first_name":"C"},"date":1763878000,"old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"B"},"status":"member"},"new_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"B"},"status":"kicked","until_date":0}}})";
}

}  // namespace sb::test

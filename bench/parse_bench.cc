// Parse + normalize of inbound webhook bodies, the work an I/O thread does per
// request before handing the event to a shard: simdjson On-Demand over the
// body, UTF-8 validation, and building the canonical proto::InboundEvent.
//
// Payloads are Telegram Bot API Update objects in the shape Telegram really
// sends (https://core.telegram.org/bots/api#update), including the fields we
// skip (language_code, entities, file_unique_id, reply_markup, ...), because
// skipping them is part of the cost.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>

#include "adapters/api/api_channel.h"
#include "adapters/telegram/telegram_channel.h"
#include "bench/bench_stats.h"

namespace {

constexpr std::string_view kTextMessage = R"({"update_id":483920175,
"message":{"message_id":5821,
 "from":{"id":428819731,"is_bot":false,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","language_code":"uk"},
 "chat":{"id":428819731,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","type":"private"},
 "date":1717171717,
 "text":"Добрий день! My order #A-20931 has not arrived yet, tracking says it is stuck in Kyiv since Monday. Can you check, please? https://shop.example/orders/A-20931",
 "entities":[{"offset":123,"length":35,"type":"url"}]}})";

constexpr std::string_view kPhotoWithCaption = R"({"update_id":483920176,
"message":{"message_id":5822,
 "from":{"id":428819731,"is_bot":false,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","language_code":"uk"},
 "chat":{"id":428819731,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","type":"private"},
 "date":1717171779,
 "photo":[
  {"file_id":"AgACAgIAAxkBAAIBZ2ZhX3V0cGhvdG9zbWFsbAACr8kxG3q1CEuN0B4AAQ","file_unique_id":"AQADr8kxG3q1CEt4","file_size":1523,"width":90,"height":67},
  {"file_id":"AgACAgIAAxkBAAIBZ2ZhX3V0cGhvdG9tZWRpdW0AAq_JMRt6tQhLjdAeAAE","file_unique_id":"AQADr8kxG3q1CEty","file_size":21034,"width":320,"height":240},
  {"file_id":"AgACAgIAAxkBAAIBZ2ZhX3V0cGhvdG9sYXJnZQACr8kxG3q1CEuN0B4AAQE","file_unique_id":"AQADr8kxG3q1CEt9","file_size":88512,"width":800,"height":600},
  {"file_id":"AgACAgIAAxkBAAIBZ2ZhX3V0cGhvdG94bGFyZ2UAAq_JMRt6tQhLjdAeAAEC","file_unique_id":"AQADr8kxG3q1CEt-","file_size":176220,"width":1280,"height":960}],
 "caption":"The box arrived damaged, see the photo. Коробка пошкоджена."}})";

constexpr std::string_view kEditedMessage = R"({"update_id":483920177,
"edited_message":{"message_id":5821,
 "from":{"id":428819731,"is_bot":false,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","language_code":"uk"},
 "chat":{"id":428819731,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","type":"private"},
 "date":1717171717,"edit_date":1717171802,
 "text":"Добрий день! My order #A-20931 has not arrived yet, tracking says it is stuck in Lviv since Monday. Can you check, please?"}})";

constexpr std::string_view kCallbackQuery = R"({"update_id":483920178,
"callback_query":{"id":"1843270958227612345",
 "from":{"id":428819731,"is_bot":false,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","language_code":"uk"},
 "message":{"message_id":5830,
  "from":{"id":7012345678,"is_bot":true,"first_name":"Acme Support","username":"acme_support_bot"},
  "chat":{"id":428819731,"first_name":"Олена","last_name":"Коваленко","username":"olena_k","type":"private"},
  "date":1717172100,"text":"Was your issue resolved?",
  "reply_markup":{"inline_keyboard":[[{"text":"Yes","callback_data":"csat:yes"},{"text":"No","callback_data":"csat:no"}]]}},
 "chat_instance":"-4820394812394823501","data":"csat:yes"}})";

constexpr std::string_view kApiEvent = R"({"channel":"api-1","event_id":"crm-7f3a9c2e-0001",
"contact":{"external_id":"cust-102938","name":"Ivan Petrenko"},
"text":"Customer called about invoice INV-2024-0412: the amount is charged twice.",
"attachments":[{"kind":"document","file_id":"https://crm.example/files/8812","name":"invoice.pdf","mime":"application/pdf","size":48211}]})";

// One payload per iteration; fails the benchmark if the payload stops parsing
// into exactly one event, so a parser change cannot silently speed it up.
void parse_telegram(benchmark::State& state, std::string_view body) {
  if (auto check = sb::adapters::parse_telegram_update(body); !check || check->events.size() != 1) {
    state.SkipWithError("payload does not parse into one event");
    return;
  }
  for (auto _ : state) {
    auto parsed = sb::adapters::parse_telegram_update(body);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_TelegramParse_Text(benchmark::State& s) { parse_telegram(s, kTextMessage); }
void BM_TelegramParse_PhotoCaption(benchmark::State& s) { parse_telegram(s, kPhotoWithCaption); }
void BM_TelegramParse_EditedMessage(benchmark::State& s) { parse_telegram(s, kEditedMessage); }
void BM_TelegramParse_CallbackQuery(benchmark::State& s) { parse_telegram(s, kCallbackQuery); }

// The four shapes in turn: the branch predictor cannot learn one document.
void BM_TelegramParse_Mix(benchmark::State& state) {
  constexpr std::array<std::string_view, 4> kBodies = {kTextMessage, kPhotoWithCaption,
                                                       kEditedMessage, kCallbackQuery};
  std::int64_t bytes = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    const auto body = kBodies[next];
    next = (next + 1) % kBodies.size();
    auto parsed = sb::adapters::parse_telegram_update(body);
    benchmark::DoNotOptimize(parsed);
    bytes += static_cast<std::int64_t>(body.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}

// POST /v1/events and the "api" webhook: Switchboard's own event format.
void BM_ApiEventParse(benchmark::State& state) {
  if (!sb::adapters::parse_api_event(kApiEvent)) {
    state.SkipWithError("api event does not parse");
    return;
  }
  for (auto _ : state) {
    auto parsed = sb::adapters::parse_api_event(kApiEvent);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kApiEvent.size()));
  state.counters["body_bytes"] = static_cast<double>(kApiEvent.size());
}

BENCHMARK(BM_TelegramParse_Text)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_TelegramParse_PhotoCaption)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_TelegramParse_EditedMessage)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_TelegramParse_CallbackQuery)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_TelegramParse_Mix)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_ApiEventParse)->Apply(sb::bench::with_min_max);

}  // namespace

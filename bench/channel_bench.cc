// A webhook's edge work per channel, side by side: what an I/O thread does
// between reading the request and handing events to a shard, i.e. the
// channel's signature check (a constant-time secret compare for Telegram, an
// HMAC-SHA256 of the body for Meta and Viber) and its parse into
// proto::InboundEvents. Bodies are the platforms' real shapes, ~600 bytes
// like the load tests' (bench/loadgen), each with one customer message.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "adapters/channel.h"
#include "adapters/crypto.h"
#include "bench/bench_stats.h"

namespace {

constexpr std::string_view kText =
    "Hello, my parcel has not arrived yet. I was charged twice for order 48213, can you check? "
    "How do I change the delivery address? The app logs me out every time I open it. Is there a "
    "discount for annual plans? My card was declined but the money is gone. Can I talk to someone "
    "about a refund please? Thanks";

struct Case {
  std::string type, body, header, header_value;
};

Case make(std::string_view type, const std::string& secret) {
  Case c;
  c.type = std::string(type);
  const std::string text(kText);
  if (type == "telegram") {
    c.body =
        R"({"update_id":1763877600001,"message":{"message_id":2,"from":{"id":1000000017,"is_bot":false,)"
        R"("first_name":"Customer","last_name":"17","language_code":"uk"},"chat":{"id":1000000017,)"
        R"("first_name":"Customer","last_name":"17","type":"private"},"date":1763877600,"text":")" +
        text + R"("}})";
    c.header = "x-telegram-bot-api-secret-token";
    c.header_value = secret;
  } else if (type == "whatsapp") {
    c.body =
        R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":)"
        R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",)"
        R"("phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Customer 17"},"wa_id":"16505551234"}],)"
        R"("messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFF","timestamp":"1763877800",)"
        R"("text":{"body":")" +
        text + R"("},"type":"text"}]},"field":"messages"}]}]})";
    c.header = "x-hub-signature-256";
    c.header_value = "sha256=" + sb::adapters::hmac_sha256_hex(secret, c.body);
  } else if (type == "messenger") {
    c.body =
        R"({"object":"page","entry":[{"id":"104532198765432","time":1763877600512,"messaging":[{"sender":)"
        R"({"id":"6843297123456789"},"recipient":{"id":"104532198765432"},"timestamp":1763877600123,)"
        R"("message":{"mid":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fp","text":")" +
        text + R"("}}]}]})";
    c.header = "x-hub-signature-256";
    c.header_value = "sha256=" + sb::adapters::hmac_sha256_hex(secret, c.body);
  } else {  // viber
    c.body =
        R"({"event":"message","timestamp":1763878000123,"chat_hostname":"SN-CHAT-03_","message_token":5741311803571721087,)"
        R"("sender":{"id":"01234567890A=","name":"Customer 17","language":"uk","country":"UA","api_version":10},)"
        R"("message":{"text":")" +
        text + R"(","type":"text"},"silent":false})";
    c.header = "x-viber-content-signature";
    c.header_value = sb::adapters::hmac_sha256_hex(secret, c.body);
  }
  return c;
}

void verify_and_parse(benchmark::State& state, std::string_view type) {
  sb::proto::ChannelConfig cfg;
  cfg.name = "bench";
  cfg.type = std::string(type);
  cfg.secret = "0123456789abcdef0123456789abcdef0123456789abcdef";
  const auto c = make(type, cfg.secret);
  const auto* adapter = sb::adapters::find_channel(cfg.type);
  sb::http::HttpRequest req;
  req.method = "POST";
  req.body = c.body;
  req.headers.emplace_back(c.header, c.header_value);
  auto check = adapter ? adapter->parse(req, cfg)
                       : sb::Result<sb::adapters::ParsedWebhook>(sb::Status::invalid("no adapter"));
  if (!adapter || !adapter->verify(req, cfg).is_ok() || !check || check->events.size() != 1) {
    state.SkipWithError("the payload does not verify and parse into one event");
    return;
  }
  for (auto _ : state) {
    auto st = adapter->verify(req, cfg);
    auto parsed = adapter->parse(req, cfg);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["body_bytes"] = static_cast<double>(c.body.size());
}

void BM_Webhook_VerifyParse_Telegram(benchmark::State& s) { verify_and_parse(s, "telegram"); }
void BM_Webhook_VerifyParse_WhatsApp(benchmark::State& s) { verify_and_parse(s, "whatsapp"); }
void BM_Webhook_VerifyParse_Messenger(benchmark::State& s) { verify_and_parse(s, "messenger"); }
void BM_Webhook_VerifyParse_Viber(benchmark::State& s) { verify_and_parse(s, "viber"); }

BENCHMARK(BM_Webhook_VerifyParse_Telegram)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Webhook_VerifyParse_WhatsApp)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Webhook_VerifyParse_Messenger)->Apply(sb::bench::with_min_max);
BENCHMARK(BM_Webhook_VerifyParse_Viber)->Apply(sb::bench::with_min_max);

// The HMAC alone, on one thread and on two at once (the daemon's two I/O
// threads verifying webhooks): nothing may be shared between them.
void BM_HmacSha256(benchmark::State& s) {
  const std::string body(600, 'x');
  const std::string key = "app-secret-" + std::to_string(s.thread_index());
  for (auto _ : s) benchmark::DoNotOptimize(sb::adapters::hmac_sha256_hex(key, body));
  s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_HmacSha256)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

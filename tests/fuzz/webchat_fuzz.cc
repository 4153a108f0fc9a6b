// Fuzzes what the website chat reads from the untrusted side (adapters/
// webchat): a visitor's message body, a visitor token, and, as a
// defence in depth, visitor_view over arbitrary frames.
//
// Invariants beyond "no crash, no leak, no UB":
// - an accepted message has event_id "<visitor>:<id>", the visitor as
//   contact and reply address, 1 byte to 16 KiB of text, and survives
//   storage (encode, then decode gives an equal event);
// - a token is accepted only if it is the one visitor_token() makes for the
//   visitor it names;
// - a visitor view is one of the two documented shapes (a message from the
//   visitor or an operator, never a note; or a resolution), seq first.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/webchat/webchat_channel.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  sb::proto::ChannelConfig cfg;
  cfg.name = "site";
  cfg.type = "webchat";
  cfg.secret = "webchat-secret-0123456789";

  auto e = sb::adapters::parse_visitor_message(input, "v1", 1700000000000);
  if (e) {
    FUZZ_CHECK(e->event_id.rfind("v1:", 0) == 0 && e->event_id.size() > 3);
    FUZZ_CHECK(e->contact_external_id == "v1" && e->reply_address == "v1");
    FUZZ_CHECK(!e->text.empty() && e->text.size() <= 16 << 10);
    auto back = sb::proto::decode_inbound_event(sb::proto::encode(*e));
    FUZZ_CHECK(back.is_ok() && back.value() == *e);
  }

  auto v = sb::adapters::visitor_of_token(cfg, "demo", input);
  if (v) FUZZ_CHECK(sb::adapters::visitor_token(cfg, "demo", *v) == input);

  if (auto view = sb::adapters::visitor_view(input, "site")) {
    FUZZ_CHECK(view->rfind(R"({"seq":)", 0) == 0);
    const bool message = view->find(R"("type":"message")") != std::string::npos;
    FUZZ_CHECK(message || view->find(R"("type":"conversation.resolved")") != std::string::npos);
    if (message) {
      FUZZ_CHECK(view->find(R"("from":"visitor")") != std::string::npos ||
                 view->find(R"("from":"operator")") != std::string::npos);
    }
  }
  return 0;
}

// Fuzzes the email channel's inbound path (adapters/email): the form parser
// (urlencoded and multipart/form-data) and Mailgun's mail reader. The input's
// first line is the Content-Type header, the rest is the body.
//
// Invariants beyond "no crash, no leak, no UB":
// - a parsed form has at most kMaxFormFields fields, multipart ones named;
// - a mail gives at most one event, and then an event_id, a contact that is
//   a normalized address (parse_mailbox gives it back unchanged), a reply
//   address that decodes to that contact, text or attachments, and a
//   platform time within years 1970..9999; no event counts one ignored;
// - every event survives storage: proto::encode then decode_inbound_event
//   gives back an equal event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/email/email_channel.h"
#include "adapters/email/form_data.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  const auto content_type = input.substr(0, eol);
  const auto body = input.substr(eol + 1);
  auto form = sb::adapters::parse_form(content_type, body);
  if (!form) {
    FUZZ_CHECK(!form.status().is_ok());
    return 0;
  }
  FUZZ_CHECK(form->fields.size() <= sb::adapters::kMaxFormFields);
  (void)sb::adapters::verify_mailgun_signature(*form, "signing-key", 1732627330);
  for (std::string_view account : {"", "support@mg.example.com"}) {
    auto parsed = sb::adapters::parse_mailgun_inbound(*form, account);
    if (!parsed) continue;
    FUZZ_CHECK(parsed->events.size() <= 1);
    FUZZ_CHECK(!parsed->events.empty() || parsed->ignored == 1);
    for (const auto& e : parsed->events) {
      FUZZ_CHECK(!e.event_id.empty());
      FUZZ_CHECK(!e.contact_external_id.empty());
      FUZZ_CHECK(sb::adapters::parse_mailbox(e.contact_external_id).address ==
                 e.contact_external_id);
      FUZZ_CHECK(sb::adapters::decode_email_reply_to(e.reply_address).to == e.contact_external_id);
      FUZZ_CHECK(!e.text.empty() || !e.attachments.empty());
      FUZZ_CHECK(e.platform_ts >= 0 && e.platform_ts <= 253402300799999);
      auto back = sb::proto::decode_inbound_event(sb::proto::encode(e));
      FUZZ_CHECK(back.is_ok());
      FUZZ_CHECK(back.value() == e);
    }
  }
  return 0;
}

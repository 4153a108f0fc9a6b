// Email through Mailgun (https://documentation.mailgun.com): inbound mail
// arrives by a route's forward() action, replies leave through the Messages
// API. The channel type is "email".
//
// Settings: `secret` is Mailgun's HTTP webhook signing key; `account_id` is
// the support address (e.g. support@mg.example.com): replies come from it,
// its domain names the Mailgun sending domain, and inbound mail to other
// recipients of the same route is ignored; `outbound.token` is the Mailgun
// API key; `outbound.base_url` defaults to https://api.mailgun.net (the EU
// region is https://api.eu.mailgun.net).
//
// verify: the POST is a form (urlencoded, or multipart when the mail has
// attachments) whose `signature` is the hex HMAC-SHA256 of `timestamp` +
// `token`, keyed by the signing key, and whose timestamp is at most 9 hours
// old (Mailgun retries for 8). Mailgun signs those two fields, not the body:
// a captured signature could carry another body until it expires, which is
// why it expires (docs/api.md). Tokens are not remembered: retries must pass.
// parse: one mail per request. The customer is the address of `from`
// (lowercased, named by its display name); the text is `stripped-text`
// (the reply without quoted history and signature), else `body-plain`, cut
// at 64 KiB, with
// a "Subject: ..." line first unless the mail answers an earlier one
// (In-Reply-To); files become attachments (name, type, size). The dedup key
// is the Message-Id header (top-level field, else from `message-headers`);
// a mail without one is keyed by a hash of its sender, subject, date and
// body.
// Replies: POST {base}/v3/{domain}/messages, HTTP Basic "api:<key>", a form
// with from, to, "Re: <subject>", text, and h:In-Reply-To/h:References set
// to the customer's last Message-Id so that mail clients thread it. 200 is
// delivered (Mailgun's id kept); 429 and 5xx are retried (Retry-After
// honoured); other statuses fail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/channel.h"
#include "adapters/email/form_data.h"

namespace sb::adapters {

const ChannelAdapter& email_channel();

// Exposed for tests, fuzzers and benchmarks.
Result<ParsedWebhook> parse_mailgun_inbound(const FormData& form, std::string_view account_id);
// `now_s`: the current Unix time; a timestamp older than
// kMailgunMaxAgeSeconds or more than 15 minutes ahead of it is refused.
Status verify_mailgun_signature(const FormData& form, std::string_view signing_key,
                                std::int64_t now_s);
// Mailgun retries a route's POST for 8 hours: a signature stays good 9,
// and up to kMailgunMaxSkewSeconds ahead of our clock.
inline constexpr std::int64_t kMailgunMaxAgeSeconds = 9 * 3600;
inline constexpr std::int64_t kMailgunMaxSkewSeconds = 15 * 60;
// Longer mail text is cut there, with a note: frames stay far below a
// stream's send buffer.
inline constexpr std::size_t kMaxMailText = 64 << 10;

// "Display Name <local@domain>" (RFC 5322 name-addr) or a bare address:
// the address (empty if there is none) and the display name, unquoted.
struct Mailbox {
  std::string name;
  std::string address;
};
Mailbox parse_mailbox(std::string_view header);

// Where a reply goes, kept as the conversation's reply address: the
// customer's address, the Message-Id it answers and the subject, one per
// line (none can hold a line break).
struct EmailReplyTo {
  std::string to, message_id, subject;
};
std::string encode_email_reply_to(const EmailReplyTo& r);
EmailReplyTo decode_email_reply_to(std::string_view address);

}  // namespace sb::adapters

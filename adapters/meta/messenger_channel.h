// Facebook Messenger and Instagram messaging webhooks, which share one format
// (https://developers.facebook.com/docs/messenger-platform/webhooks,
// https://developers.facebook.com/docs/instagram-platform/webhooks):
// {"object":"page"|"instagram","entry":[{"id":...,"time":...,"messaging":[...]}]}.
//
// verify: X-Hub-Signature-256 with the app secret (graph_api.h); GET answers
// the hub.challenge handshake.
// parse: every item of every entry's `messaging` array from a person becomes
// an event, in payload order (Meta batches several into one request):
//   message (text, attachments, quick replies)  -> kMessage, event_id = mid
//   message_edit {mid, text, num_edit}          -> kEdit of mid, event_id = mid#edit<num_edit>
//   postback {title, payload, mid}              -> kCallback, text = title (else payload)
// With the channel's `account_id` set, entries for other pages or accounts
// (entry[].id) are ignored: one Meta app's webhook may carry several.
// Echoes of the page's own messages (is_echo), deleted or unsupported
// messages, deliveries, reads, reactions, referrals, opt-ins and `standby`
// items are acknowledged and ignored. A payload whose `object` is not the
// channel's ("page" for messenger, "instagram" for instagram) is 400.
// The customer is the sender's page-scoped id (PSID / IGSID); replies go to it
// through POST {graph}/me/messages with the page access token
// (outbound.token).
#pragma once

#include <string_view>

#include "adapters/channel.h"

namespace sb::adapters {

const ChannelAdapter& messenger_channel();
const ChannelAdapter& instagram_channel();

// Exposed for tests, fuzzers and benchmarks. `expected_object`: "page" or
// "instagram". With an `account_id` (the channel's), entries whose `id` is
// another page or account are ignored.
Result<ParsedWebhook> parse_meta_messaging(std::string_view body, std::string_view expected_object,
                                           std::string_view account_id = {});

}  // namespace sb::adapters

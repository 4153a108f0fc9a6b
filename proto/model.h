// The canonical event model. Every channel adapter normalizes its platform's
// payloads into these types; router/ and storage/ see nothing else.
// Plain value types: thread-compatible, copied or moved between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sb::proto {

// Milliseconds since the Unix epoch, UTC. The core never reads a clock:
// callers pass time in.
using TimeMs = std::int64_t;

// The longest text a message may have when Switchboard's own surfaces take it
// (POST /v1/events, operators' replies and notes, the website chat); the
// platforms' webhooks carry what the platform allows.
inline constexpr std::size_t kMaxMessageText = 16 << 10;

enum class EventKind : std::uint8_t {
  kMessage = 0,   // a new customer message
  kEdit = 1,      // the customer edited an earlier message
  kCallback = 2,  // the customer pressed a button (Telegram callback_query)
};

struct Attachment {
  std::string kind;     // photo, document, voice, video, audio, sticker, location, contact
  std::string file_id;  // the platform's handle to fetch the file
  std::string name;
  std::string mime;
  std::int64_t size = 0;
  bool operator==(const Attachment&) const = default;
};

// One customer event as it arrived, before routing. `event_id` is the
// platform's own id of the delivery (Telegram update_id, Meta mid, ...):
// together with the channel it identifies a retry.
struct InboundEvent {
  std::string channel;
  std::string event_id;
  EventKind kind = EventKind::kMessage;
  std::string contact_external_id;  // the customer's id on that platform
  std::string contact_name;
  std::string reply_address;        // where replies go (Telegram chat.id)
  std::string platform_message_id;  // for edits: the message being edited
  std::string text;
  std::vector<Attachment> attachments;
  TimeMs platform_ts = 0;  // when the platform says it happened
  TimeMs received_ts = 0;  // when Switchboard received it
  bool operator==(const InboundEvent&) const = default;
};

struct Identity {
  std::string channel;
  std::string external_id;
  bool operator==(const Identity&) const = default;
};

struct Contact {
  std::string id;
  std::string name;
  std::string phone;
  std::string email;
  std::string status;                                       // free-form, e.g. "lead", "customer"
  std::vector<std::pair<std::string, std::string>> custom;  // custom fields, sorted by key
  std::vector<Identity> identities;
  TimeMs created_at = 0;
  // Merging (PUT /v1/contacts/{id}/identities?merge=true): the contact this
  // one was merged into (its identities moved there), and the contacts
  // merged into this one (their histories are part of its timeline).
  std::string merged_into;
  std::vector<std::string> merged_from;
  bool operator==(const Contact&) const = default;
};

enum class ConversationStatus : std::uint8_t { kQueued, kOffered, kAssigned, kResolved };

// How far a conversation's first-response SLA has gone: sla.warning at 80%
// of the target, sla.breached at 100%, each written once.
enum class SlaStage : std::uint8_t { kNone = 0, kWarned = 1, kBreached = 2 };

struct Conversation {
  std::string id;
  std::string contact_id;
  std::string channel;        // the channel it came from; replies go back there
  std::string reply_address;  // platform address of the customer on that channel
  std::string queue;
  ConversationStatus status = ConversationStatus::kQueued;
  std::string operator_id;      // the owner, once accepted or auto-assigned
  std::string offered_to;       // the operator holding the pending offer
  TimeMs offer_expires_at = 0;  // 0 = no pending offer
  std::string last_operator;    // who owned it last (kept after resolve, for reopen)
  TimeMs resolved_at = 0;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  TimeMs first_response_at = 0;  // 0 = none yet
  std::uint64_t message_count = 0;
  // The first-response target of the queue it opened in (created_at + the
  // queue's first_response_sla); 0 = no target.
  TimeMs first_response_due_at = 0;
  SlaStage sla_stage = SlaStage::kNone;  // the SLA frames written so far
  bool operator==(const Conversation&) const = default;
};

enum class Direction : std::uint8_t { kIn, kOut, kNote };

struct Message {
  std::string id;
  std::uint64_t seq = 0;  // the tenant event-log seq that created it; orders a conversation
  std::string conversation_id;
  Direction direction = Direction::kIn;
  std::string author;  // contact id for "in", operator id otherwise
  std::string text;
  std::string channel;
  std::string event_id;  // the platform's id of the delivery that carried it
  EventKind kind = EventKind::kMessage;
  std::string edit_of;  // platform message id, for edits
  std::vector<Attachment> attachments;
  TimeMs created_at = 0;
  bool operator==(const Message&) const = default;
};

// Configuration of one channel of a tenant (PUT /v1/channels/{channel}).
struct ChannelConfig {
  std::string name;
  std::string type;  // telegram, viber, messenger, instagram, whatsapp, email, webchat, api
  std::string secret;
  std::string verify_token;
  std::string queue;
  std::string outbound_base_url;
  std::string outbound_token;
  std::string auto_reply;  // sent back when a customer opens a conversation; "" = none
  // The platform account this channel serves, when one app's webhook carries
  // several (Meta: the page or Instagram account id, WhatsApp's
  // phone_number_id); events for other accounts are ignored. "" = any.
  std::string account_id;
  bool operator==(const ChannelConfig&) const = default;
};

std::string_view to_string(ConversationStatus s);
std::string_view to_string(Direction d);
std::string_view to_string(EventKind k);
std::string_view to_string(SlaStage s);

}  // namespace sb::proto

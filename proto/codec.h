// Wire codecs of the canonical model: the JSON records that storage/ keeps and
// that recovery reads back. Encoding never fails; decoding validates and
// returns Status::corruption-free InvalidArgument for malformed input.
// Times are integer milliseconds here; the public API renders RFC 3339.
#pragma once

#include <string>
#include <string_view>

#include "proto/change.h"
#include "proto/model.h"
#include "proto/status.h"

namespace sb::proto {

std::string encode(const InboundEvent& e);
std::string encode(const Contact& c);
std::string encode(const Conversation& c);
std::string encode(const Message& m);
std::string encode(const ChannelConfig& c);
std::string encode(const OutboxItem& o);

Result<InboundEvent> decode_inbound_event(std::string_view json);
Result<Contact> decode_contact(std::string_view json);
Result<Conversation> decode_conversation(std::string_view json);
Result<Message> decode_message(std::string_view json);
Result<ChannelConfig> decode_channel_config(std::string_view json);
// The message a frame of the event log embeds ("message", as
// proto::write_public renders it), with the frame's seq. Not in a frame:
// event_id. InvalidArgument if the frame holds no message.
Result<Message> decode_frame_message(std::string_view frame);
Result<OutboxItem> decode_outbox_item(std::string_view json);

class JsonWriter;
// Writers used by encode() and by API views that embed a record.
void write(JsonWriter& w, const Attachment& a);
// A contact's "merged_into" and "merged_from", each only when set.
void write_merges(JsonWriter& w, const Contact& c);
void write(JsonWriter& w, const InboundEvent& e);
void write(JsonWriter& w, const Message& m);

}  // namespace sb::proto

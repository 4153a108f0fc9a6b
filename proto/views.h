// Public JSON views of the model, as ../shared/CONTRACT.md "Objects" defines
// them (times as RFC 3339 UTC strings). Used by the HTTP API and by the event
// log frames that streams replay.
#pragma once

#include <string>

#include "proto/json_writer.h"
#include "proto/model.h"

namespace sb::proto {

// `contact_name`: the name of the conversation's contact ("" if unknown).
void write_public(JsonWriter& w, std::string_view tenant, const Conversation& c,
                  std::string_view contact_name);
void write_public(JsonWriter& w, const Message& m);
void write_public(JsonWriter& w, const Contact& c);

}  // namespace sb::proto

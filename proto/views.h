// Public JSON views of the model, as ../shared/CONTRACT.md "Objects" defines
// them (times as RFC 3339 UTC strings). Used by the HTTP API and by the event
// log frames that streams replay.
#pragma once

#include <string>

#include "proto/json_writer.h"
#include "proto/model.h"

namespace sb::proto {

void write_public(JsonWriter& w, std::string_view tenant, const Conversation& c,
                  const Contact* contact);
void write_public(JsonWriter& w, const Message& m);
void write_public(JsonWriter& w, const Contact& c);

}  // namespace sb::proto

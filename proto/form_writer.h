// application/x-www-form-urlencoded output (WHATWG URL, "urlencoded
// serializing"): what the email channel posts to Mailgun's Messages API and
// what the load generator posts as Mailgun's inbound forms. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sb::proto {

// Appends `name=value` to `out`, both percent-encoded (space as '+'), with
// a '&' first unless `out` is empty.
void append_form_field(std::string& out, std::string_view name, std::string_view value);

}  // namespace sb::proto

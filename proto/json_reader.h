// Helpers over simdjson's On-Demand API shared by every parser of untrusted
// JSON (proto codecs, channel adapters, API bodies). Include only from .cc
// files: simdjson.h is a heavy header.
//
// Contract: inputs are validated as UTF-8 before parsing; numbers that do not
// fit the target type, wrong JSON types and trailing garbage are errors, never
// asserts. A parser is per thread (simdjson parsers are not thread-safe).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/status.h"

namespace sb::proto::json {

namespace od = simdjson::ondemand;

// The calling thread's reusable parser.
od::parser& thread_parser();

// Copies `body` into a padded buffer, checks UTF-8 and document depth, and
// starts an on-demand iteration. `storage` must outlive `doc`.
Status begin(std::string_view body, simdjson::padded_string& storage, od::document& doc);

// Ends a document: anything but whitespace after the root value is an error.
Status finish(od::document& doc);

Status to_status(simdjson::error_code e, std::string_view what);

// Typed readers with clear messages. `what` names the field for the error.
Status read_string(od::value v, std::string& out, std::string_view what);
Status read_int64(od::value v, std::int64_t& out, std::string_view what);
Status read_uint64(od::value v, std::uint64_t& out, std::string_view what);
// Accepts a JSON integer or a string of digits (ids are either, per platform).
Status read_id(od::value v, std::string& out, std::string_view what);
Status read_bool(od::value v, bool& out, std::string_view what);
// A finite JSON number (integer or not).
Status read_double(od::value v, double& out, std::string_view what);

}  // namespace sb::proto::json

// JSON codecs of the routing core's durable records (router/routing/records.h),
// stored by storage/ as opaque RoutingRecords in the `routing` column family.
// Times are integer milliseconds. Decoding returns InvalidArgument for bytes
// that do not decode; recovery reports them as corruption.
#pragma once

#include <string>
#include <string_view>

#include "proto/change.h"
#include "router/routing/records.h"

namespace sb::router {

proto::RoutingRecord to_record(const routing::QueueConfig& q);
proto::RoutingRecord to_record(const routing::OperatorConfig& o);
proto::RoutingRecord to_record(const routing::OperatorRuntime& r);
// A resolved conversation leaves routing: its record is erased.
proto::RoutingRecord to_record(const routing::ConversationRecord& c);

Result<routing::QueueConfig> decode_queue(std::string_view json);
Result<routing::OperatorConfig> decode_operator(std::string_view json);
Result<routing::OperatorRuntime> decode_runtime(std::string_view json);
Result<routing::ConversationRecord> decode_conversation_routing(std::string_view json);

}  // namespace sb::router

// Parsers of the routing API's request bodies (untrusted JSON) into the
// routing core's types. Seconds on the wire, milliseconds inside.
#pragma once

#include <string>
#include <string_view>

#include "proto/status.h"
#include "router/routing/types.h"

namespace sb::adapters {

// {"skills":[],"priority":0,"strategy":"least_loaded","offer_timeout_s":30,
//  "auto_accept":false,"first_response_sla_s":120,"overflow":{"after_s":300,"queue":"general"},
//  "select":{"channels":[],"keywords":[],"attributes":{"vip":"true"}}}
Result<router::routing::QueueConfig> parse_queue_body(std::string_view body,
                                                      const std::string& name);
// {"name":"Olena","skills":["uk"],"queues":["support"],"capacity":{"chat":5,"email":10}}
Result<router::routing::OperatorConfig> parse_operator_body(std::string_view body,
                                                            const std::string& id);
// {"status":"online|away|offline"}
Result<router::routing::OperatorStatus> parse_status_body(std::string_view body);

struct TransferTarget {
  std::string operator_id;
  std::string queue;
};
// {"operator":"..."} or {"queue":"..."}
Result<TransferTarget> parse_transfer_body(std::string_view body);

}  // namespace sb::adapters

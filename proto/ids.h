// Names chosen by users (tenants, channels, queues, operators) are restricted
// to a safe alphabet so that they can be embedded in storage keys and URLs
// without escaping: [A-Za-z0-9._-], 1..64 characters, not "." or "..".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::proto {

bool is_valid_name(std::string_view name);

// Opaque ids minted by a tenant's shard from its event sequence:
// prefix + "-" + decimal seq, e.g. "cv-42". Unique per tenant.
std::string make_id(std::string_view prefix, std::uint64_t seq);

}  // namespace sb::proto

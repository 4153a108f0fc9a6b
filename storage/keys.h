// Key layout of every column family (documented in docs/storage.md).
// Tenant, channel and other user-chosen names obey proto::is_valid_name and so
// never contain the '\0' separator; platform ids may contain anything and are
// therefore always the last component. Sequence numbers are 8-byte big-endian
// so that lexicographic order is numeric order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::storage::keys {

void append_be64(std::string& out, std::uint64_t v);
std::optional<std::uint64_t> read_be64(std::string_view s);

// events CF:        tenant \0 seq(be64)
std::string event(std::string_view tenant, std::uint64_t seq);
// messages CF:      tenant \0 conversation \0 seq(be64)
std::string message(std::string_view tenant, std::string_view conversation, std::uint64_t seq);
std::string message_prefix(std::string_view tenant, std::string_view conversation);
// contacts CF:      tenant \0 'c' \0 contact_id      -> Contact JSON
//                   tenant \0 'i' \0 channel \0 external_id -> contact_id
std::string contact(std::string_view tenant, std::string_view contact_id);
std::string identity(std::string_view tenant, std::string_view channel, std::string_view external);
// conversations CF: tenant \0 conversation_id
std::string conversation(std::string_view tenant, std::string_view conversation_id);
// dedup CF:         tenant \0 channel \0 event_id    -> at(be64)
std::string dedup(std::string_view tenant, std::string_view channel, std::string_view event_id);
// meta CF:          tenant \0 "channel" \0 name       -> ChannelConfig JSON
std::string channel(std::string_view tenant, std::string_view name);
// meta CF:          tenant \0 "sizes" \0              -> 3 x be64 (Db::put_table_sizes)
std::string table_sizes(std::string_view tenant);

// routing CF:       tenant \0 kind \0 id               -> JSON (router/routing_codec.h)
std::string routing(std::string_view tenant, char kind, std::string_view id);

// timeline CF:      tenant \0 contact \0 seq(be64)     -> "" (points into events)
std::string timeline(std::string_view tenant, std::string_view contact, std::uint64_t seq);
std::string timeline_prefix(std::string_view tenant, std::string_view contact);
// outbox CF:        tenant \0 message_id               -> OutboxItem JSON
std::string outbox(std::string_view tenant, std::string_view message_id);

// The prefix every key of a tenant starts with, in every CF.
std::string tenant_prefix(std::string_view tenant);

// Splits "a\0b\0rest": returns the first `n` components and the rest as the
// last element; nullopt if there are fewer separators.
struct Parts {
  std::string_view p[4];
  int count = 0;
};
std::optional<Parts> split(std::string_view key, int components);

}  // namespace sb::storage::keys

#include "storage/keys.h"

namespace sb::storage::keys {

void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::optional<std::uint64_t> read_be64(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

namespace {
// Sized once, with room for the separator and big-endian seq that
// message() and timeline() append: one allocation per key.
std::string join(std::initializer_list<std::string_view> parts) {
  std::size_t size = parts.size() + 8;
  for (auto p : parts) size += p.size();
  std::string k;
  k.reserve(size);
  bool first = true;
  for (auto p : parts) {
    if (!first) k.push_back('\0');
    k.append(p);
    first = false;
  }
  return k;
}
}  // namespace

std::string tenant_prefix(std::string_view tenant) {
  std::string k(tenant);
  k.push_back('\0');
  return k;
}

std::string event(std::string_view tenant, std::uint64_t seq) {
  std::string k = tenant_prefix(tenant);
  append_be64(k, seq);
  return k;
}

std::string message_prefix(std::string_view tenant, std::string_view conversation) {
  std::string k = join({tenant, conversation});
  k.push_back('\0');
  return k;
}

std::string message(std::string_view tenant, std::string_view conversation, std::uint64_t seq) {
  std::string k = message_prefix(tenant, conversation);
  append_be64(k, seq);
  return k;
}

std::string contact(std::string_view tenant, std::string_view contact_id) {
  return join({tenant, "c", contact_id});
}

std::string identity(std::string_view tenant, std::string_view channel, std::string_view external) {
  return join({tenant, "i", channel, external});
}

std::string conversation(std::string_view tenant, std::string_view conversation_id) {
  return join({tenant, conversation_id});
}

std::string dedup(std::string_view tenant, std::string_view channel, std::string_view event_id) {
  return join({tenant, channel, event_id});
}

std::string channel(std::string_view tenant, std::string_view name) {
  return join({tenant, "channel", name});
}

std::string table_sizes(std::string_view tenant) { return join({tenant, "sizes", ""}); }

std::string routing(std::string_view tenant, char kind, std::string_view id) {
  const char k[1] = {kind};
  return join({tenant, std::string_view(k, 1), id});
}

std::string timeline_prefix(std::string_view tenant, std::string_view contact) {
  std::string k = join({tenant, contact});
  k.push_back('\0');
  return k;
}

std::string timeline(std::string_view tenant, std::string_view contact, std::uint64_t seq) {
  std::string k = timeline_prefix(tenant, contact);
  append_be64(k, seq);
  return k;
}

std::string outbox(std::string_view tenant, std::string_view message_id) {
  return join({tenant, message_id});
}

std::optional<Parts> split(std::string_view key, int components) {
  Parts parts;
  for (int i = 0; i + 1 < components; ++i) {
    const auto pos = key.find('\0');
    if (pos == std::string_view::npos) return std::nullopt;
    parts.p[i] = key.substr(0, pos);
    key.remove_prefix(pos + 1);
  }
  parts.p[components - 1] = key;
  parts.count = components;
  return parts;
}

}  // namespace sb::storage::keys

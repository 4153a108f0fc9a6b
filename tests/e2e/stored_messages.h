// Every message RocksDB holds for a tenant, read after the daemon stopped:
// what the crash tests check acknowledged events and replies against.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/db.h"

namespace sb::test {

// Collects a tenant's conversations during Db::recover.
struct ConversationLister final : storage::RecoveryVisitor {
  explicit ConversationLister(std::string tenant) : tenant(std::move(tenant)) {}
  std::string tenant;
  std::vector<std::string> ids;
  std::map<std::string, std::uint64_t> message_counts;  // id -> the record's message_count
  void on_channel(const std::string&, proto::ChannelConfig) override {}
  void on_contact(const std::string&, proto::Contact) override {}
  void on_identity(const std::string&, proto::IdentityLink) override {}
  void on_conversation(const std::string& t, proto::Conversation c) override {
    if (t != tenant) return;
    ids.push_back(c.id);
    message_counts[c.id] = c.message_count;
  }
  void on_dedup(const std::string&, proto::DedupMark) override {}
  void on_last_seq(const std::string&, std::uint64_t) override {}
  void on_routing(const std::string&, proto::RoutingRecord) override {}
};

// The messages of all of `tenant`'s conversations, conversation by
// conversation; `recovered`, if given, gets the conversations as recovery
// read them.
inline Status stored_messages(storage::Db& db, const std::string& tenant,
                              std::vector<proto::Message>& out,
                              ConversationLister* recovered = nullptr) {
  ConversationLister own(tenant);
  ConversationLister& lister = recovered != nullptr ? *recovered : own;
  if (auto st = db.recover(lister, 0); !st.is_ok()) return st;
  for (const auto& conv : lister.ids) {
    if (auto st = db.read_messages(tenant, conv, out); !st.is_ok()) return st;
  }
  return Status::ok();
}

}  // namespace sb::test

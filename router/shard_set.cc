#include "router/shard_set.h"

#include <functional>

namespace sb::router {

namespace {
class StartupVisitor final : public storage::RecoveryVisitor {
 public:
  StartupVisitor(ShardSet& set, Directory& directory) : set_(set), directory_(directory) {}
  void on_channel(const std::string& t, proto::ChannelConfig c) override {
    directory_.put_channel(t, c);
  }
  // Storage bounds the hint by what it holds (Db::recover).
  void on_table_sizes(const std::string& t, storage::TableSizes s) override {
    state(t).reserve_for_restore(s.contacts, s.identities, s.conversations);
  }
  void on_contact(const std::string& t, proto::Contact c) override {
    state(t).restore(std::move(c));
  }
  void on_identity(const std::string& t, proto::IdentityLink l) override { state(t).restore(l); }
  void on_conversation(const std::string& t, proto::Conversation c) override {
    state(t).restore(std::move(c));
  }
  void on_dedup(const std::string& t, proto::DedupMark m) override { state(t).restore(m); }
  void on_last_seq(const std::string& t, std::uint64_t seq) override {
    state(t).restore_last_seq(seq);
  }
  void on_routing(const std::string& t, proto::RoutingRecord r) override {
    if (r.kind == 't') {  // published as one snapshot once recovery is done
      tokens.push_back(Directory::TokenGrant{t, std::move(r.id), std::move(r.json)});
      return;
    }
    if (auto st = state(t).restore(r); !st.is_ok() && status.is_ok()) status = st;
  }
  void on_outbox(const std::string& t, proto::OutboxItem item) override {
    state(t).restore_pending_outbound(item);
    pending.emplace_back(t, std::move(item));
  }
  Status status;
  std::vector<std::pair<std::string, proto::OutboxItem>> pending;
  std::vector<Directory::TokenGrant> tokens;

 private:
  TenantState& state(const std::string& t) { return set_.shard_for(t).tenant_for_restore(t); }
  ShardSet& set_;
  Directory& directory_;
};
}  // namespace

ShardSet::ShardSet(int count, storage::Db& db, Directory& directory, ShardOptions options)
    : db_(db), directory_(directory), options_(std::move(options)) {
  if (count < 1) count = 1;
  for (int i = 0; i < count; ++i) {
    auto opts = options_;
    opts.owns = [this, i](const std::string& t) {
      return index_for(t) == static_cast<std::size_t>(i);
    };
    shards_.push_back(std::make_unique<Shard>(i, db_, directory_, std::move(opts)));
  }
}

ShardSet::~ShardSet() { stop(); }

std::size_t ShardSet::index_for(const std::string& tenant) const {
  return std::hash<std::string>{}(tenant) % shards_.size();
}

Shard& ShardSet::shard_for(const std::string& tenant) { return *shards_[index_for(tenant)]; }

Status ShardSet::recover() {
  StartupVisitor v(*this, directory_);
  const auto now = options_.clock();
  auto st = db_.recover(v, now - options_.tenant.dedup_window_ms);
  if (st.is_ok()) st = v.status;
  if (!st.is_ok()) return st;
  pending_outbox_ = std::move(v.pending);
  directory_.put_operator_tokens(v.tokens);
  std::vector<std::pair<std::string, storage::TableSizes>> sizes;
  for (auto& s : shards_) {
    if (auto fs = s->finish_restore(now); !fs.is_ok()) return fs;
    for (auto& t : s->table_sizes()) sizes.push_back(std::move(t));
  }
  // For the next start. A hint: failing to store it is not worth refusing to
  // serve; the daemon logs it (sizing_hint_status()).
  sizing_hint_status_ = db_.put_table_sizes(sizes);
  return Status::ok();
}

void ShardSet::start() {
  for (auto& s : shards_) s->start();
}

void ShardSet::stop() {
  for (auto& s : shards_) s->stop();
}

bool ShardSet::submit(const std::string& tenant, Command command) {
  return shard_for(tenant).submit(std::move(command));
}

}  // namespace sb::router

#include "router/directory.h"

namespace sb::router {

const TenantConfig* DirectorySnapshot::tenant(const std::string& id) const {
  auto it = tenants.find(id);
  return it == tenants.end() ? nullptr : it->second.get();
}

const proto::ChannelConfig* DirectorySnapshot::channel(const std::string& tenant_id,
                                                       const std::string& name) const {
  const auto* t = tenant(tenant_id);
  if (t == nullptr) return nullptr;
  auto it = t->channels.find(name);
  return it == t->channels.end() ? nullptr : &it->second;
}

Directory::Directory() : current_(std::make_shared<const DirectorySnapshot>()) {}

template <class F>
void Directory::update(F&& mutate) {
  auto old = current_.load(std::memory_order_acquire);
  for (;;) {
    auto next = std::make_shared<DirectorySnapshot>(*old);
    mutate(*next);
    std::shared_ptr<const DirectorySnapshot> frozen = std::move(next);
    if (current_.compare_exchange_weak(old, frozen, std::memory_order_acq_rel)) return;
  }
}

void Directory::put_tenant(const std::string& id, std::vector<std::string> admin_key_hashes) {
  update([&](DirectorySnapshot& s) {
    auto t = std::make_shared<TenantConfig>();
    if (const auto* old = s.tenant(id)) {
      *t = *old;
      for (const auto& h : old->admin_key_hashes) s.tenant_by_admin_hash.erase(h);
    }
    t->id = id;
    t->admin_key_hashes = admin_key_hashes;
    for (const auto& h : admin_key_hashes) s.tenant_by_admin_hash[h] = id;
    s.tenants[id] = std::move(t);
  });
}

void Directory::put_channel(const std::string& tenant, const proto::ChannelConfig& channel) {
  update([&](DirectorySnapshot& s) {
    const auto* old = s.tenant(tenant);
    if (old == nullptr) return;
    auto t = std::make_shared<TenantConfig>(*old);
    t->channels[channel.name] = channel;
    s.tenants[tenant] = std::move(t);
  });
}

void Directory::put_operator_token(const std::string& tenant, const std::string& token_hash,
                                   const std::string& operator_id) {
  update([&](DirectorySnapshot& s) {
    if (operator_id.empty()) {
      s.operator_by_token_hash.erase(token_hash);
    } else {
      s.operator_by_token_hash[token_hash] = OperatorIdentity{tenant, operator_id};
    }
  });
}

void Directory::put_operator_tokens(const std::vector<TokenGrant>& grants) {
  if (grants.empty()) return;
  update([&](DirectorySnapshot& s) {
    s.operator_by_token_hash.reserve(s.operator_by_token_hash.size() + grants.size());
    for (const auto& g : grants) {
      if (g.operator_id.empty()) {
        s.operator_by_token_hash.erase(g.token_hash);
      } else {
        s.operator_by_token_hash[g.token_hash] = OperatorIdentity{g.tenant, g.operator_id};
      }
    }
  });
}

}  // namespace sb::router

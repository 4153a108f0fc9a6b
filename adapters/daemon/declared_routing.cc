#include "adapters/daemon/declared_routing.h"

#include <future>
#include <memory>
#include <stdexcept>

#include "adapters/front/routing_bodies.h"
#include "router/tenant_state.h"

namespace sb::daemon {

std::vector<DeclaredRouting> validate_declared_routing(const Config& config) {
  std::vector<DeclaredRouting> out;
  for (const auto& t : config.tenants) {
    if (t.queues.empty() && t.operators.empty()) continue;
    DeclaredRouting d;
    d.tenant = t.id;
    for (const auto& q : t.queues) {
      auto parsed = adapters::parse_queue_body(q.json, q.name);
      if (!parsed)
        throw std::runtime_error("tenant " + t.id + ": queue " + q.name + ": " +
                                 parsed.status().message());
      d.queues.push_back(std::move(parsed).value());
    }
    for (const auto& o : t.operators) {
      auto parsed = adapters::parse_operator_body(o.json, o.name);
      if (!parsed) {
        throw std::runtime_error("tenant " + t.id + ": operator " + o.name + ": " +
                                 parsed.status().message());
      }
      d.operators.emplace_back(std::move(parsed).value(), o.token_sha256);
    }
    out.push_back(std::move(d));
  }
  return out;
}

Status apply_declared_routing(const std::vector<DeclaredRouting>& declared,
                              router::ShardSet& shards, router::Directory& directory) {
  for (const auto& d : declared) {
    auto granted =
        std::make_shared<std::vector<std::pair<std::string, std::string>>>();  // hash, operator
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    router::TenantCommand cmd{
        d.tenant,
        [&d, granted](router::TenantState& t, proto::TimeMs now,
                      std::vector<proto::Change>& out) -> Status {
          for (const auto& q : d.queues) {
            if (t.dispatcher().queue(q.name) != nullptr) continue;  // stored: the API's changes win
            auto st =
                t.route(now, out, [&](auto& disp, auto& o) { return disp.put_queue(q, now, o); });
            if (!st.is_ok()) return Status(st.code(), "queue " + q.name + ": " + st.message());
            out.push_back(router::TenantState::queue_record(q));
          }
          for (const auto& [op, token_sha256] : d.operators) {
            if (t.dispatcher().operator_runtime(op.id)) continue;
            auto st = t.route(now, out,
                              [&](auto& disp, auto& o) { return disp.put_operator(op, now, o); });
            if (!st.is_ok()) return Status(st.code(), "operator " + op.id + ": " + st.message());
            out.push_back(router::TenantState::operator_record(op));
            if (!token_sha256.empty()) {
              out.push_back(proto::RoutingRecord{'t', token_sha256, op.id, false});
              granted->emplace_back(token_sha256, op.id);
            }
          }
          return Status::ok();
        },
        [done](Status st) { done->set_value(std::move(st)); }};
    if (!shards.submit(d.tenant, std::move(cmd)))
      return Status::unavailable("shard queue full at start-up");
    if (auto st = result.get(); !st.is_ok())
      return Status(st.code(), "tenant " + d.tenant + ": " + st.message());
    for (const auto& [hash, id] : *granted) directory.put_operator_token(d.tenant, hash, id);
  }
  return Status::ok();
}

}  // namespace sb::daemon

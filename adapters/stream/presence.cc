#include "adapters/stream/presence.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <thread>

#include "proto/thread_name.h"

namespace sb::adapters {

namespace net = boost::asio;
namespace routing = router::routing;

struct Presence::Impl {
  router::ShardSet& shards;
  std::chrono::milliseconds grace;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{net::make_work_guard(ioc)};
  struct Entry {
    int connections = 0;
    std::uint64_t generation = 0;  // bumped on every change: stale timers do nothing
  };
  std::map<std::pair<std::string, std::string>, Entry> entries;  // presence thread only
  std::thread thread{[this] {
    proto::name_this_thread("sb-presence");
    ioc.run();
  }};

  Impl(router::ShardSet& s, std::chrono::milliseconds g) : shards(s), grace(g) {}

  void set_away(const std::string& tenant, const std::string& op) {
    router::TenantCommand cmd;
    cmd.tenant = tenant;
    cmd.apply = [op](router::TenantState& t, proto::TimeMs now, std::vector<proto::Change>& out) {
      auto rt = t.dispatcher().operator_runtime(op);
      if (!rt || rt->status != routing::OperatorStatus::kOnline) return Status::ok();
      return t.route(now, out, [&](auto& d, auto& o) {
        return d.set_operator_status(op, routing::OperatorStatus::kAway, now, o);
      });
    };
    cmd.done = [](Status) {};
    (void)shards.submit(tenant, std::move(cmd));
  }
};

Presence::Presence(router::ShardSet& shards, std::chrono::milliseconds grace)
    : impl_(std::make_unique<Impl>(shards, grace)) {}

Presence::~Presence() { stop(); }

void Presence::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

void Presence::connected(const std::string& tenant, const std::string& op) {
  net::post(impl_->ioc, [impl = impl_.get(), key = std::make_pair(tenant, op)] {
    auto& e = impl->entries[key];
    e.connections += 1;
    e.generation += 1;
  });
}

void Presence::disconnected(const std::string& tenant, const std::string& op) {
  net::post(impl_->ioc, [impl = impl_.get(), key = std::make_pair(tenant, op)] {
    auto& e = impl->entries[key];
    if (e.connections > 0) e.connections -= 1;
    e.generation += 1;
    if (e.connections > 0) return;
    auto timer = std::make_shared<net::steady_timer>(impl->ioc, impl->grace);
    timer->async_wait([impl, key, timer, gen = e.generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto it = impl->entries.find(key);
      if (it == impl->entries.end() || it->second.generation != gen || it->second.connections > 0) {
        return;  // reconnected meanwhile
      }
      impl->entries.erase(it);
      impl->set_away(key.first, key.second);
    });
  });
}

}  // namespace sb::adapters

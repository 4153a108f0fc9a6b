#include "adapters/outbound/outbox.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "adapters/channel.h"
#include "adapters/deferred_post.h"
#include "proto/thread_name.h"

namespace sb::adapters {

namespace net = boost::asio;

struct Outbox::Impl {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{net::make_work_guard(ioc)};
  std::thread thread{[this] {
    proto::name_this_thread("sb-outbox");
    ioc.run();
  }};
};

Outbox::Outbox(outbound::HttpClient& client, router::Directory& directory, router::ShardSet& shards,
               std::function<proto::TimeMs()> clock, OutboxOptions options)
    : client_(client),
      directory_(directory),
      shards_(shards),
      clock_(std::move(clock)),
      options_(options),
      impl_(std::make_unique<Impl>()) {}

Outbox::~Outbox() { stop(); }

void Outbox::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

void Outbox::on_committed(const std::string& tenant, const proto::OutboxItem& item) {
  if (item.state != "pending") return;
  const auto delay = item.next_attempt_at - clock_();
  if (delay <= 0) {
    // Due now (a fresh reply): a post, gathered with the rest of the group
    // commit's hand-offs, rather than a timer armed from the shard's thread
    // (a timerfd_settime and a wake-up per reply).
    DeferredPosts::post(impl_->ioc.get_executor(), [this, tenant, item] { attempt(tenant, item); });
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc);
  timer->expires_after(std::chrono::milliseconds(delay));
  timer->async_wait([this, timer, tenant, item](const boost::system::error_code& ec) {
    if (!ec) attempt(tenant, item);
  });
}

void Outbox::resume(const std::string& tenant, proto::OutboxItem item) {
  if (item.state == "sending") {
    auto snap = directory_.snapshot();
    const auto* channel = snap->channel(tenant, item.channel);
    const ChannelAdapter* adapter = channel ? find_channel(channel->type) : nullptr;
    if (adapter == nullptr || !adapter->idempotent_send()) {
      // The daemon stopped between committing the attempt and recording its
      // outcome: the platform may or may not have the reply. Sending it again
      // could duplicate it, so the operator is told instead.
      item.state = "failed";
      item.error =
          "outcome unknown: the daemon stopped during this delivery attempt; "
          "not sent again to avoid a duplicate";
      count(item);
      return finish(tenant, std::move(item));
    }
    item.state = "pending";  // the receiver deduplicates by Idempotency-Key
  }
  on_committed(tenant, item);
}

void Outbox::attempt(const std::string& tenant, proto::OutboxItem item) {
  auto snap = directory_.snapshot();
  const auto* channel = snap->channel(tenant, item.channel);
  const ChannelAdapter* adapter = channel ? find_channel(channel->type) : nullptr;
  item.attempts += 1;
  if (adapter != nullptr && adapter->delivered_when_stored()) {
    item.state = "delivered";  // the customer's stream already carries it
    count(item);
    return finish(tenant, std::move(item));
  }
  auto request = (adapter != nullptr) ? adapter->build_send(*channel, item.reply_address, item.text)
                                      : std::nullopt;
  if (!request) {
    item.state = "failed";
    item.error = channel == nullptr ? "the conversation's channel no longer exists"
                                    : "channel type '" + channel->type + "' cannot send replies";
    count(item);
    return finish(tenant, std::move(item));
  }
  if (adapter->idempotent_send()) {
    request->headers.emplace_back("Idempotency-Key", item.message_id);
    return send(tenant, std::move(item), adapter, std::move(*request));
  }
  // Make "an attempt is under way" durable before the request leaves.
  item.state = "sending";
  auto req = std::make_shared<outbound::OutboundRequest>(std::move(*request));
  if (!record(tenant, item, [this, tenant, item, adapter, req](Status st) {
        if (!st.is_ok()) return retry_later(tenant, item);
        send(tenant, item, adapter, std::move(*req));  // async: does not block the shard
      })) {
    retry_later(tenant, std::move(item));
  }
}

// The "sending" mark could not be committed: nothing left; try again later.
void Outbox::retry_later(const std::string& tenant, proto::OutboxItem item) {
  item.state = "pending";
  item.attempts -= 1;
  item.next_attempt_at = clock_() + options_.first_backoff.count();
  on_committed(tenant, item);
}

void Outbox::send(const std::string& tenant, proto::OutboxItem item, const ChannelAdapter* adapter,
                  outbound::OutboundRequest request) {
  stats_.attempts.fetch_add(1, std::memory_order_relaxed);
  stats_.in_flight.fetch_add(1, std::memory_order_relaxed);
  client_.send(std::move(request),
               [this, tenant, item, adapter](Result<outbound::OutboundResponse> r) mutable {
                 stats_.in_flight.fetch_sub(1, std::memory_order_relaxed);
                 if (!r && stopping_.load(std::memory_order_acquire) && !adapter->idempotent_send())
                   return;
                 const auto result = adapter->interpret_send(r);
                 switch (result.kind) {
                   case DeliveryResult::Kind::kDelivered:
                     item.state = "delivered";
                     item.platform_message_id = result.platform_message_id;
                     item.error.clear();
                     break;
                   case DeliveryResult::Kind::kFailed:
                     item.state = "failed";
                     item.error = result.error;
                     break;
                   case DeliveryResult::Kind::kRetry: {
                     item.error = result.error;
                     if (item.attempts >= options_.max_attempts) {
                       item.state = "failed";
                       break;
                     }
                     item.state = "pending";
                     auto backoff = options_.first_backoff *
                                    (1LL << std::min<std::uint32_t>(item.attempts - 1, 20));
                     if (backoff > options_.max_backoff) backoff = options_.max_backoff;
                     if (result.retry_after.count() > 0) backoff = result.retry_after;
                     item.next_attempt_at = clock_() + backoff.count();
                     break;
                   }
                 }
                 count(item);
                 finish(tenant, std::move(item));
               });
}

void Outbox::count(const proto::OutboxItem& item) {
  if (item.state == "delivered") stats_.delivered.fetch_add(1, std::memory_order_relaxed);
  if (item.state == "failed") stats_.failed.fetch_add(1, std::memory_order_relaxed);
  if (item.state == "pending") stats_.retried.fetch_add(1, std::memory_order_relaxed);
}

// Commits `item` as it is now through the tenant's shard (record_delivery);
// `done` runs after the commit. False if the shard's queue was full.
bool Outbox::record(const std::string& tenant, const proto::OutboxItem& item,
                    std::function<void(Status)> done) {
  router::TenantCommand cmd;
  cmd.tenant = tenant;
  cmd.apply = [item](router::TenantState& t, proto::TimeMs now, std::vector<proto::Change>& out) {
    t.record_delivery(item, now, out);
    return Status::ok();
  };
  cmd.done = std::move(done);
  return shards_.submit(tenant, std::move(cmd));
}

// Commits the attempt's outcome; a pending item comes back through
// on_committed() and is scheduled again.
void Outbox::finish(const std::string& tenant, proto::OutboxItem item) {
  if (!record(tenant, item, [this, tenant, item](Status st) {
        if (st.is_ok()) return;
        spdlog::warn(
            "msg=\"outbox result not recorded, retrying\" tenant={} message={} error=\"{}\"",
            tenant, item.message_id, st.message());
        record_later(tenant, item);
      })) {
    record_later(tenant, std::move(item));
  }
}

// The outcome is known but not yet durable: record it again later. Never
// attempt again from here, or a delivered reply would be sent twice.
void Outbox::record_later(const std::string& tenant, proto::OutboxItem item) {
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc);
  timer->expires_after(options_.first_backoff);
  timer->async_wait([this, timer, tenant, item](const boost::system::error_code& ec) {
    if (!ec) finish(tenant, item);
  });
}

}  // namespace sb::adapters

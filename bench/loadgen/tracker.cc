#include "bench/loadgen/tracker.h"

namespace sb::loadgen {

namespace {
std::int64_t micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}
}  // namespace

Tracker::Tracker(std::int64_t customers) : customers_(static_cast<std::size_t>(customers)) {}

std::string Tracker::key(std::size_t tenant, std::string_view conversation) {
  std::string k = std::to_string(tenant);
  k += '/';
  k += conversation;
  return k;
}

Tracker::Pick Tracker::pick(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> any(0, customers_.size() - 1);
  std::lock_guard lock(mu_);
  Pick p;
  // A customer whose first message is still in flight waits for its answer,
  // as a person would; after a few tries the message goes out as a follow-up.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto i = any(rng);
    auto& c = customers_[i];
    p.customer = static_cast<std::int64_t>(i);
    if (c.state == State::kOpening) continue;
    p.opening = c.state == State::kIdle;
    if (p.opening) c.state = State::kOpening;
    break;
  }
  p.message_no = ++customers_[static_cast<std::size_t>(p.customer)].messages;
  return p;
}

void Tracker::on_stored(const Pick& p, std::size_t tenant, std::string_view conversation,
                        Clock::time_point base, Clock::time_point acked, Recorder& rec) {
  if (!p.opening) return;
  const auto k = key(tenant, conversation);
  std::lock_guard lock(mu_);
  customers_[static_cast<std::size_t>(p.customer)].state = State::kOpen;
  customer_of_[k] = p.customer;
  if (auto it = early_offers_.find(k); it != early_offers_.end()) {
    const auto arrived = it->second;
    early_offers_.erase(it);
    // An offer from before this webhook went out was some other message's.
    if (arrived >= base) return rec.offer(micros(arrived - base), micros(arrived - acked));
  }
  awaiting_offer_[k] = Trigger{base, acked};
}

void Tracker::on_failed(const Pick& p) {
  if (!p.opening) return;
  std::lock_guard lock(mu_);
  auto& c = customers_[static_cast<std::size_t>(p.customer)];
  if (c.state == State::kOpening) c.state = State::kIdle;
}

void Tracker::on_offer(std::size_t tenant, std::string_view conversation, Clock::time_point arrived,
                       Recorder& rec) {
  auto k = key(tenant, conversation);
  std::lock_guard lock(mu_);
  if (auto it = awaiting_offer_.find(k); it != awaiting_offer_.end()) {
    const auto t = it->second;
    awaiting_offer_.erase(it);
    return rec.offer(micros(arrived - t.base), micros(arrived - t.acked));
  }
  early_offers_[std::move(k)] = arrived;
}

void Tracker::on_resolved(std::size_t tenant, std::string_view conversation) {
  const auto k = key(tenant, conversation);
  std::lock_guard lock(mu_);
  awaiting_offer_.erase(k);
  early_offers_.erase(k);
  if (auto it = customer_of_.find(k); it != customer_of_.end()) {
    customers_[static_cast<std::size_t>(it->second)].state = State::kIdle;
    customer_of_.erase(it);
  }
}

void Tracker::prune(Clock::time_point now, std::chrono::seconds horizon) {
  std::lock_guard lock(mu_);
  std::erase_if(early_offers_, [&](const auto& kv) { return now - kv.second > horizon; });
}

std::size_t Tracker::awaiting_offer() const {
  std::lock_guard lock(mu_);
  return awaiting_offer_.size();
}

}  // namespace sb::loadgen

#include "bench/loadgen/stats.h"

namespace sb::loadgen {

void Counters::add(const Counters& o) {
  webhooks_sent += o.webhooks_sent;
  webhooks_acked += o.webhooks_acked;
  messages_stored += o.messages_stored;
  duplicates_absorbed += o.duplicates_absorbed;
  retries_sent += o.retries_sent;
  new_conversations += o.new_conversations;
  offers_received += o.offers_received;
  offers_matched += o.offers_matched;
  offers_before_ack += o.offers_before_ack;
  accepted += o.accepted;
  replied += o.replied;
  resolved += o.resolved;
  backlog_dropped += o.backlog_dropped;
  for (const auto& [kind, n] : o.errors) errors[kind] += n;
  for (const auto& [op, n] : o.late_offers) late_offers[op] += n;
}

std::uint64_t Counters::error_total() const {
  std::uint64_t n = 0;
  for (const auto& [kind, count] : errors) n += count;
  return n;
}

void Latencies::merge(const Latencies& o) {
  ack.merge(o.ack);
  send_lag.merge(o.send_lag);
  ack_rtt.merge(o.ack_rtt);
  webhook_to_offer.merge(o.webhook_to_offer);
  offer_after_ack.merge(o.offer_after_ack);
  offer_delivery.merge(o.offer_delivery);
  accept_rtt.merge(o.accept_rtt);
  reply_rtt.merge(o.reply_rtt);
  resolve_rtt.merge(o.resolve_rtt);
}

void Recorder::ack(std::int64_t micros) {
  std::lock_guard lock(mu_);
  totals_.ack.record(micros);
  interval_ack_.record(micros);
}

void Recorder::offer(std::int64_t to_offer_us, std::int64_t after_ack_us) {
  std::lock_guard lock(mu_);
  totals_.webhook_to_offer.record(to_offer_us);
  interval_offer_.record(to_offer_us);
  totals_.offer_after_ack.record(after_ack_us < 0 ? 0 : after_ack_us);
  counters_.offers_matched += 1;
  if (after_ack_us < 0) counters_.offers_before_ack += 1;
}

void Recorder::error(const std::string& kind) {
  std::lock_guard lock(mu_);
  counters_.errors[kind] += 1;
}

void Recorder::take_interval(LatencyHistogram& ack, LatencyHistogram& offer, Counters& counters) {
  std::lock_guard lock(mu_);
  ack.merge(interval_ack_);
  offer.merge(interval_offer_);
  interval_ack_.reset();
  interval_offer_.reset();
  counters.add(counters_);
}

void Recorder::snapshot(Counters& counters, Latencies& totals) {
  std::lock_guard lock(mu_);
  counters.add(counters_);
  totals.merge(totals_);
}

}  // namespace sb::loadgen

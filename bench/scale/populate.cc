// populate(): see populate.h. One tenant at a time: its TenantState is built
// by the same calls the daemon's request paths make, its changes are
// committed in batches, and it is dropped before the next tenant starts.
#include "bench/scale/populate.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <random>

#include "adapters/crypto.h"
#include "router/routing_codec.h"
#include "router/tenant_state.h"
#include "storage/db.h"

namespace sb::bench::scale {

namespace {

namespace routing = router::routing;
using proto::TimeMs;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kFirstCustomerId = 428'819'731;  // Telegram user ids
constexpr std::uint64_t kFirstUpdateId = 483'920'175;    // Telegram update ids
constexpr std::array<const char*, 5> kNames = {"Олена Коваленко", "Maria Santos", "Jean Dupont",
                                               "李伟", "Ahmed Hassan"};
constexpr std::array<const char*, 4> kTexts = {
    "Добрий день! My order #A-20931 has not arrived yet, can you check, please?",
    "Hi, I was charged twice for the same subscription this month.",
    "Thanks! And can I change the delivery address to the office?", "ok"};

std::string queue_name(int q) { return "support-" + std::to_string(q); }
std::string channel_name(int q) { return "tg-" + std::to_string(q); }

// One share of `total` split into `parts`: the first `total % parts` get one more.
std::uint64_t share(std::uint64_t total, int parts, int index) {
  const auto p = static_cast<std::uint64_t>(parts);
  return total / p + (static_cast<std::uint64_t>(index) < total % p ? 1 : 0);
}

// Builds and commits one tenant, as the commands of its requests would.
class TenantLoader {
 public:
  TenantLoader(storage::Db& db, const PopulateSpec& spec, std::string tenant)
      : db_(db), spec_(spec), state_(tenant, router::TenantOptions{}) {
    pending_.tenant = std::move(tenant);
  }

  Status setup(std::uint64_t operators, std::uint64_t conversations, TimeMs now);
  Status ingest(std::uint64_t events, std::uint64_t conversations, TimeMs start, TimeMs span,
                std::uint64_t seed, const std::function<void()>& tick);
  // The first `count` contacts write once at `at` (+1 ms each); each
  // conversation is accepted by the operator offered it and resolved.
  Status resolved_history(std::uint64_t count, TimeMs at);
  Status flush();
  std::uint64_t last_seq() const { return state_.last_seq(); }
  std::uint64_t commits() const { return commits_; }
  std::size_t open_conversations() const { return state_.dispatcher().open_conversations(); }

 private:
  // One command's changes are in pending_: commit once a batch is full.
  Status done_one() { return ++commands_ >= spec_.batch ? flush() : Status::ok(); }
  template <class F>
  Status route(TimeMs now, F&& fn) {
    return state_.route(now, pending_.changes, std::forward<F>(fn));
  }
  // Customer `who`'s message number `n` (the update id), sent at `now`.
  void make_event(std::uint64_t who, std::uint64_t n, TimeMs now, proto::InboundEvent& e) const;
  // A message through TenantState::ingest, as the shard runs it; a new
  // conversation is accepted at once by the operator holding its offer
  // (POST /v1/conversations/{id}/accept). Returns the conversation.
  Result<std::string> deliver(const proto::InboundEvent& e, std::uint64_t who, TimeMs now);

  storage::Db& db_;
  const PopulateSpec& spec_;
  router::TenantState state_;
  proto::ChangeSet pending_;
  std::size_t commands_ = 0;
  std::uint64_t commits_ = 0;
};

Status TenantLoader::flush() {
  if (commands_ == 0 && pending_.changes.empty()) return Status::ok();
  auto st = db_.commit(pending_);
  pending_.changes.clear();
  commands_ = 0;
  ++commits_;
  return st;
}

Status TenantLoader::setup(std::uint64_t operators, std::uint64_t conversations, TimeMs now) {
  const int queues = spec_.queues_per_tenant;
  for (int q = 0; q < queues; ++q) {
    proto::ChannelConfig ch;  // PUT /v1/channels/tg-q {"type":"telegram",...}
    ch.name = channel_name(q);
    ch.type = "telegram";
    ch.secret = adapters::random_token();
    ch.queue = queue_name(q);
    pending_.changes.emplace_back(std::move(ch));
    if (auto st = done_one(); !st.is_ok()) return st;

    routing::QueueConfig cfg;  // PUT /v1/queues/support-q {}
    cfg.name = queue_name(q);
    if (auto st = route(now, [&](auto& d, auto& o) { return d.put_queue(cfg, now, o); });
        !st.is_ok()) {
      return st;
    }
    pending_.changes.push_back(router::TenantState::queue_record(cfg));
    if (auto st = done_one(); !st.is_ok()) return st;
  }
  // Enough chat slots for every conversation, spread by least_loaded.
  const std::uint64_t per_op = operators == 0 ? 1 : (conversations + operators - 1) / operators;
  const auto capacity = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(per_op + 1, 1, 10000));
  for (std::uint64_t i = 0; i < operators; ++i) {
    routing::OperatorConfig op;  // PUT /v1/operators/op-i
    op.id = "op-" + std::to_string(i);
    op.name = "Operator " + std::to_string(i);
    op.queues.push_back(queue_name(static_cast<int>(i % static_cast<std::uint64_t>(queues))));
    op.capacity.chat = capacity;
    op.capacity.email = 5;
    if (auto st = route(now, [&](auto& d, auto& o) { return d.put_operator(op, now, o); });
        !st.is_ok()) {
      return st;
    }
    pending_.changes.push_back(router::TenantState::operator_record(op));
    pending_.changes.push_back(
        proto::RoutingRecord{'t', adapters::sha256_hex(adapters::random_token()), op.id, false});
    if (auto st = done_one(); !st.is_ok()) return st;
    // PUT /v1/me/status {"status":"online"}
    if (auto st = route(now,
                        [&](auto& d, auto& o) {
                          return d.set_operator_status(op.id, routing::OperatorStatus::kOnline, now,
                                                       o);
                        });
        !st.is_ok()) {
      return st;
    }
    if (auto st = done_one(); !st.is_ok()) return st;
  }
  return Status::ok();
}

Status TenantLoader::ingest(std::uint64_t events, std::uint64_t conversations, TimeMs start,
                            TimeMs span, std::uint64_t seed, const std::function<void()>& tick) {
  std::mt19937_64 rng(seed);
  std::uint64_t contacts = 0;
  proto::InboundEvent e;
  for (std::uint64_t i = 0; i < events; ++i) {
    const TimeMs now =
        start +
        static_cast<TimeMs>((static_cast<unsigned __int128>(i) * static_cast<std::uint64_t>(span)) /
                            events);
    // Contacts arrive evenly among the events; the rest are follow-ups.
    std::uint64_t who;
    if (contacts < conversations && contacts * events <= i * conversations) {
      who = contacts++;
    } else {
      who = rng() % contacts;
    }
    make_event(who, i, now, e);
    if (auto r = deliver(e, who, now); !r) return r.status();
    if ((i & 1023) == 0) tick();
  }
  return Status::ok();
}

void TenantLoader::make_event(std::uint64_t who, std::uint64_t n, TimeMs now,
                              proto::InboundEvent& e) const {
  const auto queues = static_cast<std::uint64_t>(spec_.queues_per_tenant);
  e.channel = channel_name(static_cast<int>(who % queues));
  e.event_id = std::to_string(kFirstUpdateId + n);
  e.contact_external_id = std::to_string(kFirstCustomerId + who);
  e.contact_name = kNames[who % kNames.size()];
  e.reply_address = e.contact_external_id;
  e.platform_message_id = std::to_string(n + 1);
  e.text = kTexts[n % kTexts.size()];
  e.platform_ts = now - 1000;
  e.received_ts = now;
}

Result<std::string> TenantLoader::deliver(const proto::InboundEvent& e, std::uint64_t who,
                                          TimeMs now) {
  const auto queues = static_cast<std::uint64_t>(spec_.queues_per_tenant);
  if (auto due = state_.next_deadline(); due && *due <= now) state_.advance(now, pending_.changes);
  const auto outcome = state_.ingest(e, queue_name(static_cast<int>(who % queues)),
                                     routing::ChannelKind::kChat, now, pending_.changes);
  if (auto st = done_one(); !st.is_ok()) return st;
  if (outcome.new_conversation) {
    const auto conv = state_.conversation(outcome.conversation_id);
    if (conv && !conv->offered_to.empty()) {
      const std::string op = conv->offered_to;
      auto st = route(
          now, [&](auto& d, auto& o) { return d.accept(outcome.conversation_id, op, now, o); });
      if (!st.is_ok()) return st;
      if (st = done_one(); !st.is_ok()) return st;
    }
  }
  return outcome.conversation_id;
}

Status TenantLoader::resolved_history(std::uint64_t count, TimeMs at) {
  proto::InboundEvent e;
  // Update ids far above the later events' (their dedup marks expire anyway).
  constexpr std::uint64_t kHistoryUpdates = 1ULL << 40;
  for (std::uint64_t who = 0; who < count; ++who) {
    const TimeMs now = at + static_cast<TimeMs>(who);
    make_event(who, kHistoryUpdates + who, now, e);
    auto conv = deliver(e, who, now);
    if (!conv) return conv.status();
    const auto c = state_.conversation(*conv);
    if (!c || c->operator_id.empty()) return Status::invalid("history: no operator took " + *conv);
    const std::string op = c->operator_id;  // POST /v1/conversations/{id}/resolve
    if (auto st = route(now, [&](auto& d, auto& o) { return d.resolve(*conv, op, now, o); });
        !st.is_ok()) {
      return st;
    }
    if (auto st = done_one(); !st.is_ok()) return st;
  }
  return Status::ok();
}

}  // namespace

std::string tenant_name(int index) {
  return index == 0 ? std::string("demo") : "tenant-" + std::to_string(index);
}

Result<PopulateResult> populate(const PopulateSpec& spec, const Progress& progress) {
  if (spec.tenants < 1 || spec.queues_per_tenant < 1 || spec.batch < 1) {
    return Status::invalid("tenants, queues and batch must be >= 1");
  }
  if (spec.events < spec.conversations) return Status::invalid("events must be >= conversations");
  // The daemon's storage options, but no fsync per commit.
  storage::DbOptions db_options;
  db_options.sync = false;
  db_options.dedup_window_ms = router::TenantOptions{}.dedup_window_ms;
  auto db = storage::Db::open(spec.db_dir, db_options);
  if (!db) return db.status();

  PopulateResult result;
  const auto t0 = Clock::now();
  auto last_report = t0;
  std::uint64_t done_before = 0;  // events of the tenants already finished
  for (int t = 0; t < spec.tenants; ++t) {
    const auto events = share(spec.events, spec.tenants, t);
    const auto conversations = share(spec.conversations, spec.tenants, t);
    const auto operators = share(spec.operators, spec.tenants, t);
    const auto resolved = std::min(share(spec.resolved, spec.tenants, t), conversations);
    TenantLoader loader(**db, spec, tenant_name(t));
    const TimeMs start = spec.end_ms - spec.span_ms;
    const TimeMs history_at = start - kResolvedAgeMs;
    if (auto st = loader.setup(operators, conversations, (resolved ? history_at : start) - 1000);
        !st.is_ok()) {
      return st;
    }
    if (auto st = loader.resolved_history(resolved, history_at); !st.is_ok()) return st;
    std::uint64_t done_here = 0;
    auto tick = [&] {
      done_here += 1024;
      if (!progress || Clock::now() - last_report < std::chrono::seconds(1)) return;
      last_report = Clock::now();
      progress(std::min(done_before + done_here, spec.events), spec.events);
    };
    if (auto st = loader.ingest(events, conversations, start, spec.span_ms, spec.seed + t, tick);
        !st.is_ok()) {
      return st;
    }
    if (auto st = loader.flush(); !st.is_ok()) return st;
    done_before += events;
    result.tenant_ids.push_back(tenant_name(t));
    result.conversations += loader.open_conversations();
    result.resolved += resolved;
    result.operators += operators;
    result.events += events;
    result.log_entries += loader.last_seq();
    result.commits += loader.commits();
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace sb::bench::scale

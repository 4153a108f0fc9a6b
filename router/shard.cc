#include "router/shard.h"

#include <algorithm>
#include <chrono>

#include "proto/thread_name.h"

namespace sb::router {

namespace {
// Idle shards still wake periodically: cheap, and where timers will be served.
constexpr std::chrono::milliseconds kIdleWake{200};
// How often an unhealthy shard with no traffic retries storage.
constexpr std::chrono::milliseconds kRecoveryRetry{250};

// Recovery visitor that rebuilds only the tenants one shard owns.
class ReloadVisitor final : public storage::RecoveryVisitor {
 public:
  ReloadVisitor(std::function<bool(const std::string&)> owns,
                std::function<TenantState&(const std::string&)> tenant)
      : owns_(std::move(owns)), tenant_(std::move(tenant)) {}
  void on_channel(const std::string&, proto::ChannelConfig) override {}
  void on_contact(const std::string& t, proto::Contact c) override {
    if (owns_(t)) tenant_(t).restore(std::move(c));
  }
  void on_identity(const std::string& t, proto::IdentityLink l) override {
    if (owns_(t)) tenant_(t).restore(l);
  }
  void on_conversation(const std::string& t, proto::Conversation c) override {
    if (owns_(t)) tenant_(t).restore(std::move(c));
  }
  void on_dedup(const std::string& t, proto::DedupMark m) override {
    if (owns_(t)) tenant_(t).restore(m);
  }
  void on_last_seq(const std::string& t, std::uint64_t seq) override {
    if (owns_(t)) tenant_(t).restore_last_seq(seq);
  }
  void on_routing(const std::string& t, proto::RoutingRecord r) override {
    if (!owns_(t)) return;
    if (auto st = tenant_(t).restore(r); !st.is_ok() && status.is_ok()) status = st;
  }
  void on_outbox(const std::string& t, proto::OutboxItem item) override {
    if (owns_(t)) tenant_(t).restore_pending_outbound(item);
  }
  Status status;

 private:
  std::function<bool(const std::string&)> owns_;
  std::function<TenantState&(const std::string&)> tenant_;
};
}  // namespace

// A command waiting for its batch to be durable, with what to tell it.
struct Shard::Pending {
  Queued* queued;
  IngestReply reply;
};

Shard::Shard(int index, storage::Db& db, Directory& directory, ShardOptions options)
    : index_(index),
      db_(db),
      directory_(directory),
      options_(std::move(options)),
      queue_(options_.queue_capacity),
      committer_(db_, stats_, healthy_, options_.max_batches_in_flight,
                 options_.completion_window) {}

Shard::~Shard() { stop(); }

bool Shard::submit(Command command) {
  // Registered before looking at `stopping_`, so that stop() can wait for
  // every push that saw it unset (seq_cst, as a Dekker handshake).
  submitters_.fetch_add(1, std::memory_order_seq_cst);
  if (stopping_.load(std::memory_order_seq_cst)) {
    submitters_.fetch_sub(1, std::memory_order_seq_cst);
    return false;
  }
  auto* boxed = new Queued{std::move(command), std::chrono::steady_clock::now()};
  const bool pushed = queue_.try_push(boxed);
  submitters_.fetch_sub(1, std::memory_order_seq_cst);
  if (!pushed) {
    delete boxed;
    stats_.rejected_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  wakeup_.notify();
  return true;
}

TenantState& Shard::tenant(const std::string& id) {
  auto it = tenants_.find(id);
  if (it == tenants_.end()) {
    it = tenants_.emplace(id, std::make_unique<TenantState>(id, options_.tenant)).first;
  }
  return *it->second;
}

TenantState& Shard::tenant_for_restore(const std::string& id) { return tenant(id); }

Status Shard::finish_restore(proto::TimeMs now) {
  // Repairs the routing core makes while re-arming (e.g. a conversation whose
  // operator no longer exists) are committed before the shard serves.
  std::vector<proto::ChangeSet> sets;
  for (auto& [id, t] : tenants_) {
    proto::ChangeSet set;
    set.tenant = id;
    t->finish_restore(now, set.changes);
    if (!set.changes.empty()) sets.push_back(std::move(set));
  }
  publish_outbound_stats();
  if (sets.empty()) return Status::ok();
  std::vector<const proto::ChangeSet*> ptrs;
  for (const auto& s : sets) ptrs.push_back(&s);
  return db_.commit(ptrs);
}

std::vector<std::pair<std::string, storage::TableSizes>> Shard::table_sizes() const {
  std::vector<std::pair<std::string, storage::TableSizes>> out;
  for (const auto& [id, t] : tenants_) {
    out.emplace_back(
        id, storage::TableSizes{t->contact_count(), t->identity_count(), t->conversation_count()});
  }
  return out;
}

std::vector<std::pair<std::string, std::uint64_t>> Shard::last_seqs() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& [id, t] : tenants_) out.emplace_back(id, t->last_seq());
  return out;
}

void Shard::start() {
  committer_.start("sb-commit-" + std::to_string(index_));
  thread_ = std::thread([this] {
    proto::name_this_thread("sb-shard-" + std::to_string(index_));
    run();
  });
}

void Shard::stop() {
  stopping_.store(true, std::memory_order_seq_cst);
  // Pushes already under way finish before the shard may exit, so every
  // accepted command is applied and completed.
  while (submitters_.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  drained_.store(true, std::memory_order_release);
  wakeup_.notify();
  if (thread_.joinable()) thread_.join();
  committer_.stop();  // writes and completes what the shard handed over
}

void Shard::run() {
  std::vector<Queued*> batch;
  batch.reserve(options_.max_batch);
  for (;;) {
    while (batch.size() < options_.max_batch) {
      auto next = queue_.try_pop();
      if (!next) break;
      batch.push_back(*next);
    }
    // After a failed commit the shard retries storage by itself, also with
    // no traffic, so readiness comes back once the disk takes writes again.
    if (batch.empty() && (needs_reload_ || committer_.failed()) &&
        std::chrono::steady_clock::now() >= next_recovery_try_) {
      process_batch(batch);  // sets the next try
      continue;
    }
    const auto budget = sleep_budget();
    if (!batch.empty() || budget.count() == 0) {
      process_batch(batch);  // an empty batch still fires due timers
      batch.clear();
      continue;
    }
    // `drained_` is set once no producer can push any more: only then is an
    // empty queue final.
    if (drained_.load(std::memory_order_acquire)) {
      if (queue_.empty_approx()) return;
      continue;
    }
    const auto token = wakeup_.prepare();
    if (!queue_.empty_approx() || drained_.load(std::memory_order_acquire)) {
      wakeup_.cancel();
      continue;
    }
    wakeup_.wait(token, budget);
  }
}

void Shard::fail_all(std::vector<Queued*>& batch, const Status& st) {
  for (Queued* cmd : batch) {
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, IngestCommand>) {
            if (c.done) c.done(IngestReply{st, {}});
          } else if constexpr (std::is_same_v<T, PutChannelCommand>) {
            if (c.done) c.done(st);
          } else {
            if (c.done) c.done(st);
          }
        },
        cmd->command);
    delete cmd;
  }
}

void Shard::process_batch(std::vector<Queued*>& batch) {
  if (!batch.empty()) {
    const auto taken = std::chrono::steady_clock::now();
    for (const Queued* q : batch) {
      const auto waited =
          std::chrono::duration_cast<std::chrono::microseconds>(taken - q->at).count();
      stats_.queue_wait_micros.observe(static_cast<std::uint64_t>(waited > 0 ? waited : 0));
    }
  }
  if (committer_.failed()) {
    // A write failed: memory ran ahead of disk. Let every batch built on it
    // fail, then rebuild from what is durable before applying anything more.
    committer_.drain();
    needs_reload_ = true;
    committer_.reset();
  }
  if (needs_reload_) {
    // Storage is retried at most every kRecoveryRetry, also under traffic;
    // in between, commands fail fast.
    const auto steady_now = std::chrono::steady_clock::now();
    if (steady_now < next_recovery_try_) {
      fail_all(batch, Status::unavailable("storage writes are failing"));
      return;
    }
    next_recovery_try_ = steady_now + kRecoveryRetry;
    Status st = db_.resume();
    if (st.is_ok()) st = reload();
    if (!st.is_ok()) {
      fail_all(batch, Status::unavailable("storage is failing: " + st.message()));
      return;
    }
    needs_reload_ = false;
    healthy_.store(true, std::memory_order_release);
  }
  const proto::TimeMs now = options_.clock();
  std::vector<proto::ChangeSet> sets(batch.size());
  std::vector<Pending> pending;
  pending.reserve(batch.size());

  for (std::size_t i = 0; i < batch.size(); ++i) {
    Queued* queued = batch[i];
    Command* cmd = &queued->command;
    Pending p{queued, {}};
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          sets[i].tenant = c.tenant;
          if constexpr (std::is_same_v<T, IngestCommand>) {
            auto& t = tenant(c.tenant);
            // A new message is ~6 changes (message, log entry, timeline
            // mark, dedup mark, conversation and its activity): one
            // allocation instead of the vector's doubling, capped so that a
            // delivery of thousands of events does not reserve megabytes.
            sets[i].changes.reserve(8 * std::min<std::size_t>(c.events.size(), 64));
            p.reply.outcomes.reserve(c.events.size());
            if (!c.nonce.empty()) {
              std::vector<std::string> ids;
              for (const auto& e : c.events) ids.push_back(e.event_id);
              p.reply.status = t.claim_nonce(c.nonce_scope, c.nonce, ids, now, sets[i].changes);
              if (!p.reply.status.is_ok()) return;
            }
            for (const auto& e : c.events) {
              p.reply.outcomes.push_back(
                  t.ingest(e, c.queue, c.kind, now, sets[i].changes, c.auto_reply));
            }
          } else if constexpr (std::is_same_v<T, PutChannelCommand>) {
            sets[i].changes.emplace_back(c.channel);
          } else if constexpr (std::is_same_v<T, TenantCommand>) {
            p.reply.status = c.apply(tenant(c.tenant), now, sets[i].changes);
          }
        },
        *cmd);
    pending.push_back(std::move(p));
  }
  // Routing timers that are due ride in the same batch.
  fire_timers(now, sets);

  publish_outbound_stats();

  // The write and the completions: here, or on the committer thread while
  // this one goes on with the next commands (ShardOptions::max_batches_in_flight).
  bool any_change = false;
  for (const auto& set : sets) any_change |= !set.changes.empty();
  if (pending.empty() && !any_change) return;
  auto prepared = std::make_unique<PreparedBatch>();
  // Encoding happens here, so the committer only writes.
  std::vector<const proto::ChangeSet*> ptrs;
  ptrs.reserve(sets.size());
  for (const auto& set : sets) {
    if (!set.changes.empty()) ptrs.push_back(&set);
  }
  if (!ptrs.empty()) prepared->prepare_status = db_.prepare(ptrs, prepared->write);
  if (options_.after_commit && prepared->prepare_status.is_ok()) {
    for (auto& set : sets) {
      if (set.changes.empty()) continue;
      if (auto fn = options_.after_commit(set)) prepared->after_commit.push_back(std::move(fn));
    }
  }
  prepared->commands = pending.size();
  prepared->complete = [this, pending = std::move(pending)](const Status& st) mutable {
    complete(pending, st);
  };
  committer_.submit(std::move(prepared));
}

// After the batch's write (ok or not), on the thread that wrote it.
void Shard::complete(std::vector<Pending>& pending, const Status& st) {
  for (auto& p : pending) {
    std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, IngestCommand>) {
            if (st.is_ok()) {  // counted once durable, not when applied
              for (const auto& o : p.reply.outcomes) {
                auto& counter = o.kind == IngestOutcome::Kind::kDuplicate ? stats_.duplicates
                                                                          : stats_.events_stored;
                counter.fetch_add(1, std::memory_order_relaxed);
              }
            } else {
              p.reply = IngestReply{st, {}};
            }
            if (c.done) c.done(std::move(p.reply));
          } else if constexpr (std::is_same_v<T, PutChannelCommand>) {
            if (st.is_ok()) directory_.put_channel(c.tenant, c.channel);
            if (c.done) c.done(st);
          } else if constexpr (std::is_same_v<T, TenantCommand>) {
            if (c.done) c.done(st.is_ok() ? p.reply.status : st);
          }
        },
        p.queued->command);
    delete p.queued;
  }
}

Status Shard::reload() {
  // Tenants are rebuilt from disk; refusals are not stored, so carry them over.
  for (const auto& [id, t] : tenants_) refused_before_reload_ += t->outbound_refused();
  tenants_.clear();
  ReloadVisitor v(options_.owns,
                  [this](const std::string& t) -> TenantState& { return tenant(t); });
  const auto now = options_.clock();
  auto st = db_.recover(v, now - options_.tenant.dedup_window_ms);
  if (st.is_ok()) st = v.status;
  if (!st.is_ok()) return st;
  return finish_restore(now);
}

void Shard::publish_outbound_stats() {
  std::uint64_t pending = 0, refused = 0;
  for (const auto& [id, t] : tenants_) {
    pending += t->outbound_pending();
    refused += t->outbound_refused();
  }
  stats_.outbound_pending.store(pending, std::memory_order_relaxed);
  stats_.outbound_refused.store(refused_before_reload_ + refused, std::memory_order_relaxed);
}

void Shard::fire_timers(proto::TimeMs now, std::vector<proto::ChangeSet>& sets) {
  // Tenants are few per shard; a tenant with nothing due costs one compare.
  for (auto& [id, t] : tenants_) {
    auto due = t->next_deadline();
    if (!due || *due > now) continue;
    proto::ChangeSet one;
    one.tenant = id;
    t->advance(now, one.changes);
    if (!one.changes.empty()) sets.push_back(std::move(one));
  }
}

std::chrono::milliseconds Shard::sleep_budget() const {
  const auto now = options_.clock();
  std::optional<proto::TimeMs> earliest;
  for (const auto& [id, t] : tenants_) {
    auto d = t->next_deadline();
    if (d && (!earliest || *d < *earliest)) earliest = d;
  }
  if (needs_reload_ || committer_.failed()) return kRecoveryRetry;
  if (!earliest) return kIdleWake;
  const auto left = *earliest - now;
  if (left <= 0) return std::chrono::milliseconds(0);
  return std::min<std::chrono::milliseconds>(kIdleWake, std::chrono::milliseconds(left));
}

}  // namespace sb::router

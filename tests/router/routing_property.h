// PropertyRun: one seeded random sequence against a Dispatcher, checking
// after every step; see routing_property_test.cc for what is checked.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "router/routing/dispatcher.h"
#include "tests/router/routing_fixture.h"

namespace sb::router::routing::testing {

// Numbers that a restored twin only has to agree with in order (arrival
// orders and round-robin tickets continue from the largest one still stored).
inline Snapshot normalized(Snapshot s) {
  for (auto& r : s.runtimes) r.round_robin.clear();
  for (auto& c : s.conversations) c.order = 0;
  return s;
}

class PropertyRun {
 public:
  explicit PropertyRun(std::uint64_t seed) : rng_(seed) {
    opts_.cooldown_ms = pick_of<TimeMs>({0, 5000, 60000});
    opts_.max_missed_offers = pick_of<std::uint32_t>({0, 1, 3});
    const int grace = pick(3);
    if (grace > 0) opts_.offline_grace_ms = grace == 1 ? 0 : 20000;
    opts_.sticky_window_ms = pick_of<TimeMs>({1000, 3600'000});
    d_ = std::make_unique<Dispatcher>(opts_);
  }

  // Counts the decisions made, by frame type: the generator must reach them all.
  void count_into(std::map<std::string, long>* seen) { seen_ = seen; }

  // "" when every check held, else what failed and the last steps.
  std::string run(int steps) {
    for (const auto& q : queue_names_) put_queue(q);
    for (int i = 0; i < 4; ++i) put_operator();
    for (int i = 0; i < steps && failure_.empty(); ++i) step();
    if (failure_.empty()) finish();
    if (failure_.empty()) return "";
    std::string r = failure_ + "\nlast steps:\n";
    for (const auto& l : log_) r += "  " + l + "\n";
    return r + "last decisions:\n" + trace(out_);
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int pct) { return pick(100) < pct; }
  template <class T>
  T pick_of(std::vector<T> v) {
    return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
  }
  std::vector<std::string> subset(const std::vector<std::string>& all, int pct) {
    std::vector<std::string> r;
    for (const auto& s : all) {
      if (chance(pct)) r.push_back(s);
    }
    return r;
  }
  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = "at t=" + std::to_string(now_) + ": " + why;
  }
  void note(std::string what) {
    log_.push_back(std::move(what));
    if (log_.size() > 30) log_.pop_front();
  }

  // Runs one input on the dispatcher (and the twin), then checks.
  template <class F>
  Status input(const std::string& what, bool clean, F&& f) {
    note(what);
    out_.clear();
    const Status st = f(*d_, out_);
    if (twin_) {
      Output o;
      const Status st2 = f(*twin_, o);
      if (st.code() != st2.code() || trace(out_) != trace(o)) {
        fail("restored twin diverged on " + what + "\noriginal:\n" + trace(out_) + "twin:\n" +
             trace(o));
      }
      if (Status inv = twin_->check_invariants(); !inv.is_ok()) fail("twin: " + inv.to_string());
    }
    // Records report every change (the final rebuild checks that), so a
    // refusal that reports none changed nothing.
    if (clean && !st.is_ok() && !out_.empty()) {
      fail("refused input " + what + " (" + st.to_string() + ") changed the state");
    }
    if (Status inv = d_->check_invariants(); !inv.is_ok()) fail(inv.to_string());
    check_output();
    return st;
  }

  void check_output() {
    for (const auto& dec : out_.decisions) {
      if (seen_ != nullptr) ++(*seen_)[std::string(frame_type(dec))];
      if (const auto* x = std::get_if<OfferDeclined>(&dec))
        cooled_[x->conversation][x->operator_id] = x->cooldown_until;
      if (const auto* x = std::get_if<OfferExpired>(&dec))
        cooled_[x->conversation][x->operator_id] = x->cooldown_until;
      if (const auto* x = std::get_if<Resolved>(&dec)) cooled_.erase(x->conversation);
      const std::string* conv = nullptr;
      const std::string* op = nullptr;
      if (const auto* x = std::get_if<Offered>(&dec)) {
        conv = &x->conversation, op = &x->operator_id;
        if (x->expires_at <= now_) fail("offer without a future deadline: " + describe(dec));
      }
      if (const auto* x = std::get_if<Assigned>(&dec); x && x->via == AssignVia::kAuto) {
        conv = &x->conversation, op = &x->operator_id;
      }
      if (conv != nullptr && cooled_[*conv].count(*op) && now_ < cooled_[*conv][*op]) {
        fail("offered inside the cool-down: " + describe(dec));
      }
    }
    for (const auto& r : out_.conversations) {
      auto live = d_->conversation(r.id);
      const bool gone = r.status == proto::ConversationStatus::kResolved;
      if (gone ? live.has_value() : !(live && *live == r)) fail("stale record of " + r.id);
      if (gone) {
        store_.conversations.erase(r.id);
      } else {
        store_.conversations[r.id] = r;
      }
    }
    for (const auto& r : out_.operators) {
      if (!(d_->operator_runtime(r.id) == r)) fail("stale runtime of " + r.id);
      store_.runtimes[r.id] = r;
    }
  }

  // Open conversations as last reported (check_output() verified them).
  std::vector<ConversationRecord> open(std::optional<proto::ConversationStatus> only = {}) {
    std::vector<ConversationRecord> r;
    for (const auto& [id, c] : store_.conversations) {
      if (!only || c.status == *only) r.push_back(c);
    }
    return r;
  }

  void put_queue(const std::string& name) {
    QueueConfig q;
    q.name = name;
    q.skills = subset(skills_, 15);
    q.priority = pick(4);
    q.strategy = static_cast<Strategy>(pick(3));
    q.offer_timeout_ms = pick_of<TimeMs>({0, 5000, 30000, 30000});
    if (chance(30)) {
      std::string to = pick_of(queue_names_);
      if (to != name) q.overflow = Overflow{pick_of<TimeMs>({10000, 60000}), to};
    }
    if (name == "q1") q.select.keywords = {"Invoice", "refund"};
    if (name == "q2") q.select.attributes = {{"vip", "true"}};
    if (name == "q3") q.select.channels = {"mail"};
    const Status st = input("put_queue " + name, false,
                            [&](Dispatcher& d, Output& o) { return d.put_queue(q, now_, o); });
    if (!st.is_ok()) fail("put_queue refused: " + st.to_string());
    store_.queues[name] = q;
  }

  void put_operator() {
    OperatorConfig o;
    o.id = pick_of(op_ids_);
    o.queues = subset(queue_names_, 45);
    o.skills = subset(skills_, 50);
    o.capacity = {static_cast<std::uint32_t>(pick(4)), static_cast<std::uint32_t>(pick(3))};
    const std::string what = "put_operator " + o.id + " chat=" + std::to_string(o.capacity.chat) +
                             " email=" + std::to_string(o.capacity.email);
    const Status st = input(what, maybe_settle(), [&](Dispatcher& d, Output& out) {
      return d.put_operator(o, now_, out);
    });
    if (st.is_ok()) store_.operators[o.id] = o;
    if (!st.is_ok() && st.code() != Code::kConflict) fail("put_operator: " + st.to_string());
  }

  // Half of the inputs run right after an advance() to the same time, so no
  // timer fires inside them and their outcome can be predicted exactly.
  bool maybe_settle() {
    if (!chance(50)) return false;
    (void)input("advance (settle)", false, [&](Dispatcher& d, Output& o) {
      d.advance(now_, o);
      return Status::ok();
    });
    return true;
  }

  void expect(const Status& st, bool strict, std::initializer_list<Code> allowed, Code exact,
              const std::string& what) {
    if (strict && st.code() != exact)
      fail(what + ": expected " + std::string(code_name(exact)) + ", got " + st.to_string());
    bool ok = false;
    for (Code c : allowed) ok |= st.code() == c;
    if (!ok) fail(what + ": unexpected " + st.to_string());
  }

  void step();
  void finish();

  std::mt19937_64 rng_;
  DispatcherOptions opts_;
  std::unique_ptr<Dispatcher> d_;
  std::unique_ptr<Dispatcher> twin_;
  TimeMs now_ = 1'700'000'000'000;
  Output out_;
  std::string failure_;
  std::deque<std::string> log_;
  std::map<std::string, std::map<std::string, TimeMs>> cooled_;  // conv -> op -> until
  struct {
    std::map<std::string, QueueConfig> queues;
    std::map<std::string, OperatorConfig> operators;
    std::map<std::string, OperatorRuntime> runtimes;
    std::map<std::string, ConversationRecord> conversations;
  } store_;
  std::map<std::string, long>* seen_ = nullptr;
  int next_conv_ = 0;
  std::vector<std::string> resolved_;
  const std::vector<std::string> op_ids_{"o0", "o1", "o2", "o3", "o4", "o5"};
  const std::vector<std::string> queue_names_{"default", "q1", "q2", "q3"};
  const std::vector<std::string> skills_{"s1", "s2", "s3"};
};

}  // namespace sb::router::routing::testing

#include "adapters/stream/hub.h"

#include <algorithm>

#include "proto/json_fields.h"

namespace sb::adapters {

namespace od = proto::json::od;

bool Frame::visible_to(std::string_view operator_id) const {
  if (operator_id.empty()) return true;
  return std::find(audience.begin(), audience.end(), operator_id) != audience.end();
}

std::vector<std::string> audience_of(std::string_view frame_json) {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(std::move(s));
  };
  simdjson::padded_string storage;
  od::document doc;
  if (!proto::json::begin(frame_json, storage, doc).is_ok()) return out;
  od::object obj;
  if (doc.get_object().get(obj)) return out;
  auto read = [&](od::value v) {
    std::string s;
    if (proto::json::read_string(v, s, "operator").is_ok()) add(std::move(s));  // null: skipped
    return Status::ok();
  };
  (void)proto::json::for_each_field(obj, [&](std::string_view k, od::value v) -> Status {
    if (k == "operator" || k == "from_operator" || k == "to_operator") return read(v);
    if (k == "mentions") return proto::json::for_each_element(v, "mentions", read);
    if (k == "conversation") {
      return proto::json::for_each_field(v, "conversation", [&](std::string_view ck, od::value cv) {
        if (ck == "operator" || ck == "offered_to") return read(cv);
        return Status::ok();
      });
    }
    return Status::ok();
  });
  return out;
}

StreamHub::StreamHub() : topics_(std::make_shared<const TopicMap>()) {}

std::shared_ptr<StreamHub::Topic> StreamHub::find(const std::string& tenant) const {
  auto map = topics_.load(std::memory_order_acquire);
  auto it = map->find(tenant);
  return it == map->end() ? nullptr : it->second;
}

std::shared_ptr<StreamHub::Topic> StreamHub::topic(const std::string& tenant) {
  auto map = topics_.load(std::memory_order_acquire);
  for (;;) {
    if (auto it = map->find(tenant); it != map->end()) return it->second;
    auto t = std::make_shared<Topic>();
    t->subscribers.store(std::make_shared<const std::vector<std::shared_ptr<StreamSubscriber>>>());
    auto next = std::make_shared<TopicMap>(*map);
    next->emplace(tenant, t);
    std::shared_ptr<const TopicMap> frozen = std::move(next);
    if (topics_.compare_exchange_weak(map, frozen, std::memory_order_acq_rel)) return t;
  }
}

std::shared_ptr<const StreamHub::Subscribers> StreamHub::advance(const std::string& tenant,
                                                                 std::uint64_t seq) {
  auto t = topic(tenant);
  t->last_seq.store(seq, std::memory_order_release);
  return t->subscribers.load(std::memory_order_acquire);
}

void StreamHub::deliver_all(const Subscribers& subs,
                            const std::vector<std::shared_ptr<const Frame>>& frames) {
  for (const auto& s : subs) {
    for (const auto& f : frames) s->deliver(f);
  }
}

void StreamHub::publish(const std::string& tenant,
                        const std::vector<std::shared_ptr<const Frame>>& frames) {
  if (frames.empty()) return;
  deliver_all(*advance(tenant, frames.back()->seq), frames);
}

void StreamHub::publish_fresh(const std::string& tenant,
                              std::vector<std::shared_ptr<Frame>> frames) {
  if (frames.empty()) return;
  const auto subs = advance(tenant, frames.back()->seq);
  if (subs->empty()) return;
  std::vector<std::shared_ptr<const Frame>> ready;
  ready.reserve(frames.size());
  for (auto& f : frames) {
    f->audience = audience_of(f->json);
    ready.push_back(std::move(f));
  }
  deliver_all(*subs, ready);
}

void StreamHub::subscribe(const std::string& tenant, const std::shared_ptr<StreamSubscriber>& s) {
  auto t = topic(tenant);
  auto cur = t->subscribers.load(std::memory_order_acquire);
  for (;;) {
    auto next = std::make_shared<std::vector<std::shared_ptr<StreamSubscriber>>>(*cur);
    next->push_back(s);
    std::shared_ptr<const std::vector<std::shared_ptr<StreamSubscriber>>> frozen = std::move(next);
    if (t->subscribers.compare_exchange_weak(cur, frozen, std::memory_order_acq_rel)) break;
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
}

void StreamHub::unsubscribe(const std::string& tenant, const StreamSubscriber* s) {
  auto t = find(tenant);
  if (!t) return;
  auto cur = t->subscribers.load(std::memory_order_acquire);
  for (;;) {
    auto next = std::make_shared<std::vector<std::shared_ptr<StreamSubscriber>>>();
    for (const auto& x : *cur) {
      if (x.get() != s) next->push_back(x);
    }
    if (next->size() == cur->size()) return;
    std::shared_ptr<const std::vector<std::shared_ptr<StreamSubscriber>>> frozen = std::move(next);
    if (t->subscribers.compare_exchange_weak(cur, frozen, std::memory_order_acq_rel)) break;
  }
  connections_.fetch_sub(1, std::memory_order_relaxed);
}

void StreamHub::close_all(const std::string& reason) {
  auto map = topics_.load(std::memory_order_acquire);
  for (const auto& [tenant, t] : *map) {
    auto subs = t->subscribers.load(std::memory_order_acquire);
    for (const auto& s : *subs) s->close(reason);
  }
}

std::size_t StreamHub::count(const std::string& tenant, const std::string& operator_id) const {
  auto t = find(tenant);
  if (!t) return 0;
  auto subs = t->subscribers.load(std::memory_order_acquire);
  return static_cast<std::size_t>(std::count_if(
      subs->begin(), subs->end(), [&](const auto& s) { return s->operator_id() == operator_id; }));
}

std::uint64_t StreamHub::last_seq(const std::string& tenant) const {
  auto t = find(tenant);
  return t ? t->last_seq.load(std::memory_order_acquire) : 0;
}

void StreamHub::seed_last_seq(const std::string& tenant, std::uint64_t seq) {
  topic(tenant)->last_seq.store(seq, std::memory_order_release);
}

}  // namespace sb::adapters

#include "router/dedup.h"

#include <algorithm>

namespace sb::router {

std::string DedupWindow::make_key(std::string_view channel, std::string_view event_id) {
  // Channel names never contain '\0' (proto::is_valid_name), so the split is unambiguous.
  std::string key;
  key.reserve(channel.size() + 1 + event_id.size());
  key.append(channel);
  key.push_back('\0');
  key.append(event_id);
  return key;
}

bool DedupWindow::contains(std::string_view channel, std::string_view event_id) const {
  // Reuses one buffer per thread: a lookup per event should not allocate.
  thread_local std::string key;
  key.assign(channel);
  key.push_back('\0');
  key.append(event_id);
  return keys_.contains(key);
}

void DedupWindow::insert(std::string_view channel, std::string_view event_id, proto::TimeMs at) {
  auto [it, inserted] = keys_.insert(make_key(channel, event_id));
  if (inserted) by_age_.push_back(Entry{at, &*it});
}

void DedupWindow::expire(proto::TimeMs now) {
  const proto::TimeMs horizon = now - window_ms_;
  while (!by_age_.empty() && by_age_.front().at < horizon) {
    const std::string* key = by_age_.front().key;
    by_age_.pop_front();
    keys_.erase(keys_.find(*key));
  }
}

void DedupWindow::restore(std::string_view channel, std::string_view event_id, proto::TimeMs at) {
  staged_.emplace_back(at, make_key(channel, event_id));
}

void DedupWindow::finish_restore() {
  const bool had_marks = !by_age_.empty();
  if (!staged_.empty()) {
    std::stable_sort(staged_.begin(), staged_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    keys_.reserve(keys_.size() + staged_.size());
    for (auto& [at, key] : staged_) {
      auto [it, inserted] = keys_.insert(std::move(key));
      if (inserted) by_age_.push_back(Entry{at, &*it});
    }
    staged_.clear();
    staged_.shrink_to_fit();
    if (!had_marks) return;  // appended in age order to an empty line
  }
  std::stable_sort(by_age_.begin(), by_age_.end(),
                   [](const Entry& a, const Entry& b) { return a.at < b.at; });
}

}  // namespace sb::router

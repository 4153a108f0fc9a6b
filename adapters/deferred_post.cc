#include "adapters/deferred_post.h"

#include <boost/asio/post.hpp>
#include <utility>
#include <vector>

namespace sb::adapters {

namespace {

struct Target {
  boost::asio::any_io_executor executor;
  std::vector<std::function<void()>> work;
};

struct Gathering {
  int depth = 0;
  std::vector<Target> targets;  // a handful: the I/O threads and the outbox
};

thread_local Gathering gathering;

}  // namespace

void DeferredPosts::begin() { ++gathering.depth; }

void DeferredPosts::end() {
  if (gathering.depth == 0 || --gathering.depth > 0) return;
  // Taken out first: a handler may run on another thread at once, and nothing
  // posted meanwhile from this thread may land in a list already handed over.
  auto targets = std::move(gathering.targets);
  gathering.targets.clear();
  for (auto& t : targets) {
    if (t.work.size() == 1) {
      boost::asio::post(t.executor, std::move(t.work.front()));
      continue;
    }
    boost::asio::post(t.executor, [work = std::move(t.work)]() mutable {
      for (auto& fn : work) fn();
    });
  }
}

void DeferredPosts::post(const boost::asio::any_io_executor& executor, std::function<void()> fn) {
  if (gathering.depth == 0) {
    boost::asio::post(executor, std::move(fn));
    return;
  }
  for (auto& t : gathering.targets) {
    if (t.executor == executor) {
      t.work.push_back(std::move(fn));
      return;
    }
  }
  gathering.targets.push_back(Target{executor, {}});
  gathering.targets.back().work.push_back(std::move(fn));
}

}  // namespace sb::adapters

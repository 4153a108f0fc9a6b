#include "adapters/blocking_pool.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace sb::adapters {

struct BlockingPool::Impl {
  explicit Impl(int n) : pool(static_cast<std::size_t>(n < 1 ? 1 : n)) {}
  boost::asio::thread_pool pool;
};

BlockingPool::BlockingPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::stop() { impl_->pool.join(); }

void BlockingPool::run(std::function<void()> task) {
  boost::asio::post(impl_->pool, std::move(task));
}

}  // namespace sb::adapters

// Hand-offs to I/O threads gathered while one thread completes many requests
// at once, and passed on together. A shard's group commit answers every
// webhook of the batch, publishes its stream frames and queues its outbound
// replies; each of those is a post to another thread's io_context, and a post
// from a foreign thread locks that io_context's queue and, when its thread
// sleeps in epoll, interrupts it (an epoll_ctl, then a context switch). Under
// sb_loadgen that was ~0.6 epoll_ctl and ~0.6 futex calls per webhook on the
// shard thread. Gathered, it is one post per executor per group commit
// (docs/performance-history.md, session 10).
//
// Thread-safety: the gathering is per thread (thread_local state). post() on
// a thread outside a begin()/end() window posts at once, as boost::asio::post
// does. Order: hand-offs to one executor run in the order they were made;
// hand-offs to different executors were never ordered. Executors are compared
// with ==, so two strands of one io_context stay two targets.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>

namespace sb::adapters {

class DeferredPosts {
 public:
  // Opens a gathering window on this thread; windows nest.
  static void begin();
  // Closes the window; the outermost end() posts what was gathered, one
  // handler per executor that runs its hand-offs in order.
  static void end();
  // Runs `fn` on `executor`: at the end of this thread's window, or at once
  // (boost::asio::post) outside one.
  static void post(const boost::asio::any_io_executor& executor, std::function<void()> fn);
};

}  // namespace sb::adapters

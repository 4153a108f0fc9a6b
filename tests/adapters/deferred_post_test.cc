#include "adapters/deferred_post.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <string>
#include <thread>

namespace sb::adapters {
namespace {

namespace net = boost::asio;

TEST(DeferredPosts, OutsideAWindowPostsAtOnce) {
  net::io_context ioc;
  std::string ran;
  DeferredPosts::post(ioc.get_executor(), [&] { ran += "a"; });
  EXPECT_EQ(ioc.poll(), 1u);
  EXPECT_EQ(ran, "a");
}

TEST(DeferredPosts, AWindowHandsEachExecutorOneHandlerInOrder) {
  net::io_context first;
  net::io_context second;
  std::string a;
  std::string b;
  DeferredPosts::begin();
  DeferredPosts::post(first.get_executor(), [&] { a += "1"; });
  DeferredPosts::post(second.get_executor(), [&] { b += "x"; });
  DeferredPosts::post(first.get_executor(), [&] { a += "2"; });
  DeferredPosts::post(first.get_executor(), [&] { a += "3"; });
  EXPECT_EQ(first.poll(), 0u) << "nothing is handed over before the window closes";
  EXPECT_EQ(second.poll(), 0u);
  first.restart();
  second.restart();
  DeferredPosts::end();
  EXPECT_EQ(first.poll(), 1u) << "one handler for the three hand-offs";
  EXPECT_EQ(second.poll(), 1u);
  EXPECT_EQ(a, "123");
  EXPECT_EQ(b, "x");
}

TEST(DeferredPosts, WindowsNestAndOnlyTheOutermostHandsOver) {
  net::io_context ioc;
  int ran = 0;
  DeferredPosts::begin();
  DeferredPosts::begin();
  DeferredPosts::post(ioc.get_executor(), [&] { ++ran; });
  DeferredPosts::end();
  EXPECT_EQ(ioc.poll(), 0u);
  ioc.restart();
  DeferredPosts::post(ioc.get_executor(), [&] { ++ran; });
  DeferredPosts::end();
  EXPECT_EQ(ioc.poll(), 1u);
  EXPECT_EQ(ran, 2);
  // Closed: posts go at once again.
  ioc.restart();
  DeferredPosts::post(ioc.get_executor(), [&] { ++ran; });
  EXPECT_EQ(ioc.poll(), 1u);
  EXPECT_EQ(ran, 3);
}

TEST(DeferredPosts, StrandsOfOneContextStayApart) {
  net::io_context ioc;
  auto s1 = net::make_strand(ioc);
  auto s2 = net::make_strand(ioc);
  int ran = 0;
  DeferredPosts::begin();
  DeferredPosts::post(s1, [&] { ++ran; });
  DeferredPosts::post(s2, [&] { ++ran; });
  DeferredPosts::post(s1, [&] { ++ran; });
  DeferredPosts::end();
  // One handler per strand (a strand's handler runs as two: strand + invoker).
  EXPECT_GE(ioc.poll(), 2u);
  EXPECT_EQ(ran, 3);
}

TEST(DeferredPosts, AnEndWithoutABeginIsHarmless) {
  net::io_context ioc;
  DeferredPosts::end();
  int ran = 0;
  DeferredPosts::post(ioc.get_executor(), [&] { ++ran; });
  EXPECT_EQ(ioc.poll(), 1u);
  EXPECT_EQ(ran, 1);
}

TEST(DeferredPosts, WindowsAreOneThreads) {
  net::io_context ioc;
  int ran = 0;
  DeferredPosts::begin();
  std::thread other([&] { DeferredPosts::post(ioc.get_executor(), [&] { ++ran; }); });
  other.join();
  EXPECT_EQ(ioc.poll(), 1u) << "another thread's post is not held by this thread's window";
  DeferredPosts::end();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace sb::adapters

// sb_loadgen's per-thread figures from /proc/<pid>/task/*/schedstat: summed
// per thread name, differenced between two samples, and read from a real
// process (this test's own).
#include "bench/loadgen/proc_stats.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"

namespace sb::loadgen {
namespace {

// A thread's files as the kernel lays them out: comm ends in a newline;
// schedstat is "on-cpu-ns waiting-ns slices".
void add_task(const std::string& proc, int tid, const std::string& name,
              const std::string& schedstat) {
  const auto dir = std::filesystem::path(proc) / "task" / std::to_string(tid);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "comm") << name << "\n";
  std::ofstream(dir / "schedstat") << schedstat << "\n";
}

TEST(ProcStats, ThreadsOfOneNameAreSummedAndSortedByName) {
  test::TempDir dir;
  add_task(dir.path(), 11, "sb-shard-0", "900 100 7");
  add_task(dir.path(), 12, "rocksdb:low", "10 20 1");
  add_task(dir.path(), 13, "rocksdb:low", "30 40 2");
  add_task(dir.path(), 14, "sb-io-0", "not numbers");  // mid-exit or garbled: skipped
  const auto threads = sample_threads_in(dir.path());
  ASSERT_TRUE(threads);
  ASSERT_EQ(threads->size(), 2u);
  EXPECT_EQ((*threads)[0].name, "rocksdb:low");
  EXPECT_EQ((*threads)[0].on_cpu_ns, 40u);
  EXPECT_EQ((*threads)[0].waiting_ns, 60u);
  EXPECT_EQ((*threads)[0].slices, 3u);
  EXPECT_EQ((*threads)[1].name, "sb-shard-0");
  EXPECT_EQ((*threads)[1].on_cpu_ns, 900u);
}

TEST(ProcStats, NoThreadsReadableIsNotMeasured) {
  test::TempDir dir;
  EXPECT_FALSE(sample_threads_in(dir.path())) << "no task directory";
  add_task(dir.path(), 1, "x", "");
  EXPECT_FALSE(sample_threads_in(dir.path())) << "no schedstat figures";
  add_task(dir.path(), 2, "y", "0 0 0");
  EXPECT_FALSE(sample_threads_in(dir.path())) << "scheduler statistics off: all zeros";
}

TEST(ProcStats, TheDifferenceIsPerNameAndNeverNegative) {
  const std::vector<ThreadTimes> before = {{"a", 100, 50, 10}, {"b", 500, 500, 50}};
  const std::vector<ThreadTimes> after = {
      {"a", 160, 80, 13},   // worked 60, waited 30, went on a CPU 3 times
      {"ab", 4, 5, 6},      // started meanwhile, sorts between two old names: whole
      {"b", 300, 200, 20},  // lost a thread of its pool: clamped, not wrapped around
      {"c", 7, 8, 9}};      // started meanwhile: counts whole
  const auto d = threads_between(before, after);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].on_cpu_ns, 60u);
  EXPECT_EQ(d[0].waiting_ns, 30u);
  EXPECT_EQ(d[0].slices, 3u);
  EXPECT_EQ(d[1].name, "ab");
  EXPECT_EQ(d[1].on_cpu_ns, 4u);
  EXPECT_EQ(d[1].waiting_ns, 5u);
  EXPECT_EQ(d[1].slices, 6u);
  EXPECT_EQ(d[2].on_cpu_ns, 0u);
  EXPECT_EQ(d[2].waiting_ns, 0u);
  EXPECT_EQ(d[2].slices, 0u);
  EXPECT_EQ(d[3].on_cpu_ns, 7u);
  EXPECT_EQ(d[3].slices, 9u);
}

TEST(ProcStats, PercentOfAWindowIsOfOneCore) {
  EXPECT_DOUBLE_EQ(percent_of_window(500'000'000, 2.0), 25.0);
  EXPECT_DOUBLE_EQ(percent_of_window(3'000'000'000, 2.0), 150.0);  // a pool of two threads
  EXPECT_DOUBLE_EQ(percent_of_window(1'000, 0.0), 0.0);            // no window: nothing
}

TEST(ProcStats, AThreadThatWorkedShowsItsTimeOnACpu) {
  const auto before = sample_threads(static_cast<int>(::getpid()));
  if (!before) GTEST_SKIP() << "this kernel keeps no /proc/<pid>/task/*/schedstat";
  std::atomic<bool> worked{false}, sampled{false};
  std::thread busy([&] {
    (void)pthread_setname_np(pthread_self(), "sb-test-busy");
    // 20 ms of this thread's own CPU time, however long the machine makes it wait.
    timespec cpu{};
    volatile std::uint64_t spins = 0;
    do {
      spins = spins + 1;
      ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    } while (cpu.tv_sec == 0 && cpu.tv_nsec < 20'000'000);
    // A yield brings the kernel's account of the thread (schedstat) up to
    // now; the CPU clock above counts the part not yet accounted, too.
    std::this_thread::yield();
    worked = true;
    // Sampled while it still runs: a thread that has exited is gone from /proc.
    while (!sampled) std::this_thread::yield();
  });
  while (!worked) std::this_thread::yield();
  const auto after = sample_threads(static_cast<int>(::getpid()));
  sampled = true;
  busy.join();
  ASSERT_TRUE(after);
  const auto d = threads_between(*before, *after);
  const auto it = std::find_if(d.begin(), d.end(),
                               [](const ThreadTimes& t) { return t.name == "sb-test-busy"; });
  ASSERT_NE(it, d.end());
  // The kernel's account may lag the thread's own clock by a scheduler tick.
  EXPECT_GE(it->on_cpu_ns, 10'000'000u) << "it spun for 20 ms of CPU";
  EXPECT_GE(it->slices, 1u);
}

}  // namespace
}  // namespace sb::loadgen

// The daemon's CPU time and memory from /proc, sampled by the main thread:
// utime+stime of /proc/<pid>/stat and VmRSS of /proc/<pid>/status; per thread
// name, the time on a CPU and the time spent runnable but waiting for one
// (/proc/<pid>/task/*/schedstat), which says whether a latency tail is the
// work or the wait for a core on a shared machine. Also finds
// the process listening on a loopback port (via /proc/net/tcp and the fd
// links), for when --pid is not given; that only sees our own user's processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::loadgen {

struct ProcSample {
  double cpu_seconds = 0;  // user + system
  std::int64_t rss_kb = 0;
};

// nullopt when the process is gone or unreadable.
std::optional<ProcSample> sample_process(int pid);
// "self" for the load generator's own figures.
std::optional<ProcSample> sample_self();

// The threads of one name (a pool such as sb-io-0, sb-io-1 is two names;
// RocksDB's two rocksdb:low threads are one), summed, from schedstat.
struct ThreadTimes {
  std::string name;
  std::uint64_t on_cpu_ns = 0;   // running on a CPU
  std::uint64_t waiting_ns = 0;  // runnable, waiting in a CPU's run queue
  std::uint64_t slices = 0;      // times it was put on a CPU
};

// One entry per thread name, sorted by name; nullopt when the process is gone
// or the kernel keeps no scheduler statistics (no schedstat files, or all
// zeros in them). `proc_dir` is "/proc/<pid>", "/proc/self", or a copy of
// their layout (tests).
std::optional<std::vector<ThreadTimes>> sample_threads(int pid);
std::optional<std::vector<ThreadTimes>> sample_threads_in(const std::string& proc_dir);
// What each name did from `before` to `after`. A name only in `after` (a
// thread started meanwhile) counts whole; one that lost a thread of its pool
// cannot go below zero.
std::vector<ThreadTimes> threads_between(const std::vector<ThreadTimes>& before,
                                         const std::vector<ThreadTimes>& after);
// `ns` of thread time over a window of `seconds`, as % of one core (0 for an
// empty window).
double percent_of_window(std::uint64_t ns, double seconds);

// The pid of the process with a listening TCP socket on `port`, or nullopt.
std::optional<int> find_listening_pid(std::uint16_t port);

}  // namespace sb::loadgen

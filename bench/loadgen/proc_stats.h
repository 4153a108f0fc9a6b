// The daemon's CPU time and memory from /proc, sampled by the main thread:
// utime+stime of /proc/<pid>/stat and VmRSS of /proc/<pid>/status. Also finds
// the process listening on a loopback port (via /proc/net/tcp and the fd
// links), for when --pid is not given; that only sees our own user's processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sb::loadgen {

struct ProcSample {
  double cpu_seconds = 0;  // user + system
  std::int64_t rss_kb = 0;
};

// nullopt when the process is gone or unreadable.
std::optional<ProcSample> sample_process(int pid);
// "self" for the load generator's own figures.
std::optional<ProcSample> sample_self();

// The pid of the process with a listening TCP socket on `port`, or nullopt.
std::optional<int> find_listening_pid(std::uint16_t port);

}  // namespace sb::loadgen

#include "bench/loadgen/proc_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace sb::loadgen {

namespace {

std::optional<ProcSample> sample_path(const std::string& dir) {
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  // After the name: state(3) ppid(4) ... utime(14) stime(15), i.e. f[11], f[12].
  if (f.size() < 13) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ProcSample s;
  s.cpu_seconds =
      (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / ticks;
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kb = std::strtoll(line.c_str() + 6, nullptr, 10);
      break;
    }
  }
  return s;
}

// Inodes of sockets listening on `port` (IPv4 and IPv6 tables).
std::vector<std::string> listening_inodes(std::uint16_t port) {
  std::vector<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream cols(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      cols >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") continue;  // 0A: LISTEN
      if (std::strtoul(local.c_str() + colon + 1, nullptr, 16) == port) inodes.push_back(inode);
    }
  }
  return inodes;
}

}  // namespace

std::optional<ProcSample> sample_process(int pid) {
  return sample_path("/proc/" + std::to_string(pid));
}

std::optional<ProcSample> sample_self() { return sample_path("/proc/self"); }

std::optional<std::vector<ThreadTimes>> sample_threads(int pid) {
  return sample_threads_in("/proc/" + std::to_string(pid));
}

std::optional<std::vector<ThreadTimes>> sample_threads_in(const std::string& proc_dir) {
  namespace fs = std::filesystem;
  std::map<std::string, ThreadTimes> by_name;
  std::error_code ec;
  bool any_time = false;
  // Incremented with an error code: the listing of a process that exits
  // meanwhile fails (ENOENT), and that is "not measured", not an exception.
  for (fs::directory_iterator it(proc_dir + "/task", ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream comm(it->path() / "comm");
    std::ifstream sched(it->path() / "schedstat");
    std::string name;
    ThreadTimes t;
    // A thread that exits between the listing and the reads is skipped.
    if (!std::getline(comm, name) || !(sched >> t.on_cpu_ns >> t.waiting_ns >> t.slices)) continue;
    auto& sum = by_name[name];
    sum.name = name;
    sum.on_cpu_ns += t.on_cpu_ns;
    sum.waiting_ns += t.waiting_ns;
    sum.slices += t.slices;
    any_time = any_time || t.on_cpu_ns > 0;
  }
  // All zeros: a kernel that keeps the file but not the figures (scheduler
  // statistics off); a live process has always run.
  if (ec || !any_time) return std::nullopt;
  std::vector<ThreadTimes> out;
  out.reserve(by_name.size());
  for (auto& [name, t] : by_name) out.push_back(std::move(t));
  return out;
}

std::vector<ThreadTimes> threads_between(const std::vector<ThreadTimes>& before,
                                         const std::vector<ThreadTimes>& after) {
  const auto minus = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  std::vector<ThreadTimes> out;
  out.reserve(after.size());
  for (const auto& a : after) {
    const auto b =
        std::lower_bound(before.begin(), before.end(), a.name,
                         [](const ThreadTimes& t, const std::string& n) { return t.name < n; });
    ThreadTimes d = a;
    if (b != before.end() && b->name == a.name) {
      d.on_cpu_ns = minus(a.on_cpu_ns, b->on_cpu_ns);
      d.waiting_ns = minus(a.waiting_ns, b->waiting_ns);
      d.slices = minus(a.slices, b->slices);
    }
    out.push_back(std::move(d));
  }
  return out;
}

double percent_of_window(std::uint64_t ns, double seconds) {
  return seconds > 0 ? 100.0 * static_cast<double>(ns) / 1e9 / seconds : 0;
}

std::optional<int> find_listening_pid(std::uint16_t port) try {
  const auto inodes = listening_inodes(port);
  if (inodes.empty()) return std::nullopt;
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const auto name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const auto target = fs::read_symlink(fd.path(), link_ec).string();
      if (link_ec || target.rfind("socket:[", 0) != 0) continue;
      const auto inode = target.substr(8, target.size() - 9);
      for (const auto& want : inodes) {
        if (inode == want) return std::atoi(name.c_str());
      }
    }
  }
  return std::nullopt;
} catch (const std::filesystem::filesystem_error&) {
  // A process went away while we walked /proc: --pid is the dependable way.
  return std::nullopt;
}

}  // namespace sb::loadgen

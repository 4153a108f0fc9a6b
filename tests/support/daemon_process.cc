#include "tests/support/daemon_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace sb::test {

DaemonProcess::DaemonProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill9();
}

void DaemonProcess::start() { start_with_port(free_port()); }

void DaemonProcess::start_with_port(std::uint16_t port) {
  port_ = port;
  std::vector<std::string> args = {SB_SWITCHBOARD_BIN, "--data-dir", data_dir_, "--listen",
                                   "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  const std::string log_path = data_dir_ + "/daemon.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ASSERT_GT(pid_, 0) << "fork failed";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "switchboard exited during start-up; log:\n" << log();
    }
    if (request("GET", "/readyz", "", {}, 1000).status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "switchboard did not become ready; log:\n" << log();
}

void DaemonProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int DaemonProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

long DaemonProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

std::string DaemonProcess::admin_key() const {
  std::ifstream in(data_dir_ + "/demo-admin-key");
  std::string key;
  std::getline(in, key);
  return key;
}

std::string DaemonProcess::log() const {
  std::ifstream in(data_dir_ + "/daemon.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Headers DaemonProcess::admin() const { return {{"Authorization", "Bearer " + admin_key()}}; }

HttpResult DaemonProcess::request(const std::string& method, const std::string& target,
                                  const std::string& body, const Headers& h, int timeout_ms) const {
  if (tls_) return https_request(port_, *tls_, method, target, body, h, timeout_ms);
  return http_request(port_, method, target, body, h, timeout_ms);
}

HttpResult DaemonProcess::get(const std::string& target, const Headers& h) const {
  return request("GET", target, "", h);
}
HttpResult DaemonProcess::post(const std::string& target, const std::string& body,
                               const Headers& h) const {
  return request("POST", target, body, h);
}
HttpResult DaemonProcess::put(const std::string& target, const std::string& body,
                              const Headers& h) const {
  return request("PUT", target, body, h);
}

Headers online_operator(const DaemonProcess& daemon, const std::string& id,
                        const std::string& body) {
  auto op = daemon.put("/v1/operators/" + id, body, daemon.admin());
  EXPECT_EQ(op.status, 200) << op.body;
  const auto at = op.body.find(R"("token":")");
  const auto token = at == std::string::npos
                         ? std::string()
                         : op.body.substr(at + 9, op.body.find('"', at + 9) - at - 9);
  Headers auth{{"Authorization", "Bearer " + token}};
  EXPECT_EQ(daemon.put("/v1/me/status", R"({"status":"online"})", auth).status, 200);
  return auth;
}

ExitedRun run_until_exit(const std::string& config_path, const std::string& dir) {
  const auto log = dir + "/out.log";
  const std::string cmd =
      std::string(SB_SWITCHBOARD_BIN) + " --config " + config_path + " --data-dir " + dir +
      "/data --listen 127.0.0.1:" + std::to_string(free_port()) + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  ExitedRun r;
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  std::stringstream out;
  out << std::ifstream(log).rdbuf();
  r.output = out.str();
  return r;
}

}  // namespace sb::test

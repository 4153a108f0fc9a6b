// DaemonProcess: runs the real `switchboard` binary on a loopback port with a
// given data directory, for end-to-end and crash tests. The destructor kills
// it if it is still running. Not thread-safe; the HTTP helpers are.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/http_client.h"

namespace sb::test {

class DaemonProcess {
 public:
  // `data_dir` must exist; logs go to data_dir + "/daemon.log".
  DaemonProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~DaemonProcess();

  // The daemon serves HTTPS (its config sets a certificate): the readiness
  // probe and the HTTP helpers below use TLS, trusting `tls`. Before start().
  void use_tls(TlsTarget tls) { tls_ = std::move(tls); }

  // Starts on a fresh free port; returns after /readyz answered 200 (or fails
  // the current test).
  void start();
  void start_with_port(std::uint16_t port);
  // SIGKILL, and reap.
  void kill9();
  // SIGTERM; returns the exit status (or -1 if it had to be killed).
  int terminate();
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Resident memory of the running process, in KiB (0 if unknown).
  long rss_kib() const;
  std::string admin_key() const;  // the embedded demo tenant's key
  std::string log() const;

  HttpResult get(const std::string& target, const Headers& h = {}) const;
  HttpResult post(const std::string& target, const std::string& body, const Headers& h = {}) const;
  HttpResult put(const std::string& target, const std::string& body, const Headers& h = {}) const;
  Headers admin() const;  // Authorization header with the demo admin key

 private:
  HttpResult request(const std::string& method, const std::string& target, const std::string& body,
                     const Headers& h, int timeout_ms = 10000) const;

  std::string data_dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::optional<TlsTarget> tls_;
};

// PUT /v1/operators/{id} with `body` (admin key), then the operator goes
// online: its Authorization header. Fails the current test on an error.
Headers online_operator(const DaemonProcess& daemon, const std::string& id,
                        const std::string& body);

// A start-up that must fail: runs the binary with `config_path` (data in
// `dir`/data) until it exits; its exit code (-1 if it did not exit normally)
// and what it printed.
struct ExitedRun {
  int code = -1;
  std::string output;
};
ExitedRun run_until_exit(const std::string& config_path, const std::string& dir);

}  // namespace sb::test

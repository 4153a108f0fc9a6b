// sb_loadgen: drives a running Switchboard daemon on this machine like a
// support operation would (signed webhooks from customers on Telegram and the
// api channel, platform retries, operators on WebSocket streams) and reports
// what it measured. See bench/loadgen/README.md.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/loadgen/run.h"

namespace {

using sb::loadgen::RunConfig;
namespace net = boost::asio;

constexpr double kMaxDurationS = 3600;

// Only a daemon on this machine: a load generator pointed elsewhere is an
// accident (or an attack) we refuse to be part of.
std::optional<net::ip::tcp::endpoint> loopback_target(const std::string& text, std::string& error) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    error = "--target must be HOST:PORT, got '" + text + "'";
    return std::nullopt;
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec || !address.is_loopback()) {
    error = "refusing --target '" + text +
            "': this tool only drives a daemon on this machine, so the target must be a loopback "
            "address "
            "(127.0.0.0/8, ::1 or localhost)";
    return std::nullopt;
  }
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = 0;
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535) {
    error = "bad port in --target '" + text + "'";
    return std::nullopt;
  }
  return net::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

// A daemon started a moment ago may not have written its key yet: wait a little.
std::optional<std::string> read_key_file(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::ifstream in(path);
    std::string key;
    if (in >> key && !key.empty()) return key;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// "ON_S:OFF_S:FACTOR", e.g. "2:8:4": 2 s at 4x the rate, 8 s at the rate.
bool parse_burst(const std::string& text, sb::loadgen::BurstPattern& out) {
  double on = 0, off = 0, factor = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (!(in >> on >> c1 >> off >> c2 >> factor) || c1 != ':' || c2 != ':' || !in.eof()) return false;
  if (on <= 0 || off < 0 || factor <= 0) return false;
  out = {on, off, factor};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sb_loadgen: load generator for a Switchboard daemon on this machine"};
  RunConfig cfg;
  std::string target = "127.0.0.1:8080", admin_key, data_dir, mode = "open", burst;
  std::vector<std::string> tenant_specs;
  int connections = 0;
  bool quiet = false;
  app.add_option("--target", target, "daemon HOST:PORT, loopback only")->capture_default_str();
  app.add_option("--admin-key", admin_key, "admin key of tenant 'demo'");
  app.add_option("--data-dir", data_dir, "the daemon's data dir: reads <dir>/demo-admin-key");
  app.add_option("--tenant", tenant_specs,
                 "ID=ADMIN_KEY, repeatable: a daemon configured with several tenants");
  app.add_option("--mode", mode, "open (fixed --rate) or closed (--connections as fast as they go)")
      ->check(CLI::IsMember({"open", "closed"}))
      ->capture_default_str();
  app.add_option("--rate", cfg.rate, "open loop: webhooks/s over all threads")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  app.add_option("--connections", connections,
                 "keep-alive webhook connections (default: open 64, closed 16)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--threads", cfg.threads, "I/O threads of the load generator")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option(
         "--operator-threads", cfg.operator_threads,
         "threads of their own for the operator clients (0: they share the senders' threads)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--duration", cfg.duration_s, "seconds of load")
      ->check(CLI::Range(0.5, kMaxDurationS))
      ->capture_default_str();
  double drain_s = -1;
  app.add_option("--drain", drain_s,
                 "seconds for the last answers, offers and resolves after the load "
                 "(default: 1.5 x the think times + 1, at least 3)")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--customers", cfg.customers, "customers writing in")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--operators", cfg.operators_per_tenant, "operators per tenant")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--capacity", cfg.operator_capacity, "chats per operator at once")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--offer-timeout", cfg.offer_timeout_s, "the queue's offer_timeout_s")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--mix", cfg.mix_text,
                 "customers per channel, as weights: "
                 "telegram=W,whatsapp=W,messenger=W,viber=W,email=W,webchat=W,api=W")
      ->capture_default_str();
  app.add_option("--retry-fraction", cfg.retry_fraction,
                 "share of sends that are platform retries of an acked webhook")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option(
      "--burst", burst,
      "ON_S:OFF_S:FACTOR, open loop: ON_S seconds at FACTOR x the rate every ON_S+OFF_S");
  app.add_option("--body-bytes", cfg.body_bytes, "webhook body size (message text pads it)")
      ->check(CLI::Range(200, 65536))
      ->capture_default_str();
  app.add_option("--accept-think-ms", cfg.accept_think_ms,
                 "mean operator time from offer to accept")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--resolve-think-ms", cfg.resolve_think_ms,
                 "mean operator time from reply to resolve")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--timeout-ms", cfg.timeout_ms, "per request")
      ->check(CLI::Range(10, 600000))
      ->capture_default_str();
  app.add_option("--pid", cfg.daemon_pid,
                 "the daemon's pid for CPU and RSS (default: found from the port)");
  app.add_option("--seed", cfg.seed, "random seed (customer picks, retries, think times)")
      ->capture_default_str();
  app.add_option("--json", cfg.json_path, "write the results as JSON here");
  app.add_option("--svg", cfg.svg_path, "write latency-over-time and percentile plots here");
  app.add_flag("--quiet", quiet, "no progress line");
  CLI11_PARSE(app, argc, argv);

  std::string error;
  auto server = loopback_target(target, error);
  if (!server) {
    fmt::print(stderr, "sb_loadgen: {}\n", error);
    return 2;
  }
  cfg.server = *server;
  if (auto e = parse_channel_mix(cfg.mix_text, cfg.mix); !e.empty()) {
    fmt::print(stderr, "sb_loadgen: --mix: {}\n", e);
    return 2;
  }
  cfg.open_loop = mode == "open";
  cfg.connections = connections > 0 ? connections : (cfg.open_loop ? 64 : 16);
  cfg.progress = !quiet;
  // Long enough for operators to finish what the last webhooks started, so a
  // run leaves no conversation held by a loadgen operator behind.
  cfg.drain_s =
      drain_s >= 0
          ? drain_s
          : std::max(3.0, 1.5 * (cfg.accept_think_ms + cfg.resolve_think_ms) / 1000.0 + 1.0);
  if (!burst.empty()) {
    if (!parse_burst(burst, cfg.burst)) {
      fmt::print(stderr, "sb_loadgen: --burst wants ON_S:OFF_S:FACTOR (e.g. 2:8:4), got '{}'\n",
                 burst);
      return 2;
    }
    if (!cfg.open_loop) {
      fmt::print(stderr,
                 "sb_loadgen: --burst shapes the open-loop rate; closed loop is always flat out\n");
      return 2;
    }
    cfg.burst_text = burst;
  }

  for (const auto& spec : tenant_specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      fmt::print(stderr, "sb_loadgen: --tenant wants ID=ADMIN_KEY, got '{}'\n", spec);
      return 2;
    }
    cfg.tenants.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
  }
  if (cfg.tenants.empty()) {
    // The embedded default: tenant "demo", its key in the data dir.
    if (admin_key.empty()) {
      const auto path =
          (data_dir.empty() ? std::string("./var/switchboard") : data_dir) + "/demo-admin-key";
      auto key = read_key_file(path);
      if (!key) {
        fmt::print(stderr,
                   "sb_loadgen: no admin key: pass --admin-key, or --data-dir of the daemon "
                   "(cannot read {})\n",
                   path);
        return 2;
      }
      admin_key = *key;
    }
    cfg.tenants.push_back({"demo", admin_key});
  } else if (!admin_key.empty() || !data_dir.empty()) {
    fmt::print(
        stderr,
        "sb_loadgen: --tenant names every tenant with its key; drop --admin-key/--data-dir\n");
    return 2;
  }
  return sb::loadgen::run_loadgen(cfg);
}

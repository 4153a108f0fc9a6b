// One load-generator run, from set-up to report. main.cc turns the command
// line into a RunConfig (validated: loopback target, credentials found) and
// hands it here.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "bench/loadgen/http_load.h"
#include "bench/loadgen/setup.h"

namespace sb::loadgen {

struct RunConfig {
  boost::asio::ip::tcp::endpoint server;
  std::vector<TenantCredentials> tenants;
  bool open_loop = true;
  double rate = 500;
  int connections = 64;
  int threads = 2;
  int operator_threads = 0;  // 0: operator clients share the senders' threads
  double duration_s = 10;
  double drain_s = 3;
  int customers = 1000;
  int operators_per_tenant = 20;
  int operator_capacity = 50;
  int offer_timeout_s = 30;
  ChannelMix mix;  // parsed from mix_text
  std::string mix_text = "telegram=30,whatsapp=20,messenger=10,viber=10,email=10,webchat=15,api=5";
  double retry_fraction = 0.05;
  BurstPattern burst;
  std::string burst_text;
  int body_bytes = 600;
  int accept_think_ms = 100;
  int resolve_think_ms = 1000;
  int timeout_ms = 5000;
  int daemon_pid = 0;  // 0: look for the process listening on the port
  std::uint64_t seed = 1;
  std::string json_path;
  std::string svg_path;
  bool progress = true;
};

// The process exit code: 0 when the run completed (its errors are in the
// report), 1 when it could not start or set up.
int run_loadgen(const RunConfig& config);

}  // namespace sb::loadgen

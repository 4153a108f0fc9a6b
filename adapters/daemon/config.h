// Config: everything the daemon reads at start-up, from a TOML file
// (toml++), overridden by command-line flags (CLI11, in main.cc). With no file
// it is the embedded default of ../shared/CONTRACT.md: 127.0.0.1:8080, data in
// ./var/switchboard, one tenant "demo". Parse errors throw at start-up only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/model.h"

namespace sb::daemon {

struct TenantDecl {
  std::string id;
  std::vector<std::string> admin_keys;  // plain keys from the file; hashed at load
  std::vector<proto::ChannelConfig> channels;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  std::size_t body_limit = 1 << 20;
  int read_timeout_s = 15;
  std::size_t stream_send_buffer = 1 << 20;  // per stream connection
  std::string data_dir = "./var/switchboard";
  bool sync = true;  // fsync every group commit; only benchmarks turn it off
  int shards = 1;
  std::int64_t dedup_window_s = 7 * 24 * 3600;
  std::string log_level = "info";
  std::vector<TenantDecl> tenants;  // empty: the embedded "demo" tenant
};

// Throws std::runtime_error with the file position of the problem.
Config load_config_file(const std::string& path);

// "host:port" -> parts; throws on a malformed value.
void split_listen(const std::string& listen, std::string& host, std::uint16_t& port);

}  // namespace sb::daemon

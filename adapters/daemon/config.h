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

// A queue or an operator declared in the file: its name and its fields as
// the JSON body PUT /v1/queues/{name} or PUT /v1/operators/{id} takes, so the
// API's own parser validates it (daemon.cc, at start-up).
struct RoutingDecl {
  std::string name;
  std::string json;
  std::string token_sha256;  // operators: hex SHA-256 of the operator's token, or ""
};

struct TenantDecl {
  std::string id;
  std::vector<std::string> admin_keys;  // plain keys from the file; hashed at load
  std::vector<proto::ChannelConfig> channels;
  std::vector<RoutingDecl> queues, operators;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  std::size_t body_limit = 1 << 20;
  int read_timeout_s = 15;
  std::size_t stream_send_buffer = 1 << 20;  // per stream connection
  std::string tls_cert_file;  // PEM; with tls_key_file: the listener speaks HTTPS only
  std::string tls_key_file;
  std::string data_dir = "./var/switchboard";
  bool sync = true;                  // fsync every group commit; only benchmarks turn it off
  std::string fault_injection_file;  // chaos drills: while it exists, writes fail (disk full)
  bool prezero_wal = false;          // WAL files pre-written with zeros (storage/wal_files.h)
  int shards = 1;
  // A committer thread per shard (pipelined) instead of the shard writing.
  bool commit_thread = false;
  std::int64_t dedup_window_s = 7 * 24 * 3600;
  std::int64_t reopen_window_s = 3600;       // a message this soon after resolve reopens
  std::int64_t sticky_window_s = 24 * 3600;  // the last operator is preferred this long
  std::int64_t offer_cooldown_s = 60;        // a declined/expired offer is not repeated
  std::int64_t max_missed_offers = 3;        // offers let expire in a row -> away (0: never)
  std::int64_t offline_grace_s = -1;   // offline owner's conversations re-routed after; -1 never
  std::int64_t presence_grace_s = 30;  // last stream closed -> away after this
  std::string log_level = "info";
  // [limits]
  std::size_t max_connections = 10000;
  double webhooks_per_second = 20000;  // per tenant, sustained; 0 = unlimited
  double webhook_burst = 40000;
  // Website chat visitors' messages, per tenant: their own budget, so that
  // anonymous visitors cannot use up the platforms' webhook rate.
  double webchat_messages_per_second = 5000;
  double webchat_burst = 10000;
  std::size_t max_streams_per_operator = 10;
  std::int64_t max_pending_outbound_per_channel = 10000;  // replies not yet delivered; 0: no limit
  std::vector<TenantDecl> tenants;                        // empty: the embedded "demo" tenant
};

// Throws std::runtime_error with the file position of the problem.
Config load_config_file(const std::string& path);

// "host:port" -> parts; throws on a malformed value.
void split_listen(const std::string& listen, std::string& host, std::uint16_t& port);

}  // namespace sb::daemon

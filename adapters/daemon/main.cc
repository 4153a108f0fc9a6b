// switchboard: the daemon. Flags (CLI11) override the TOML config file.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "adapters/daemon/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"Switchboard: omnichannel message-routing daemon"};
  std::string config_file, data_dir, listen, log_level;
  int shards = 0, io_threads = 0;
  app.add_option("--config", config_file, "TOML config file")->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "data directory (overrides [storage] data_dir)");
  app.add_option("--listen", listen, "HOST:PORT to listen on (overrides [server] listen)");
  app.add_option("--shards", shards, "routing shards (threads)")->check(CLI::Range(1, 256));
  app.add_option("--io-threads", io_threads, "HTTP I/O threads")->check(CLI::Range(1, 256));
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  app.set_version_flag("--version", "switchboard 0.1.0");
  CLI11_PARSE(app, argc, argv);

  try {
    sb::daemon::Config config;
    if (!config_file.empty()) config = sb::daemon::load_config_file(config_file);
    if (!data_dir.empty()) config.data_dir = data_dir;
    if (!listen.empty()) config.listen = listen;
    if (shards > 0) config.shards = shards;
    if (io_threads > 0) config.io_threads = io_threads;
    if (!log_level.empty()) config.log_level = log_level;
    return sb::daemon::run_daemon(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "switchboard: %s\n", e.what());
    return 1;
  }
}

// run_daemon: wires storage, the router shards, the HTTP front and metrics
// together, runs until SIGTERM/SIGINT, and shuts down gracefully: stop
// accepting, finish in-flight requests, drain and commit the shards, exit.
#pragma once

#include "adapters/daemon/config.h"

namespace sb::daemon {

// Returns the process exit code. Throws std::runtime_error on start-up errors.
int run_daemon(const Config& config);

}  // namespace sb::daemon

// sb_populate: writes a Switchboard data directory with T tenants, N open
// conversations (one per contact), M online operators in queues, E stored
// customer messages and optionally R older resolved conversations, for the
// scale measurements in bench/scale/run.sh. The records are the daemon's own
// (see populate.h); start the daemon on the directory with --data-dir DIR
// --config DIR/scale.toml.
//
// Prints a JSON summary on stdout, progress on stderr.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "adapters/crypto.h"
#include "bench/scale/populate.h"

namespace {

namespace fs = std::filesystem;
using sb::bench::scale::PopulateSpec;

// The tenants must be declared for their admin routes to work; the state of
// every tenant on disk is recovered either way.
bool write_config(const fs::path& path, int tenants) {
  std::ofstream out(path, std::ios::trunc);
  out << "# written by sb_populate\n";
  for (int t = 0; t < tenants; ++t) {
    out << "[[tenants]]\nid = \"" << sb::bench::scale::tenant_name(t) << "\"\n"
        << "admin_keys = [\"" << sb::adapters::random_token() << "\"]\n";
  }
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sb_populate: build a large Switchboard data directory"};
  PopulateSpec spec;
  std::string data_dir;
  double span_days = 1;
  app.add_option("--data-dir", data_dir, "data directory to create (must not hold a db yet)")
      ->required();
  app.add_option("--tenants", spec.tenants, "tenants")->check(CLI::Range(1, 10000));
  app.add_option("--conversations", spec.conversations, "contacts, one open conversation each")
      ->required();
  app.add_option("--operators", spec.operators, "operators, online, spread over the queues");
  app.add_option("--events", spec.events,
                 "customer messages in all (default: one per conversation)");
  app.add_option("--queues", spec.queues_per_tenant, "queues (and telegram channels) per tenant")
      ->check(CLI::Range(1, 1000));
  app.add_option("--span-days", span_days, "messages are spread evenly over the last N days")
      ->check(CLI::Range(0.0, 3650.0));
  app.add_option("--resolved", spec.resolved,
                 "of the contacts, this many also have a conversation resolved 8 days before "
                 "the messages (beyond the dedup, reopen and sticky windows)");
  app.add_option("--batch", spec.batch, "commands per commit (sync=false)")
      ->check(CLI::Range(1, 1 << 20));
  CLI11_PARSE(app, argc, argv);

  if (spec.events == 0) spec.events = spec.conversations;
  const fs::path dir(data_dir);
  spec.db_dir = (dir / "db").string();
  if (fs::exists(spec.db_dir)) {
    std::fprintf(stderr, "sb_populate: %s already exists\n", spec.db_dir.c_str());
    return 1;
  }
  fs::create_directories(dir);
  spec.end_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  spec.span_ms = static_cast<sb::proto::TimeMs>(span_days * 86400.0 * 1000.0);

  auto result = sb::bench::scale::populate(spec, [](std::uint64_t done, std::uint64_t total) {
    std::fprintf(stderr, "\rsb_populate: %llu / %llu events", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  });
  std::fprintf(stderr, "\n");
  if (!result) {
    std::fprintf(stderr, "sb_populate: %s\n", result.status().to_string().c_str());
    return 1;
  }
  if (!write_config(dir / "scale.toml", spec.tenants)) {
    std::fprintf(stderr, "sb_populate: cannot write %s\n", (dir / "scale.toml").c_str());
    return 1;
  }
  const auto& r = result.value();
  std::printf(
      "{\"tenants\":%d,\"conversations_open\":%llu,\"conversations_resolved\":%llu,"
      "\"operators\":%llu,\"events\":%llu,\"log_entries\":%llu,\"commits\":%llu,"
      "\"span_days\":%g,\"seconds\":%.1f}\n",
      spec.tenants, static_cast<unsigned long long>(r.conversations),
      static_cast<unsigned long long>(r.resolved), static_cast<unsigned long long>(r.operators),
      static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.log_entries),
      static_cast<unsigned long long>(r.commits), span_days, r.seconds);
  return 0;
}

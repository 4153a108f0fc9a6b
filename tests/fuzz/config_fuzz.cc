// Fuzzes the TOML config loader (adapters/daemon/config.*: toml++ and our
// validation) with the whole file as input. The file is an in-memory memfd,
// so the loader runs unchanged (load_config_file(path)) without disk I/O.
// In this build toml++ is compiled in (header-only) so its parser is
// instrumented too.
//
// Invariants beyond "no crash, no leak, no UB":
// - the loader fails only with std::runtime_error (any other exception
//   escapes and is reported), apart from toml++'s own precondition failures
//   (toml_precondition.h: upstream bugs, counted apart, not ours to fix);
// - an accepted config is one the daemon can use as is: at least one I/O
//   thread and shard, a read timeout >= 1 s, limits within what the server's
//   conversions hold (body >= 1 KiB, stream buffer 4 KiB..INT_MAX), router
//   windows >= 0 whose milliseconds fit 64 bits, webhook rates that
//   RateLimiter can turn into nanoseconds (it is constructed here, so UBSan
//   sees the conversion), valid tenant and channel names, admin keys >= 16
//   bytes, every channel with a queue.
#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "adapters/daemon/config.h"
#include "adapters/front/rate_limiter.h"
#include "proto/ids.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/toml_precondition.h"

namespace {

bool ms_fit(std::int64_t seconds) {
  std::int64_t ms = 0;
  return !__builtin_mul_overflow(seconds, std::int64_t{1000}, &ms);
}

void check(const sb::daemon::Config& c) {
  FUZZ_CHECK(c.io_threads >= 1 && c.shards >= 1);
  FUZZ_CHECK(c.read_timeout_s >= 1);
  FUZZ_CHECK(c.body_limit >= 1024);
  FUZZ_CHECK(c.stream_send_buffer >= 4096 &&
             c.stream_send_buffer <= static_cast<std::size_t>(INT_MAX));
  for (auto v : {c.dedup_window_s, c.reopen_window_s, c.sticky_window_s, c.offer_cooldown_s,
                 c.presence_grace_s}) {
    FUZZ_CHECK(v >= 0 && ms_fit(v));
  }
  FUZZ_CHECK(c.dedup_window_s >= 33300);  // outlives a Mailgun signature
  FUZZ_CHECK(c.offline_grace_s >= -1 && ms_fit(c.offline_grace_s));
  FUZZ_CHECK(c.max_missed_offers >= 0 && c.max_missed_offers <= UINT32_MAX);
  FUZZ_CHECK(c.max_connections >= 1 && c.max_streams_per_operator >= 1);
  FUZZ_CHECK(std::isfinite(c.webhooks_per_second) && c.webhooks_per_second >= 0);
  FUZZ_CHECK(std::isfinite(c.webhook_burst) && c.webhook_burst >= 0);
  sb::adapters::RateLimiter limiter(c.webhooks_per_second, c.webhook_burst);
  (void)limiter.acquire("t", 1);
  for (const auto& t : c.tenants) {
    FUZZ_CHECK(sb::proto::is_valid_name(t.id));
    for (const auto& k : t.admin_keys) FUZZ_CHECK(k.size() >= 16);
    for (const auto& ch : t.channels) {
      FUZZ_CHECK(sb::proto::is_valid_name(ch.name));
      FUZZ_CHECK(!ch.queue.empty());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("config.toml", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  FUZZ_CHECK(pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
  try {
    check(sb::daemon::load_config_file(path));
  } catch (const std::runtime_error&) {
    // A rejected file: the daemon refuses to start with this message.
  } catch (const sb::fuzz::TomlPrecondition&) {
    // A known toml++ 3.3.0 bug on malformed input (toml_precondition.h).
  }
  return 0;
}

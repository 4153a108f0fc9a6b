#include "adapters/daemon/daemon.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "adapters/blocking_pool.h"
#include "adapters/channel.h"
#include "adapters/crypto.h"
#include "adapters/daemon/allocator.h"
#include "adapters/daemon/declared_routing.h"
#include "adapters/deferred_post.h"
#include "adapters/front/api_handler.h"
#include "adapters/http/server.h"
#include "adapters/metrics.h"
#include "adapters/outbound/http_client.h"
#include "adapters/outbound/outbox.h"
#include "adapters/stream/hub.h"
#include "adapters/stream/presence.h"
#include "router/directory.h"
#include "router/shard_set.h"
#include "storage/db.h"

namespace sb::daemon {

namespace {

// `[router] commit_thread = true`: how many batches a shard may apply ahead of
// its committer's fsync (docs/architecture.md): the bound the committer thread
// had while it was the default, before session 9; not tuned since.
constexpr std::size_t kCommitThreadBatchesInFlight = 4;

proto::TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The embedded default's admin key lives beside the data so that it survives
// restarts; it is created on first start, readable by the owner only.
// The demo tenant's admin key: read from <data_dir>/demo-admin-key, or made
// and stored there (mode 0600) at first start, when `generated` is set.
std::string demo_admin_key(const std::filesystem::path& data_dir, bool& generated) {
  const auto path = data_dir / "demo-admin-key";
  generated = false;
  if (std::ifstream in(path); in) {
    std::string key;
    std::getline(in, key);
    if (key.size() >= 16) return key;
  }
  generated = true;
  const std::string key = "sb_demo_" + adapters::random_token();
  {
    std::ofstream out(path, std::ios::trunc);
    out << key << "\n";
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  ::chmod(path.c_str(), 0600);
  return key;
}

void configure_logging(const std::string& level) {
  // logfmt: one event per line, key=value pairs, easy to grep and to ship.
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int run_daemon(const Config& config) {
  configure_logging(config.log_level);
  const auto declared = validate_declared_routing(config);  // throws before anything starts
  const std::filesystem::path data_dir(config.data_dir);
  std::filesystem::create_directories(data_dir);

  storage::DbOptions db_options{config.sync, config.fault_injection_file,
                                config.dedup_window_s * 1000,
                                static_cast<std::size_t>(config.shards)};
  db_options.prezeroed_wal = config.prezero_wal;
  auto db = storage::Db::open((data_dir / "db").string(), db_options);
  if (!db) throw std::runtime_error("storage: " + db.status().to_string());
  if (!config.sync) {
    spdlog::warn(
        "msg=\"storage.sync = false: commits are not fsynced; a crash of the machine "
        "(not of the process) can lose events already answered 2xx\"");
  }
  if (!config.fault_injection_file.empty()) {
    spdlog::warn("msg=\"storage fault injection armed: writes fail while the file exists\" file={}",
                 config.fault_injection_file);
  }

  router::Directory directory;
  if (config.tenants.empty()) {
    bool generated = false;
    const auto key = demo_admin_key(data_dir, generated);
    directory.put_tenant("demo", {adapters::sha256_hex(key)});
    if (generated) {
      // Shown once, so that the embedded default is usable at once; later
      // starts name the file instead of putting the key in every log.
      spdlog::info(
          "msg=\"embedded default tenant, new admin key\" tenant=demo admin_key={} key_file={}",
          key, (data_dir / "demo-admin-key").string());
    } else {
      spdlog::info("msg=\"embedded default tenant\" tenant=demo key_file={}",
                   (data_dir / "demo-admin-key").string());
    }
  }
  for (const auto& t : config.tenants) {
    std::vector<std::string> hashes;
    for (const auto& k : t.admin_keys) hashes.push_back(adapters::sha256_hex(k));
    directory.put_tenant(t.id, std::move(hashes));
    for (const auto& ch : t.channels) {
      if (auto st = adapters::validate_channel(ch); !st.is_ok()) {
        throw std::runtime_error("tenant " + t.id + ": channel " + ch.name + ": " + st.message());
      }
      directory.put_channel(t.id, ch);
    }
  }

  adapters::StreamHub hub;
  adapters::BlockingPool blocking(2);
  router::ShardOptions shard_options;
  shard_options.clock = wall_clock_ms;
  shard_options.max_batches_in_flight = config.commit_thread ? kCommitThreadBatchesInFlight : 0;
  // A group commit's answers, frames and outbound sends reach each I/O
  // thread (and the outbox) as one post instead of one each.
  shard_options.completion_window = {adapters::DeferredPosts::begin, adapters::DeferredPosts::end};
  adapters::Outbox* outbox_ptr = nullptr;  // set before the shards start
  // Frames are built on the shard thread (moving the JSON out of the encoded
  // set); they are published only once they are durable, after the write.
  shard_options.after_commit = [&hub, &outbox_ptr](proto::ChangeSet& set) -> std::function<void()> {
    std::vector<std::shared_ptr<adapters::Frame>> frames;
    std::vector<proto::OutboxItem> outbound;
    for (auto& c : set.changes) {
      if (auto* e = std::get_if<proto::LogEntry>(&c)) {
        // The audience is worked out at publish, and only if a stream is connected.
        frames.push_back(
            std::make_shared<adapters::Frame>(adapters::Frame{e->seq, std::move(e->json), {}, {}}));
      } else if (auto* m = std::get_if<proto::TimelineMark>(&c)) {
        // Written right after its entry: the frame's contact, for visitor streams.
        if (!frames.empty() && frames.back()->seq == m->seq) frames.back()->contact = m->contact_id;
      } else if (auto* o = std::get_if<proto::OutboxItem>(&c)) {
        outbound.push_back(std::move(*o));
      }
    }
    if (frames.empty() && outbound.empty()) return {};
    return [&hub, &outbox_ptr, tenant = std::move(set.tenant), frames = std::move(frames),
            outbound = std::move(outbound)]() mutable {
      for (const auto& o : outbound) outbox_ptr->on_committed(tenant, o);
      hub.publish_fresh(tenant, std::move(frames));
    };
  };
  shard_options.tenant.dedup_window_ms = config.dedup_window_s * 1000;
  shard_options.tenant.reopen_window_ms = config.reopen_window_s * 1000;
  shard_options.tenant.max_pending_outbound_per_channel =
      static_cast<std::uint32_t>(config.max_pending_outbound_per_channel);
  shard_options.tenant.routing.sticky_window_ms = config.sticky_window_s * 1000;
  shard_options.tenant.routing.cooldown_ms = config.offer_cooldown_s * 1000;
  shard_options.tenant.routing.max_missed_offers =
      static_cast<std::uint32_t>(config.max_missed_offers);
  if (config.offline_grace_s >= 0) {
    shard_options.tenant.routing.offline_grace_ms = config.offline_grace_s * 1000;
  }
  router::ShardSet shards(config.shards, **db, directory, shard_options);
  outbound::HttpClient http_client;
  if (auto st = http_client.tls_status(); !st.is_ok()) {
    spdlog::warn("msg=\"TLS set-up failed; https replies will fail\" error=\"{}\"", st.message());
  }
  adapters::Outbox outbox(http_client, directory, shards, wall_clock_ms);
  outbox_ptr = &outbox;
  adapters::Metrics metrics(shards);
  metrics.watch(&outbox.stats(), &hub);
  adapters::Presence presence(shards, std::chrono::seconds(config.presence_grace_s));
  adapters::StreamApi streams(hub, blocking, **db, presence, config.max_streams_per_operator);
  adapters::RateLimiter ingest_limit(config.webhooks_per_second, config.webhook_burst);
  adapters::MessagesApi messages(directory, shards, blocking, **db);
  adapters::AnalyticsApi analytics(shards, blocking, **db, wall_clock_ms);
  adapters::WebchatApi webchat(directory, shards, hub, blocking, **db, wall_clock_ms,
                               config.webchat_messages_per_second, config.webchat_burst);
  adapters::ApiHandler api(directory, shards, metrics, streams, messages, analytics, webchat,
                           ingest_limit, wall_clock_ms);

  http::ServerOptions server_options;
  split_listen(config.listen, server_options.host, server_options.port);
  server_options.io_threads = config.io_threads;
  server_options.body_limit = config.body_limit;
  server_options.read_timeout = std::chrono::seconds(config.read_timeout_s);
  server_options.stream_send_buffer = config.stream_send_buffer;
  server_options.max_connections = config.max_connections;
  server_options.tls_cert_file = config.tls_cert_file;
  server_options.tls_key_file = config.tls_key_file;
  http::HttpServer server(server_options, api);
  if (auto st = server.start(); !st.is_ok()) throw std::runtime_error("listen: " + st.to_string());
  metrics.add_gauge("switchboard_http_connections", "Open connections (HTTP and streams)",
                    [&server] { return static_cast<double>(server.connections()); });
  metrics.add_counter("switchboard_http_connections_rejected_total",
                      "Connections closed at once because [limits] max_connections was reached",
                      [&server] { return static_cast<double>(server.rejected_connections()); });
  metrics.add_counter("switchboard_rate_limited_total",
                      "Webhooks and events answered 429 by the per-tenant rate limit",
                      [&ingest_limit] { return static_cast<double>(ingest_limit.limited()); });
  const auto& out_stats = http_client.stats();
  metrics.add_counter("switchboard_outbound_connections_opened_total",
                      "Connections opened to platform APIs for replies", [&out_stats] {
                        return static_cast<double>(out_stats.connections_opened.load());
                      });
  metrics.add_counter("switchboard_outbound_connection_reuses_total",
                      "Reply requests sent on a kept-alive connection",
                      [&out_stats] { return static_cast<double>(out_stats.reused.load()); });
  metrics.add_counter("switchboard_outbound_resent_total",
                      "Requests resent on a new connection after the peer dropped a reused one",
                      [&out_stats] { return static_cast<double>(out_stats.resent.load()); });
  if (config.prezero_wal) {
    // Whether the spare-making thread keeps up: a WAL file that found no
    // spare ready was created the usual way.
    storage::Db& store = **db;
    metrics.add_counter(
        "switchboard_wal_files_from_spares_total",
        "Write-ahead log files that were given a pre-zeroed spare ([storage] prezero_wal)",
        [&store] { return static_cast<double>(store.wal_files_from_spares()); });
    metrics.add_gauge("switchboard_wal_spares_ready",
                      "Pre-zeroed WAL spares ready for the next log file",
                      [&store] { return static_cast<double>(store.wal_spares_ready()); });
  }
  metrics.add_counter("switchboard_stream_rejected_total",
                      "Stream connections refused: the operator had max_streams_per_operator",
                      [&streams] { return static_cast<double>(streams.rejected()); });
  spdlog::info("msg=listening address={}:{} tls={} data_dir={} shards={} io_threads={}",
               server_options.host, server.port(), config.tls_cert_file.empty() ? "off" : "on",
               config.data_dir, config.shards, config.io_threads);

  // Recovery runs while /healthz already answers; /readyz and every write
  // route answer 503 until it is done.
  std::thread recovery([&] {
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = shards.recover(); !st.is_ok()) {
      spdlog::critical("msg=\"recovery failed\" error=\"{}\"", st.to_string());
      std::_Exit(1);
    }
    if (const auto& hint = shards.sizing_hint_status(); !hint.is_ok()) {
      spdlog::warn("msg=\"table sizes for the next start not stored\" error=\"{}\"",
                   hint.to_string());
    }
    release_free_memory();
    for (const auto& shard : shards.shards()) {
      for (const auto& [tenant, seq] : shard->last_seqs()) hub.seed_last_seq(tenant, seq);
    }
    shards.start();
    if (auto st = apply_declared_routing(declared, shards, directory); !st.is_ok()) {
      spdlog::critical("msg=\"queues and operators of the config file\" error=\"{}\"",
                       st.to_string());
      std::_Exit(1);
    }
    for (auto& [tenant, item] : shards.take_pending_outbox())
      outbox.resume(tenant, std::move(item));
    api.set_ready(true);
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
    spdlog::info("msg=ready recovery_seconds={:.3f}", d.count());
  });

  server.wait_for_signal([] { spdlog::info("msg=\"signal received, shutting down\""); });
  recovery.join();
  server.stop_accepting();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (server.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Streams get a close frame with a reason (clients resume with since=),
  // and a moment to flush it before the I/O threads stop.
  hub.close_all("server shutting down; reconnect with ?since=<last seq>");
  const auto close_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (hub.connections() > 0 && std::chrono::steady_clock::now() < close_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  presence.stop();
  outbox.begin_stop();  // attempts aborted now are not recorded as retries
  http_client.stop();   // in-flight attempts end as retries, recorded through the shards
  outbox.stop();        // pending replies stay in RocksDB for the next start
  shards.stop();        // drains and commits anything still queued
  blocking.stop();      // replays post to stream connections: finish them first
  server.shutdown();
  spdlog::info("msg=stopped");
  return 0;
}

}  // namespace sb::daemon

#include "adapters/daemon/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "adapters/daemon/toml_guard.h"
#include "adapters/email/email_channel.h"
#include "proto/ids.h"

namespace sb::daemon {

namespace {
// Reads one TOML table. take() sets a field from a key the table has,
// refusing a value of the wrong type; done() refuses every key nothing asked
// for. So a misspelt key (`comit_thread`) or a wrong type (`commit_thread =
// "yes"`) stops the daemon instead of leaving the default in place unnoticed.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  template <class T>
  void take(std::string_view key, T& out) {
    const auto node = t_[mark(key)];
    if (!node) return;
    // toml++'s value<integer>() converts a float without a range check
    // (undefined behaviour beyond 64 bits; found by tests/fuzz/config_fuzz.cc).
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (node.is_floating_point())
        throw std::runtime_error(std::string(key) + " must be an integer");
    }
    // toml++ also reads 0 and 1 (or 7) as booleans; a switch takes true or false.
    if constexpr (std::is_same_v<T, bool>) {
      if (!node.is_boolean()) throw std::runtime_error(std::string(key) + " must be true or false");
    }
    if (auto v = node.value<T>()) {
      out = *v;
      return;
    }
    const char* kind = std::is_same_v<T, bool>       ? "true or false"
                       : std::is_integral_v<T>       ? "an integer in range"
                       : std::is_floating_point_v<T> ? "a number"
                                                     : "a string";
    throw std::runtime_error(std::string(key) + " must be " + kind);
  }
  const toml::table* table(std::string_view key) { return t_[mark(key)].as_table(); }
  const toml::array* array(std::string_view key) { return t_[mark(key)].as_array(); }

  void done() const {
    for (const auto& [key, value] : t_) {
      if (std::find(taken_.begin(), taken_.end(), key.str()) == taken_.end()) {
        throw std::runtime_error("unknown key '" + std::string(key.str()) + "' in " + where_);
      }
    }
  }

 private:
  std::string_view mark(std::string_view key) {
    taken_.push_back(key);
    return key;
  }

  const toml::table& t_;
  std::string where_;
  std::vector<std::string_view> taken_;  // keys are literals or outlive the reader
};

// [[tenants.queues]] / [[tenants.operators]]: the name key, then the rest of
// the table as the JSON body of the matching PUT (validated at start-up).
void declare_routing(const toml::array* arr, std::string_view what, std::string_view name_key,
                     const std::string& tenant_id, std::vector<RoutingDecl>& out) {
  if (arr == nullptr) return;
  for (auto& node : *arr) {
    auto* t = node.as_table();
    if (t == nullptr)
      throw std::runtime_error("tenant " + tenant_id + ": " + std::string(what) +
                               " must be tables");
    RoutingDecl d;
    TableReader r(*t, "");  // the other keys are the body, checked as the PUT's
    r.take(name_key, d.name);
    if (!proto::is_valid_name(d.name)) {
      throw std::runtime_error("tenant " + tenant_id + ": " + std::string(what) + " need a valid " +
                               std::string(name_key));
    }
    r.take("token_sha256", d.token_sha256);
    if (!d.token_sha256.empty() &&
        (d.token_sha256.size() != 64 ||
         d.token_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)) {
      throw std::runtime_error("tenant " + tenant_id + ": token_sha256 of " + d.name +
                               " must be 64 lower-case hex digits");
    }
    toml::table body = *t;
    body.erase(name_key);
    body.erase("token_sha256");
    std::ostringstream json;
    json << toml::json_formatter{body};
    d.json = json.str();
    out.push_back(std::move(d));
  }
}

}  // namespace

Config load_config_file(const std::string& path) {
  toml::table root;
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be opened for reading");
    std::ostringstream text;
    text << in.rdbuf();
    check_toml_pitfalls(text.view(), path);
    root = toml::parse(text.view(), path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ": " + std::string(e.description()) + " at line " +
                             std::to_string(e.source().begin.line));
  }
  Config c;
  TableReader file(root, "the file");
  if (auto* server = file.table("server")) {
    TableReader s(*server, "[server]");
    s.take("listen", c.listen);
    s.take("io_threads", c.io_threads);
    std::int64_t limit = static_cast<std::int64_t>(c.body_limit);
    s.take("body_limit_bytes", limit);
    if (limit < 1024) throw std::runtime_error("server.body_limit_bytes must be >= 1024");
    c.body_limit = static_cast<std::size_t>(limit);
    s.take("read_timeout_s", c.read_timeout_s);
    if (c.read_timeout_s < 1) throw std::runtime_error("server.read_timeout_s must be >= 1");
    std::int64_t sbuf = static_cast<std::int64_t>(c.stream_send_buffer);
    s.take("stream_send_buffer_bytes", sbuf);
    if (sbuf < 4096 || sbuf > INT_MAX) {  // it also sizes the socket's send buffer (an int)
      throw std::runtime_error("server.stream_send_buffer_bytes must be 4096..2147483647");
    }
    c.stream_send_buffer = static_cast<std::size_t>(sbuf);
    s.take("tls_cert_file", c.tls_cert_file);
    s.take("tls_key_file", c.tls_key_file);
    if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
      throw std::runtime_error(
          "server.tls_cert_file and server.tls_key_file must be set together (HTTPS needs both)");
    }
    s.done();
  }
  if (auto* storage = file.table("storage")) {
    TableReader s(*storage, "[storage]");
    s.take("data_dir", c.data_dir);
    s.take("sync", c.sync);
    s.take("fault_injection_file", c.fault_injection_file);
    s.take("prezero_wal", c.prezero_wal);
    s.done();
  }
  if (auto* router = file.table("router")) {
    TableReader s(*router, "[router]");
    s.take("shards", c.shards);
    s.take("commit_thread", c.commit_thread);
    s.take("dedup_window_s", c.dedup_window_s);
    s.take("reopen_window_s", c.reopen_window_s);
    s.take("sticky_window_s", c.sticky_window_s);
    s.take("offer_cooldown_s", c.offer_cooldown_s);
    s.take("max_missed_offers", c.max_missed_offers);
    s.take("offline_grace_s", c.offline_grace_s);
    s.take("presence_grace_s", c.presence_grace_s);
    // Windows become milliseconds (x1000, 64-bit) and max_missed_offers a 32-bit count.
    constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;
    for (auto v : {c.dedup_window_s, c.reopen_window_s, c.sticky_window_s, c.offer_cooldown_s,
                   c.presence_grace_s, std::max<std::int64_t>(c.offline_grace_s, 0)}) {
      if (v < 0 || v > kMaxSeconds) {
        throw std::runtime_error(
            "[router] windows must be 0..3153600000 s (offline_grace_s: -1 = never)");
      }
    }
    // A signed Mailgun token is remembered as a dedup mark (TenantState::
    // claim_nonce) and must outlive the signature, or a captured one could
    // carry another mail once its mark expired; platform retries need the
    // window too (Mailgun retries for 8 h).
    constexpr std::int64_t kMinDedupWindow =
        adapters::kMailgunMaxAgeSeconds + adapters::kMailgunMaxSkewSeconds;
    if (c.dedup_window_s < kMinDedupWindow) {
      throw std::runtime_error(
          "[router] dedup_window_s must be at least 33300 (9 h 15 min): Mailgun signatures are "
          "accepted that long, and their tokens are remembered as dedup marks");
    }
    if (c.offline_grace_s < -1)
      throw std::runtime_error("[router] offline_grace_s: -1 = never, else >= 0");
    if (c.max_missed_offers < 0 || c.max_missed_offers > UINT32_MAX) {
      throw std::runtime_error("[router] max_missed_offers must be 0..4294967295");
    }
    s.done();
  }
  if (auto* log = file.table("log")) {
    TableReader s(*log, "[log]");
    s.take("level", c.log_level);
    s.done();
  }
  if (auto* limits = file.table("limits")) {
    TableReader s(*limits, "[limits]");
    std::int64_t conns = static_cast<std::int64_t>(c.max_connections);
    std::int64_t streams = static_cast<std::int64_t>(c.max_streams_per_operator);
    s.take("max_connections", conns);
    s.take("max_streams_per_operator", streams);
    s.take("max_pending_outbound_per_channel", c.max_pending_outbound_per_channel);
    if (c.max_pending_outbound_per_channel < 0 || c.max_pending_outbound_per_channel > 100000000) {
      throw std::runtime_error("limits.max_pending_outbound_per_channel must be 0..100000000");
    }
    s.take("webhooks_per_second", c.webhooks_per_second);
    s.take("webhook_burst", c.webhook_burst);
    s.take("webchat_messages_per_second", c.webchat_messages_per_second);
    s.take("webchat_burst", c.webchat_burst);
    if (conns < 1 || streams < 1) throw std::runtime_error("[limits] values must be positive");
    // RateLimiter turns them into 64-bit nanoseconds: 1e9 / rate per
    // request, times the burst. NaN and infinities are refused too.
    auto check_rate = [](double rate, double burst, const char* what) {
      if (!std::isfinite(rate) || !std::isfinite(burst) || rate < 0 || burst < 0 ||
          (rate != 0 && (rate < 0.001 || rate > 1e9 || std::max(burst, 1.0) / rate > 1e9))) {
        throw std::runtime_error(std::string("[limits] ") + what);
      }
    };
    check_rate(c.webhooks_per_second, c.webhook_burst,
               "webhooks_per_second must be 0 or 0.001..1e9, webhook_burst at most 1e9 s of it");
    check_rate(
        c.webchat_messages_per_second, c.webchat_burst,
        "webchat_messages_per_second must be 0 or 0.001..1e9, webchat_burst at most 1e9 s of it");
    c.max_connections = static_cast<std::size_t>(conns);
    c.max_streams_per_operator = static_cast<std::size_t>(streams);
    s.done();
  }
  if (auto* arr = file.array("tenants")) {
    for (auto& node : *arr) {
      auto* t = node.as_table();
      if (t == nullptr) throw std::runtime_error("[[tenants]] entries must be tables");
      TenantDecl d;
      TableReader tr(*t, "[[tenants]]");
      tr.take("id", d.id);
      if (!proto::is_valid_name(d.id))
        throw std::runtime_error("tenant id '" + d.id + "' is invalid");
      if (auto* keys = tr.array("admin_keys")) {
        for (auto& k : *keys) {
          auto v = k.value<std::string>();
          if (!v || v->size() < 16) {
            throw std::runtime_error("tenant " + d.id +
                                     ": admin_keys must be strings of >= 16 chars");
          }
          d.admin_keys.push_back(*v);
        }
      }
      if (auto* chans = tr.array("channels")) {
        for (auto& cn : *chans) {
          auto* ct = cn.as_table();
          if (ct == nullptr)
            throw std::runtime_error("tenant " + d.id + ": channels must be tables");
          proto::ChannelConfig ch;
          TableReader cr(*ct, "[[tenants.channels]]");
          cr.take("name", ch.name);
          cr.take("type", ch.type);
          cr.take("secret", ch.secret);
          cr.take("verify_token", ch.verify_token);
          cr.take("auto_reply", ch.auto_reply);
          cr.take("account_id", ch.account_id);
          cr.take("queue", ch.queue);
          if (auto* outbound = cr.table("outbound")) {
            TableReader ob(*outbound, "[tenants.channels.outbound]");
            ob.take("base_url", ch.outbound_base_url);
            ob.take("token", ch.outbound_token);
            ob.done();
          }
          cr.done();
          if (!proto::is_valid_name(ch.name)) {
            throw std::runtime_error("tenant " + d.id + ": channel name '" + ch.name +
                                     "' is invalid");
          }
          if (ch.queue.empty()) ch.queue = "default";
          d.channels.push_back(std::move(ch));
        }
      }
      declare_routing(tr.array("queues"), "queues", "name", d.id, d.queues);
      declare_routing(tr.array("operators"), "operators", "id", d.id, d.operators);
      tr.done();
      c.tenants.push_back(std::move(d));
    }
  }
  file.done();
  if (c.io_threads < 1 || c.shards < 1)
    throw std::runtime_error("io_threads and shards must be >= 1");
  return c;
}

void split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::runtime_error("listen must be HOST:PORT, got '" + listen + "'");
  }
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string p = listen.substr(colon + 1);
  int v = -1;
  try {
    std::size_t used = 0;
    v = std::stoi(p, &used);
    if (used != p.size()) v = -1;
  } catch (...) {
    v = -1;
  }
  if (v < 0 || v > 65535) throw std::runtime_error("bad port in listen '" + listen + "'");
  port = static_cast<std::uint16_t>(v);
}

}  // namespace sb::daemon

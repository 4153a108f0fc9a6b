#include "bench/loadgen/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "proto/json_writer.h"

namespace sb::loadgen {

namespace {

struct NamedHistogram {
  const char* name;
  const LatencyHistogram* h;
};

std::vector<NamedHistogram> histograms(const RunReport& r) {
  const auto& l = r.latencies;
  std::vector<NamedHistogram> out{{"ack", &l.ack}};
  if (r.mode == "open") {  // the ack split at the request's start: open loop only
    out.push_back({"send_lag", &l.send_lag});
    out.push_back({"ack_rtt", &l.ack_rtt});
  }
  out.insert(out.end(), {{"webhook_to_offer", &l.webhook_to_offer},
                         {"offer_after_ack", &l.offer_after_ack},
                         {"offer_delivery", &l.offer_delivery},
                         {"accept_rtt", &l.accept_rtt},
                         {"reply_rtt", &l.reply_rtt},
                         {"resolve_rtt", &l.resolve_rtt}});
  return out;
}

constexpr std::pair<const char*, double> kPercentiles[] = {
    {"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p99_9", 99.9}};

std::string ms(std::int64_t us) { return fmt::format("{:.2f}", static_cast<double>(us) / 1000.0); }

std::string number(double v, int decimals = 3) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.{}f}", v, decimals);
}

// Threads below 1 % of a core both working and waiting are left out.
void print_threads(const RunReport& r, std::FILE* out) {
  if (r.daemon_threads.empty() || r.duration_s <= 0) return;
  fmt::print(out, "  daemon threads              on a CPU   waiting for one   put on a CPU/s\n");
  for (const auto& t : r.daemon_threads) {
    const double on = percent_of_window(t.on_cpu_ns, r.duration_s);
    const double waiting = percent_of_window(t.waiting_ns, r.duration_s);
    if (on < 1 && waiting < 1) continue;
    fmt::print(out, "    {:<24}{:>10.1f}%{:>17.1f}%{:>17.0f}\n", t.name, on, waiting,
               static_cast<double>(t.slices) / r.duration_s);
  }
}

std::string kib(std::int64_t kb) {
  return kb < 0 ? "n/a" : fmt::format("{:.1f} MiB", static_cast<double>(kb) / 1024.0);
}

}  // namespace

double RunReport::acked_per_s() const {
  return duration_s > 0 ? static_cast<double>(counters.webhooks_acked) / duration_s : 0.0;
}

std::string format_micros(std::int64_t us) {
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 1'000'000) return fmt::format("{:.2f} ms", static_cast<double>(us) / 1000.0);
  return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
}

void print_progress(const IntervalSample& s, const Counters& cumulative, std::FILE* out) {
  const double secs = std::max(s.seconds, 1e-3);
  const auto daemon = s.daemon_cpu_pct >= 0
                          ? fmt::format("  daemon cpu {:.0f}% rss {:.0f} MiB", s.daemon_cpu_pct,
                                        static_cast<double>(s.daemon_rss_kb) / 1024.0)
                          : std::string();
  fmt::print(out,
             "[{:5.1f}s] acked {:>7.0f}/s  ack p50 {} p99 {}  offers {:>5.0f}/s p99 {}  dup {}  "
             "errors {}{}\n",
             s.t_s, static_cast<double>(s.acked) / secs, format_micros(s.ack_p50_us),
             format_micros(s.ack_p99_us), static_cast<double>(s.offers) / secs,
             format_micros(s.offer_p99_us), cumulative.duplicates_absorbed,
             cumulative.error_total(), daemon);
  std::fflush(out);
}

void print_table(const RunReport& r, std::FILE* out) {
  const auto& c = r.counters;
  const auto load = r.mode == "open" ? fmt::format("open loop at {:.0f} webhooks/s", r.rate)
                                     : fmt::format("closed loop, {} connections", r.connections);
  fmt::print(out, "\nSwitchboard load: {} for {:.0f} s against {} ({} threads{}, {} connections)\n",
             load, r.duration_s, r.target, r.threads,
             r.operator_threads > 0 ? fmt::format(" + {} for operators", r.operator_threads) : "",
             r.connections);
  fmt::print(out,
             "  {} customers ({}), {} operators in {} tenant(s), "
             "retries {:.1f}%, bursts {}, bodies ~{} B\n",
             r.customers, r.channel_mix, r.operators, r.tenants, r.retry_fraction * 100,
             r.burst.empty() ? "off" : r.burst, r.body_bytes);

  fmt::print(out, "\nWebhooks\n");
  fmt::print(out, "  {:<28}{:>12}\n", "sent", c.webhooks_sent);
  fmt::print(out, "  {:<28}{:>12}   {:.1f}/s\n", "acked (2xx)", c.webhooks_acked, r.acked_per_s());
  fmt::print(out, "  {:<28}{:>12}\n", "stored messages", c.messages_stored);
  fmt::print(out, "  {:<28}{:>12}   of {} retries sent ({:.1f}% of sends)\n", "duplicates absorbed",
             c.duplicates_absorbed, c.retries_sent,
             c.webhooks_sent ? 100.0 * static_cast<double>(c.retries_sent) /
                                   static_cast<double>(c.webhooks_sent)
                             : 0.0);
  fmt::print(out, "  {:<28}{:>12}\n", "new conversations", c.new_conversations);

  fmt::print(out, "\nLatency (ms){:>16}{:>9}{:>9}{:>9}{:>9}{:>9}\n", "count", "p50", "p90", "p99",
             "p99.9", "max");
  for (const auto& [name, h] : histograms(r)) {
    fmt::print(out, "  {:<18}{:>10}{:>9}{:>9}{:>9}{:>9}{:>9}\n", name, h->count(),
               ms(h->percentile(50)), ms(h->percentile(90)), ms(h->percentile(99)),
               ms(h->percentile(99.9)), ms(h->max()));
  }
  fmt::print(out,
             "  (ack and webhook_to_offer count from the {}; offer_after_ack is 0 when the frame "
             "came first)\n",
             r.mode == "open" ? "scheduled send time" : "write of the request");
  if (r.mode == "open") {
    fmt::print(
        out,
        "  (send_lag: scheduled time to the request's start on its connection, this tool's\n"
        "   own lateness; ack_rtt: from there to the 2xx. Per webhook ack = send_lag + ack_rtt)\n");
  }
  fmt::print(
      out,
      "  (offer_delivery: the offer's arrival minus its \"at\", the daemon's clock when it routed\n"
      "   the conversation, in whole ms: the write, the hand-off, the socket and this tool's "
      "reading)\n");

  fmt::print(out, "\nOperators\n");
  fmt::print(out, "  {:<28}{:>12}   matched to their webhook {}, before its 2xx {}\n",
             "offers received", c.offers_received, c.offers_matched, c.offers_before_ack);
  fmt::print(out, "  {:<28}{:>12}\n", "accepted", c.accepted);
  fmt::print(out, "  {:<28}{:>12}   delivered to the platform {}\n", "replied", c.replied,
             r.replies_delivered);
  fmt::print(out, "  {:<28}{:>12}\n", "resolved", c.resolved);
  fmt::print(out, "  {:<28}{:>12}\n", "still awaiting an offer", r.awaiting_offer_at_end);
  if (!c.late_offers.empty()) {
    std::uint64_t late = 0;
    const std::pair<const std::string, std::uint64_t>* most = nullptr;
    for (const auto& kv : c.late_offers) {
      late += kv.second;
      if (most == nullptr || kv.second > most->second) most = &kv;
    }
    fmt::print(out, "  {:<28}{:>12}   on {} operators' streams, most on {} ({})\n",
               fmt::format("offers >= {} ms late", kLateOfferMs), late, c.late_offers.size(),
               most->first, most->second);
  }
  fmt::print(out, "  {:<28}{:>12}   of {} slots (operators x capacity)\n",
             "peak conversations held", r.operator_peak_busy, r.operator_slots);
  if (r.operator_slots > 0 && r.operator_peak_busy * 100 >= r.operator_slots * 95) {
    fmt::print(
        out,
        "  note: the operators were (nearly) full, so webhook_to_offer includes time queued for a "
        "free\n"
        "  slot; raise --operators/--capacity or lower the think times to time the daemon alone\n");
  }

  fmt::print(out, "\nErrors{}\n", c.errors.empty() ? ": none" : "");
  for (const auto& [kind, n] : c.errors) fmt::print(out, "  {:<28}{:>12}\n", kind, n);
  if (c.backlog_dropped > 0)
    fmt::print(out, "  {:<28}{:>12}\n", "generator backlog full", c.backlog_dropped);

  if (r.daemon_pid > 0 && r.daemon_cpu_pct >= 0) {
    fmt::print(out, "\nDaemon (pid {})\n", r.daemon_pid);
    fmt::print(out, "  {:<28}{:>11.1f}%   of one core ({:.2f} s CPU over the load)\n", "cpu",
               r.daemon_cpu_pct, r.daemon_cpu_seconds);
    fmt::print(out, "  {:<28}{:>12}   start {}, peak {}\n", "rss at end", kib(r.daemon_rss_end_kb),
               kib(r.daemon_rss_start_kb), kib(r.daemon_rss_peak_kb));
  } else if (r.daemon_pid > 0) {
    fmt::print(
        out, "\nDaemon (pid {}): not measured, /proc/{} was unreadable at the end (did it exit?)\n",
        r.daemon_pid, r.daemon_pid);
  } else {
    fmt::print(out, "\nDaemon: not measured (give --pid, or run as the daemon's user)\n");
  }
  if (r.loadgen_cpu_pct >= 0)
    fmt::print(out, "  {:<28}{:>11.1f}%   of one core\n", "sb_loadgen cpu", r.loadgen_cpu_pct);
  if (r.loadgen_waiting_pct >= 0)
    fmt::print(out, "  {:<28}{:>11.1f}%   its threads runnable, waiting for a core\n",
               "sb_loadgen waiting", r.loadgen_waiting_pct);
  print_threads(r, out);
  if (r.commits && r.commits->commits > 0) {
    const auto& m = *r.commits;
    const auto ms = [&](double q) {
      return format_micros(std::llround(write_quantile(m, q) * 1e6));
    };
    fmt::print(out, "  {:<28}{:>12}   {:.1f} commands each ({}/metrics)\n", "group commits",
               m.commits, static_cast<double>(m.commands) / static_cast<double>(m.commits), "");
    fmt::print(out, "  {:<28}{:>12}   p50 {}, p99 {}, p99.9 {} (fsync included; within buckets)\n",
               "write per commit, mean",
               format_micros(std::llround(m.write_seconds * 1e6 / static_cast<double>(m.commits))),
               ms(0.5), ms(0.99), ms(0.999));
  }
}

std::string write_json(const RunReport& r, const std::string& path) {
  std::string s;
  proto::JsonWriter w(s);
  const auto& c = r.counters;
  w.begin_object().field("tool", "sb_loadgen").field("started_at", r.started_at_utc);
  w.key("config").begin_object().field("target", r.target).field("mode", r.mode);
  w.key("rate").raw(number(r.rate)).field("connections", r.connections).field("threads", r.threads);
  w.field("operator_threads", r.operator_threads);
  w.key("duration_s")
      .raw(number(r.duration_s))
      .field("tenants", static_cast<std::uint64_t>(r.tenants));
  w.field("customers", r.customers).field("operators", r.operators);
  w.key("retry_fraction").raw(number(r.retry_fraction)).field("channel_mix", r.channel_mix);
  w.field("burst", r.burst).field("body_bytes", r.body_bytes);
  w.field("accept_think_ms", r.accept_think_ms)
      .field("resolve_think_ms", r.resolve_think_ms)
      .end_object();

  w.key("webhooks").begin_object().field("sent", c.webhooks_sent).field("acked", c.webhooks_acked);
  w.key("acked_per_s").raw(number(r.acked_per_s(), 1)).field("stored", c.messages_stored);
  w.field("duplicates_absorbed", c.duplicates_absorbed).field("retries_sent", c.retries_sent);
  w.field("new_conversations", c.new_conversations)
      .field("backlog_dropped", c.backlog_dropped)
      .end_object();

  w.key("operators").begin_object().field("offers_received", c.offers_received);
  w.field("offers_matched", c.offers_matched).field("offers_before_ack", c.offers_before_ack);
  w.field("accepted", c.accepted).field("replied", c.replied).field("resolved", c.resolved);
  w.field("replies_delivered", r.replies_delivered);
  w.field("slots", r.operator_slots).field("peak_busy", r.operator_peak_busy);
  w.field("awaiting_offer_at_end", static_cast<std::uint64_t>(r.awaiting_offer_at_end));
  w.key("late_offers").begin_object();  // operator -> offers delivered >= kLateOfferMs late
  for (const auto& [op, n] : c.late_offers) w.field(op, n);
  w.end_object().end_object();

  w.key("latency_us").begin_object();
  for (const auto& [name, h] : histograms(r)) {
    w.key(name).begin_object().field("count", h->count()).field("min", h->min());
    w.key("mean").raw(number(h->mean(), 1));
    for (const auto& [label, p] : kPercentiles) w.field(label, h->percentile(p));
    w.field("max", h->max()).end_object();
  }
  w.end_object();

  w.key("errors").begin_object();
  for (const auto& [kind, n] : c.errors) w.field(kind, n);
  w.end_object();

  w.key("daemon").begin_object().field("pid", r.daemon_pid);
  w.key("cpu_seconds")
      .raw(number(r.daemon_cpu_seconds))
      .key("cpu_pct")
      .raw(number(r.daemon_cpu_pct, 1));
  w.field("rss_start_kb", r.daemon_rss_start_kb).field("rss_end_kb", r.daemon_rss_end_kb);
  w.field("rss_peak_kb", r.daemon_rss_peak_kb);
  // Per thread name, % of the window: on a CPU, and runnable but waiting for one.
  w.key("threads").begin_array();
  for (const auto& t : r.daemon_threads) {
    w.begin_object().field("name", t.name);
    w.key("cpu_pct").raw(number(percent_of_window(t.on_cpu_ns, r.duration_s), 1));
    w.key("waiting_pct").raw(number(percent_of_window(t.waiting_ns, r.duration_s), 1));
    w.key("on_cpu_per_s")
        .raw(number(r.duration_s > 0 ? static_cast<double>(t.slices) / r.duration_s : 0, 1));
    w.end_object();
  }
  w.end_array();
  if (r.commits) {
    const auto& m = *r.commits;
    w.key("group_commits").begin_object().field("count", m.commits).field("commands", m.commands);
    w.key("write_seconds").raw(number(m.write_seconds, 6));
    w.key("write_p50_us").raw(number(write_quantile(m, 0.5) * 1e6, 1));
    w.key("write_p99_us").raw(number(write_quantile(m, 0.99) * 1e6, 1));
    w.key("write_p999_us").raw(number(write_quantile(m, 0.999) * 1e6, 1)).end_object();
  }
  w.end_object();
  w.key("loadgen_cpu_pct").raw(number(r.loadgen_cpu_pct, 1));
  w.key("loadgen_waiting_pct").raw(number(r.loadgen_waiting_pct, 1));

  w.key("timeline").begin_array();
  for (const auto& t : r.timeline) {
    w.begin_object().key("t_s").raw(number(t.t_s, 2)).field("acked", t.acked);
    w.key("acked_per_s")
        .raw(number(t.seconds > 0 ? static_cast<double>(t.acked) / t.seconds : 0, 1));
    w.field("offers", t.offers).field("errors", t.errors);
    w.field("ack_p50_us", t.ack_p50_us)
        .field("ack_p99_us", t.ack_p99_us)
        .field("ack_max_us", t.ack_max_us);
    w.field("offer_p50_us", t.offer_p50_us).field("offer_p99_us", t.offer_p99_us);
    w.field("operators_busy", t.operators_busy);
    w.key("daemon_cpu_pct")
        .raw(number(t.daemon_cpu_pct, 1))
        .field("daemon_rss_kb", t.daemon_rss_kb);
    w.end_object();
  }
  w.end_array().end_object();
  s += '\n';

  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << s;
  f.close();
  if (!f) return "cannot write " + path;
  return "";
}

}  // namespace sb::loadgen

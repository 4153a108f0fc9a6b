// The SVG the run leaves behind, drawn by hand (no plotting dependency):
// webhooks acked per second; per-second p50/p99 of the ack and of
// webhook-to-offer over time; and the latency percentile distribution on a
// "nines" axis (HDR style), all latency axes logarithmic.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "bench/loadgen/report.h"

namespace sb::loadgen {

namespace {

constexpr double kWidth = 960;
constexpr double kPanelHeight = 260;
constexpr double kLeft = 80, kRight = 190, kTop = 40, kBottom = 45;

struct Series {
  std::string label;
  std::string color;
  std::vector<std::pair<double, double>> points;  // x, y
  bool dashed = false;
};

struct Panel {
  double top = 0;  // of the plot area
  std::string title, x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool log_y = false;
  std::vector<std::pair<double, std::string>> x_ticks;  // when empty: linear ticks

  double px(double x) const {
    return kLeft + (x - x_min) / (x_max - x_min) * (kWidth - kLeft - kRight);
  }
  double py(double y) const {
    const double h = kPanelHeight - kBottom;
    if (log_y) {
      y = std::max(y, y_min);
      return top + h -
             (std::log10(y) - std::log10(y_min)) / (std::log10(y_max) - std::log10(y_min)) * h;
    }
    return top + h - (y - y_min) / (y_max - y_min) * h;
  }
};

// 1, 2 or 5 times a power of ten, giving about `count` steps over `range`.
double nice_step(double range, int count) {
  const double raw = std::max(range, 1e-9) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / magnitude;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
}

std::string label_of(double v) {
  return v >= 1000 ? fmt::format("{:.0f}", v) : fmt::format("{:g}", v);
}

// A range over the data that starts and ends on whole decades.
void fit_log(Panel& p, const std::vector<Series>& series) {
  double lo = 1e300, hi = 0;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (y > 0) lo = std::min(lo, y);
      hi = std::max(hi, y);
    }
  }
  if (hi <= 0) lo = 0.01, hi = 1;
  p.y_min = std::pow(10, std::floor(std::log10(lo)));
  p.y_max = std::pow(10, std::ceil(std::log10(hi * 1.01)));
  if (p.y_max <= p.y_min) p.y_max = p.y_min * 10;
}

void draw(std::string& svg, const Panel& p, const std::vector<Series>& series) {
  const double h = kPanelHeight - kBottom;
  const double right = kWidth - kRight;
  svg += fmt::format(R"(<text x="{}" y="{}" class="title">{}</text>)"
                     "\n",
                     kLeft, p.top - 12, p.title);
  // Y grid and labels.
  std::vector<double> y_ticks;
  if (p.log_y) {
    for (double d = p.y_min; d <= p.y_max * 1.0001; d *= 10) y_ticks.push_back(d);
  } else {
    const double step = nice_step(p.y_max - p.y_min, 4);
    for (double y = p.y_min; y <= p.y_max * 1.0001; y += step) y_ticks.push_back(y);
  }
  for (double y : y_ticks) {
    svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" class="grid"/>)"
                       "\n",
                       kLeft, p.py(y), right, p.py(y));
    svg += fmt::format(R"(<text x="{}" y="{:.1f}" class="tick" text-anchor="end">{}</text>)"
                       "\n",
                       kLeft - 6, p.py(y) + 4, label_of(y));
  }
  // X ticks.
  auto ticks = p.x_ticks;
  if (ticks.empty()) {
    const double step = nice_step(p.x_max - p.x_min, 6);
    for (double x = p.x_min; x <= p.x_max * 1.0001; x += step)
      ticks.emplace_back(x, fmt::format("{:g}", x));
  }
  for (const auto& [x, text] : ticks) {
    svg += fmt::format(R"(<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" class="grid"/>)"
                       "\n",
                       p.px(x), p.top, p.px(x), p.top + h);
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" class="tick" text-anchor="middle">{}</text>)"
                       "\n",
                       p.px(x), p.top + h + 16, text);
  }
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>)"
                     "\n",
                     kLeft, p.top, right - kLeft, h);
  svg += fmt::format(R"(<text x="{}" y="{}" class="axis" text-anchor="middle">{}</text>)"
                     "\n",
                     (kLeft + right) / 2, p.top + h + 34, p.x_label);
  svg += fmt::format(
      R"svg(<text transform="translate({},{:.1f}) rotate(-90)" class="axis" text-anchor="middle">{}</text>)svg"
      "\n",
      kLeft - 52, p.top + h / 2, p.y_label);
  // Lines and legend.
  double legend_y = p.top + 14;
  for (const auto& s : series) {
    if (s.points.empty()) continue;
    std::string pts;
    for (const auto& [x, y] : s.points) pts += fmt::format("{:.1f},{:.1f} ", p.px(x), p.py(y));
    svg += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="1.6"{}/>)"
                       "\n",
                       pts, s.color, s.dashed ? R"( stroke-dasharray="5,3")" : "");
    svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>)"
                       "\n",
                       right + 12, legend_y - 4, right + 34, legend_y - 4, s.color,
                       s.dashed ? R"( stroke-dasharray="5,3")" : "");
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick">{}</text>)"
                       "\n",
                       right + 40, legend_y, s.label);
    legend_y += 18;
  }
}

Series percentile_curve(const LatencyHistogram& h, std::string label, std::string color,
                        double max_nines) {
  Series s{std::move(label), std::move(color), {}, false};
  if (h.count() == 0) return s;
  for (double x = 0; x <= max_nines + 1e-9; x += 0.05) {
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    s.points.emplace_back(x, static_cast<double>(h.percentile(p)) / 1000.0);
  }
  return s;
}

}  // namespace

std::string write_svg(const RunReport& r, const std::string& path) {
  const double height = kTop + 3 * (kPanelHeight + kTop) + 10;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}">)"
      "\n"
      "<style>text{{font-family:sans-serif;font-size:12px;fill:#222}}.title{{font-size:14px;font-"
      "weight:bold}}"
      ".tick{{font-size:11px}}.grid{{stroke:#ddd;stroke-width:1}}.frame{{fill:none;stroke:#888}}</"
      "style>\n"
      R"(<rect width="100%" height="100%" fill="white"/>)"
      "\n",
      kWidth, height);
  const auto load = r.mode == "open" ? fmt::format("open loop {:.0f}/s", r.rate)
                                     : fmt::format("closed loop {} conns", r.connections);
  svg += fmt::format(R"(<text x="{}" y="22" class="title">sb_loadgen: {}, {:.0f} s, {} ({})</text>)"
                     "\n",
                     kLeft, load, r.duration_s, r.target, r.started_at_utc);

  const double duration = std::max(1.0, r.timeline.empty() ? r.duration_s : r.timeline.back().t_s);
  // 1. Throughput.
  Panel tput{
      kTop + 30, "Webhooks acked per second", "seconds", "per second", 0, duration, 0, 1, false,
      {}};
  Series acked{"acked/s", "#1f77b4", {}, false}, offers{"offers/s", "#2ca02c", {}, false};
  for (const auto& t : r.timeline) {
    const double secs = t.seconds > 0 ? t.seconds : 1;
    acked.points.emplace_back(t.t_s, static_cast<double>(t.acked) / secs);
    offers.points.emplace_back(t.t_s, static_cast<double>(t.offers) / secs);
  }
  for (const auto& [x, y] : acked.points) tput.y_max = std::max(tput.y_max, y * 1.05);
  tput.y_max = std::ceil(tput.y_max / nice_step(tput.y_max, 4)) * nice_step(tput.y_max, 4);
  draw(svg, tput, {acked, offers});

  // 2. Latency over time.
  Panel over_time{tput.top + kPanelHeight + kTop,
                  "Latency per second",
                  "seconds",
                  "ms (log)",
                  0,
                  duration,
                  0,
                  1,
                  true,
                  {}};
  std::vector<Series> lines = {{"ack p50", "#1f77b4", {}, false},
                               {"ack p99", "#d62728", {}, false},
                               {"offer p50", "#2ca02c", {}, true},
                               {"offer p99", "#ff7f0e", {}, true}};
  for (const auto& t : r.timeline) {
    if (t.acked > 0) {
      lines[0].points.emplace_back(t.t_s, static_cast<double>(t.ack_p50_us) / 1000.0);
      lines[1].points.emplace_back(t.t_s, static_cast<double>(t.ack_p99_us) / 1000.0);
    }
    if (t.offers > 0) {
      lines[2].points.emplace_back(t.t_s, static_cast<double>(t.offer_p50_us) / 1000.0);
      lines[3].points.emplace_back(t.t_s, static_cast<double>(t.offer_p99_us) / 1000.0);
    }
  }
  fit_log(over_time, lines);
  draw(svg, over_time, lines);

  // 3. Percentiles on a nines axis, as far as the sample count resolves.
  const auto& l = r.latencies;
  const double nines = std::clamp(
      std::floor(std::log10(static_cast<double>(std::max<std::uint64_t>(l.ack.count(), 10)))), 1.0,
      5.0);
  Panel pct{over_time.top + kPanelHeight + kTop,
            "Latency by percentile",
            "percentile",
            "ms (log)",
            0,
            nines,
            0,
            1,
            true,
            {}};
  const char* names[] = {"0", "90", "99", "99.9", "99.99", "99.999"};
  for (int i = 0; i <= static_cast<int>(nines); ++i) pct.x_ticks.emplace_back(i, names[i]);
  std::vector<Series> curves = {
      percentile_curve(l.ack, "ack", "#1f77b4", nines),
      percentile_curve(l.webhook_to_offer, "webhook->offer", "#ff7f0e", nines),
      percentile_curve(l.accept_rtt, "accept rtt", "#9467bd", nines)};
  fit_log(pct, curves);
  draw(svg, pct, curves);
  svg += "</svg>\n";

  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << svg;
  f.close();
  if (!f) return "cannot write " + path;
  return "";
}

}  // namespace sb::loadgen

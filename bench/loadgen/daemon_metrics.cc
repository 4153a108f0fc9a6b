#include "bench/loadgen/daemon_metrics.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>

namespace sb::loadgen {

namespace {

struct Sample {
  std::string_view name;
  std::string_view labels;  // between the braces, "" without
  double value = 0;
};

// One "name{labels} value" line; nullopt for comments, blanks and junk.
std::optional<Sample> parse_line(std::string_view line) {
  if (line.empty() || line.front() == '#') return std::nullopt;
  Sample s;
  const auto brace = line.find('{');
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::size_t value_at = space + 1;
  if (brace != std::string_view::npos && brace < space) {
    const auto close = line.find('}', brace);
    if (close == std::string_view::npos || close + 1 >= line.size()) return std::nullopt;
    s.name = line.substr(0, brace);
    s.labels = line.substr(brace + 1, close - brace - 1);
    value_at = close + 2;
  } else {
    s.name = line.substr(0, space);
  }
  const std::string value(line.substr(value_at, line.find(' ', value_at) - value_at));
  if (value == "+Inf") {
    s.value = std::numeric_limits<double>::infinity();
    return s;
  }
  char* end = nullptr;
  s.value = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size()) return std::nullopt;
  return s;
}

// The value of label `key` in `labels` ("shard=\"0\",le=\"0.001\"").
std::optional<std::string_view> label(std::string_view labels, std::string_view key) {
  const std::string needle = std::string(key) + "=\"";
  const auto at = labels.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const auto from = at + needle.size();
  const auto to = labels.find('"', from);
  if (to == std::string_view::npos) return std::nullopt;
  return labels.substr(from, to - from);
}

std::uint64_t as_count(double v) {
  return v > 0 && std::isfinite(v) ? static_cast<std::uint64_t>(std::llround(v)) : 0;
}

}  // namespace

std::optional<CommitMetrics> parse_commit_metrics(std::string_view text) {
  CommitMetrics m;
  std::map<double, std::uint64_t> buckets;  // le -> cumulative count over shards
  bool saw_histogram = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const auto s = parse_line(line);
    if (!s) continue;
    if (s->name == "switchboard_group_commits_total") {
      m.commits += as_count(s->value);
    } else if (s->name == "switchboard_commit_batch_commands_sum") {
      m.commands += as_count(s->value);
    } else if (s->name == "switchboard_commit_duration_seconds_sum") {
      m.write_seconds += s->value;
    } else if (s->name == "switchboard_commit_duration_seconds_bucket") {
      const auto le = label(s->labels, "le");
      if (!le) return std::nullopt;
      double bound = std::numeric_limits<double>::infinity();
      if (*le != "+Inf") {
        const std::string text_le(*le);
        char* end = nullptr;
        bound = std::strtod(text_le.c_str(), &end);
        if (end != text_le.c_str() + text_le.size()) return std::nullopt;
      }
      buckets[bound] += as_count(s->value);
      saw_histogram = true;
    }
  }
  if (!saw_histogram || !std::isinf(buckets.rbegin()->first)) return std::nullopt;
  m.write_buckets.assign(buckets.begin(), buckets.end());
  return m;
}

std::optional<CommitMetrics> commits_between(const CommitMetrics& before,
                                             const CommitMetrics& after) {
  if (before.write_buckets.size() != after.write_buckets.size() || after.commits < before.commits ||
      after.commands < before.commands) {
    return std::nullopt;
  }
  CommitMetrics d;
  d.commits = after.commits - before.commits;
  d.commands = after.commands - before.commands;
  d.write_seconds = after.write_seconds - before.write_seconds;
  for (std::size_t i = 0; i < after.write_buckets.size(); ++i) {
    const auto& [le, n] = after.write_buckets[i];
    if (le != before.write_buckets[i].first || n < before.write_buckets[i].second)
      return std::nullopt;
    d.write_buckets.emplace_back(le, n - before.write_buckets[i].second);
  }
  return d;
}

double write_quantile(const CommitMetrics& m, double q) {
  if (m.write_buckets.empty() || m.write_buckets.back().second == 0) return -1;
  const double total = static_cast<double>(m.write_buckets.back().second);
  const double rank = q * total;
  double lower = 0;
  std::uint64_t below = 0;
  for (const auto& [le, cumulative] : m.write_buckets) {
    if (static_cast<double>(cumulative) >= rank && cumulative > below) {
      if (std::isinf(le)) return lower;
      const double in_bucket = static_cast<double>(cumulative - below);
      return lower + (le - lower) * (rank - static_cast<double>(below)) / in_bucket;
    }
    if (!std::isinf(le)) lower = le;
    below = cumulative;
  }
  return lower;
}

}  // namespace sb::loadgen

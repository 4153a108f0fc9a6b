// deploy/prometheus/switchboard-rules.yml against the real daemon: every
// metric the recording and alerting rules use is one /metrics exports (a
// renamed metric would leave an alert that can never fire), and every rule
// has an expression. The PromQL itself is checked by hand with Prometheus'
// own parser (docs/api.md, "Alerting rules").
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

std::string read_rules() {
  std::ifstream in(SB_DEPLOY_DIR "/prometheus/switchboard-rules.yml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MonitoringE2E, EveryMetricTheRulesUseIsExported) {
  const auto rules = read_rules();
  ASSERT_FALSE(rules.empty()) << "deploy/prometheus/switchboard-rules.yml not found";
  TempDir dir;
  DaemonProcess daemon(dir.path());
  daemon.start();
  const auto metrics = daemon.get("/metrics");
  ASSERT_EQ(metrics.status, 200);

  std::set<std::string> used;
  const std::regex name(R"(switchboard_[a-z0-9_]+)");
  for (std::sregex_iterator it(rules.begin(), rules.end(), name), end; it != end; ++it) {
    used.insert(it->str());
  }
  EXPECT_GE(used.size(), 10u);
  for (const auto& n : used) {
    // A sample line starts with the name, then its labels or its value.
    const bool exported = metrics.body.find("\n" + n + "{") != std::string::npos ||
                          metrics.body.find("\n" + n + " ") != std::string::npos;
    EXPECT_TRUE(exported) << n << " is used by the rules but not exported";
  }
}

TEST(MonitoringE2E, EveryRuleHasAnExpression) {
  const auto rules = read_rules();
  std::size_t named = 0, exprs = 0;
  std::istringstream lines(rules);
  for (std::string line; std::getline(lines, line);) {
    const auto text = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (text.rfind("- alert:", 0) == 0 || text.rfind("- record:", 0) == 0) ++named;
    if (text.rfind("expr:", 0) == 0) ++exprs;
  }
  EXPECT_GE(named, 10u);
  EXPECT_EQ(named, exprs);
}

}  // namespace
}  // namespace sb::test

// sb_loadgen as an engineer runs it: against a real `switchboard` on a
// loopback port, open loop, every channel of the default mix, platform
// retries, operators on their streams accepting, replying and resolving. The
// report must show the whole day happened: webhooks acked with no error,
// retries absorbed, offers matched to their webhooks, replies delivered to the
// tool's fake platforms, the latency histograms filled (offer_delivery too),
// and the JSON and SVG written. Counts only: no figure of speed is asserted.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace sb::test {
namespace {

std::uint64_t at(simdjson::dom::element root, const char* pointer) {
  std::uint64_t v = 0;
  if (root.at_pointer(pointer).get(v)) ADD_FAILURE() << "no unsigned number at " << pointer;
  return v;
}

// The number of operator threads: 0 shares the senders' threads.
class LoadgenE2E : public ::testing::TestWithParam<int> {};

TEST_P(LoadgenE2E, ASupportDayRunsAndIsReported) {
  TempDir dir;
  const std::string data = dir.path() + "/daemon";
  std::filesystem::create_directories(data);
  DaemonProcess daemon(data);
  daemon.start();
  const std::string json = dir.path() + "/loadgen.json";
  const std::string svg = dir.path() + "/loadgen.svg";
  const std::string cmd =
      std::string(SB_LOADGEN_BIN) + " --target 127.0.0.1:" + std::to_string(daemon.port()) +
      " --admin-key " + daemon.admin_key() +
      " --mode open --rate 150 --duration 3 --drain 3 --operators 3 --capacity 50"
      " --accept-think-ms 20 --resolve-think-ms 20 --retry-fraction 0.2 --customers 200"
      " --operator-threads " +
      std::to_string(GetParam()) + " --quiet --json " + json + " --svg " + svg + " > " +
      dir.path() + "/loadgen.out 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_EQ(status, 0) << cmd;

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.load(json).get(root)) << json;
  EXPECT_EQ(at(root, "/config/operator_threads"), static_cast<std::uint64_t>(GetParam()));
  const auto sent = at(root, "/webhooks/sent");
  EXPECT_GT(sent, 100u);
  EXPECT_EQ(at(root, "/webhooks/acked"), sent) << "every webhook answered 2xx";
  EXPECT_GT(at(root, "/webhooks/retries_sent"), 0u);
  EXPECT_EQ(at(root, "/webhooks/duplicates_absorbed"), at(root, "/webhooks/retries_sent"));
  EXPECT_GT(at(root, "/webhooks/new_conversations"), 0u);
  EXPECT_GT(at(root, "/operators/offers_matched"), 0u);
  EXPECT_GT(at(root, "/operators/accepted"), 0u);
  EXPECT_GT(at(root, "/operators/replies_delivered"), 0u);
  EXPECT_GT(at(root, "/operators/resolved"), 0u);
  // Open loop: every ack is also split into the tool's lateness and the round
  // trip, ack = send_lag + ack_rtt per webhook (each truncated to whole us),
  // so the means add up and neither part exceeds the whole.
  EXPECT_EQ(at(root, "/latency_us/send_lag/count"), at(root, "/latency_us/ack/count"));
  EXPECT_EQ(at(root, "/latency_us/ack_rtt/count"), at(root, "/latency_us/ack/count"));
  auto real = [&](const char* pointer) {
    double v = -1;
    if (root.at_pointer(pointer).get(v)) ADD_FAILURE() << "no number at " << pointer;
    return v;
  };
  EXPECT_NEAR(real("/latency_us/send_lag/mean") + real("/latency_us/ack_rtt/mean"),
              real("/latency_us/ack/mean"), 1.5);
  EXPECT_LE(at(root, "/latency_us/ack_rtt/max"), at(root, "/latency_us/ack/max"));
  EXPECT_LE(at(root, "/latency_us/send_lag/max"), at(root, "/latency_us/ack/max"));
  EXPECT_GT(at(root, "/latency_us/ack_rtt/min"), 0u) << "a round trip takes time";
  for (const char* h : {"/latency_us/ack/count", "/latency_us/webhook_to_offer/count",
                        "/latency_us/offer_delivery/count", "/latency_us/accept_rtt/count"}) {
    EXPECT_GT(at(root, h), 0u) << h;
  }
  // The daemon's own commit figures over the window, from its /metrics.
  const auto commits = at(root, "/daemon/group_commits/count");
  EXPECT_GT(commits, 0u);
  EXPECT_GE(at(root, "/daemon/group_commits/commands"), commits);
  double write_p99 = 0;
  EXPECT_FALSE(root.at_pointer("/daemon/group_commits/write_p99_us").get(write_p99));
  EXPECT_GT(write_p99, 0);
  // The daemon's threads over the window, from /proc: its shard worked.
  // (Empty only on a kernel without scheduler statistics.)
  simdjson::dom::array threads;
  ASSERT_FALSE(root.at_pointer("/daemon/threads").get(threads));
  if (std::filesystem::exists("/proc/self/schedstat")) {
    bool shard_worked = false;
    for (auto t : threads) {
      std::string_view name;
      double cpu = 0;
      ASSERT_FALSE(t["name"].get(name));
      ASSERT_FALSE(t["cpu_pct"].get(cpu));
      if (name.rfind("sb-shard-", 0) == 0 && cpu > 0) shard_worked = true;
    }
    EXPECT_TRUE(shard_worked) << "no sb-shard-N thread with time on a CPU";
  }
  // Late offers per operator stream: an object, and never more than arrived.
  simdjson::dom::object late;
  ASSERT_FALSE(root.at_pointer("/operators/late_offers").get(late));
  std::uint64_t late_total = 0;
  for (auto [op, n] : late) late_total += n.get_uint64().value();
  EXPECT_LE(late_total, at(root, "/operators/offers_received"));
  simdjson::dom::object errors;
  ASSERT_FALSE(root.at_pointer("/errors").get(errors));
  for (auto [kind, n] : errors) ADD_FAILURE() << "error " << kind << ": " << n;
  EXPECT_GT(std::filesystem::file_size(svg), 1000u);
  EXPECT_EQ(daemon.terminate(), 0);
}

INSTANTIATE_TEST_SUITE_P(OperatorThreads, LoadgenE2E, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param == 0 ? "Shared" : "OwnThread"; });

}  // namespace
}  // namespace sb::test

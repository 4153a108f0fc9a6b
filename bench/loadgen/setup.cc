#include "bench/loadgen/setup.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "bench/loadgen/http_conn.h"
#include "bench/loadgen/json_peek.h"

namespace sb::loadgen {

namespace net = boost::asio;
using boost::beast::http::verb;

namespace {

std::string describe(const HttpResult& r) {
  switch (r.failure) {
    case Failure::kConnect:
      return "cannot connect";
    case Failure::kTimeout:
      return "timed out";
    case Failure::kIo:
      return "connection broke";
    case Failure::kNone:
      break;
  }
  return fmt::format("HTTP {} {}", r.status, r.body.substr(0, 300));
}

}  // namespace

std::string wait_until_ready(const net::ip::tcp::endpoint& server, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  BlockingHttp http(server, std::chrono::seconds(2));
  std::string last;
  while (Clock::now() < deadline) {
    auto r = http.call(verb::get, "/readyz", "", {});
    if (r.failure == Failure::kNone && r.status == 200) return "";
    last = describe(r);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return fmt::format("the daemon at {}:{} is not ready after {} s ({})",
                     server.address().to_string(), server.port(), limit.count(), last);
}

SetupOutcome set_up(const net::ip::tcp::endpoint& server, const SetupPlan& plan) {
  SetupOutcome out;
  BlockingHttp http(server, plan.timeout);
  const auto sink = fmt::format("http://127.0.0.1:{}", plan.sink_port);
  for (std::size_t ti = 0; ti < plan.tenants.size(); ++ti) {
    const auto& creds = plan.tenants[ti];
    const Headers admin = {{"Authorization", "Bearer " + creds.admin_key},
                           {"Content-Type", "application/json"}};
    auto put = [&](const std::string& target, const std::string& body, const char* what) {
      auto r = http.call(verb::put, target, body, admin);
      if (r.failure == Failure::kNone && r.status == 200)
        return std::optional<HttpResult>(std::move(r));
      out.error = fmt::format("set-up of tenant '{}': {} (PUT {}): {}", creds.id, what, target,
                              describe(r));
      if (r.status == 401)
        out.error +=
            "\n  the admin key was refused: check --tenant, --admin-key or --data-dir (the "
            "daemon's own)";
      return std::optional<HttpResult>();
    };
    TenantTarget t;
    t.id = creds.id;
    t.admin_key = creds.admin_key;
    if (!put("/v1/queues/" + plan.queue,
             fmt::format(R"({{"strategy":"least_loaded","offer_timeout_s":{}}})",
                         plan.offer_timeout_s),
             "queue")) {
      return out;
    }
    // One channel per kind the mix uses, each with a fresh secret; replies
    // go to the sink, which answers like each platform's send API.
    static constexpr std::array<std::string_view, kChannelKinds> kNames = {
        "lg-tg", "lg-wa", "lg-fb", "lg-vb", "lg-api", "lg-mail", "lg-chat"};
    for (std::size_t k = 0; k < kChannelKinds; ++k) {
      const auto kind = static_cast<ChannelKind>(k);
      if (!plan.mix.uses(kind)) continue;
      t.channel[k] = std::string(kNames[k]);
      t.secret[k] = random_hex(24);
      const auto base = kind == ChannelKind::kApi ? sink + "/api-replies" : sink;
      // An email channel needs its support address (replies come from it).
      const auto account = kind == ChannelKind::kEmail
                               ? fmt::format(R"("account_id":"{}",)", kLoadgenMailbox)
                               : std::string();
      if (!put("/v1/channels/" + t.channel[k],
               fmt::format(R"({{"type":"{}","secret":"{}","queue":"{}",{})"
                           R"("outbound":{{"base_url":"{}","token":"123456:LOADGEN"}}}})",
                           channel_type(kind), t.secret[k], plan.queue, account, base),
               "channel")) {
        return out;
      }
    }
    for (int i = 1; i <= plan.operators_per_tenant; ++i) {
      OperatorAccount op;
      op.tenant = ti;
      op.id = fmt::format("lg-op-{}", i);
      // A fresh token every run (an existing operator's PUT returns none otherwise).
      auto r = put(
          "/v1/operators/" + op.id + "?rotate_token=true",
          fmt::format(
              R"({{"name":"Loadgen operator {}","queues":["{}"],"capacity":{{"chat":{},"email":{}}}}})",
              i, plan.queue, plan.operator_capacity, plan.operator_capacity),
          "operator");
      if (!r) return out;
      auto token = top_level_string(r->body, "token");
      if (!token || token->empty()) {
        out.error = fmt::format("set-up of tenant '{}': no token for operator {}: {}", creds.id,
                                op.id, r->body);
        return out;
      }
      op.token = std::move(*token);
      out.operators.push_back(std::move(op));
    }
    out.tenants.push_back(std::move(t));
  }
  return out;
}

}  // namespace sb::loadgen

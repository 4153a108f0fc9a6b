#include "adapters/daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace sb::daemon {
namespace {

std::string write(const sb::test::TempDir& dir, const std::string& text) {
  const auto path = dir.path() + "/switchboard.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ContractExample) {
  sb::test::TempDir dir;
  auto c = load_config_file(write(dir, R"(
[server]
listen = "127.0.0.1:9090"
[storage]
data_dir = "/srv/sb"
[[tenants]]
id = "acme"
admin_keys = ["a-long-random-key"]
[[tenants.channels]]
name = "tg"
type = "telegram"
secret = "s"
queue = "support"
)"));
  EXPECT_EQ(c.listen, "127.0.0.1:9090");
  EXPECT_EQ(c.data_dir, "/srv/sb");
  ASSERT_EQ(c.tenants.size(), 1u);
  EXPECT_EQ(c.tenants[0].id, "acme");
  EXPECT_EQ(c.tenants[0].admin_keys, std::vector<std::string>{"a-long-random-key"});
  ASSERT_EQ(c.tenants[0].channels.size(), 1u);
  EXPECT_EQ(c.tenants[0].channels[0].queue, "support");
}

TEST(Config, DefaultsAreTheEmbeddedDefault) {
  Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, "./var/switchboard");
  EXPECT_TRUE(c.tenants.empty());
}

TEST(Config, ErrorsNameTheProblem) {
  sb::test::TempDir dir;
  EXPECT_THROW(load_config_file(write(dir, "[server\nlisten=1")), std::runtime_error);
  EXPECT_THROW(load_config_file(write(dir, "[[tenants]]\nid = \"a/b\"\n")), std::runtime_error);
  EXPECT_THROW(load_config_file(write(dir, "[[tenants]]\nid = \"a\"\nadmin_keys=[\"short\"]\n")),
               std::runtime_error);
}

TEST(Config, SplitListen) {
  std::string host;
  std::uint16_t port = 0;
  split_listen("127.0.0.1:8080", host, port);
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  split_listen("[::1]:99", host, port);
  EXPECT_EQ(host, "::1");
  EXPECT_THROW(split_listen("localhost", host, port), std::runtime_error);
  EXPECT_THROW(split_listen("h:70000", host, port), std::runtime_error);
  EXPECT_THROW(split_listen("h:12x", host, port), std::runtime_error);
}

}  // namespace
}  // namespace sb::daemon

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

// Queues and operators of the file become the JSON bodies of their PUTs.
TEST(Config, QueuesAndOperatorsAreDeclaredAsTheirApiBodies) {
  sb::test::TempDir dir;
  auto c = load_config_file(write(dir, R"(
[[tenants]]
id = "acme"
admin_keys = ["a-long-random-key"]
[[tenants.queues]]
name = "support"
offer_timeout_s = 45
first_response_sla_s = 120
overflow = { after_s = 300, queue = "general" }
[[tenants.operators]]
id = "olena"
name = "Olena"
queues = ["support"]
capacity = { chat = 5 }
token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)"));
  ASSERT_EQ(c.tenants.size(), 1u);
  ASSERT_EQ(c.tenants[0].queues.size(), 1u);
  EXPECT_EQ(c.tenants[0].queues[0].name, "support");
  const auto& q = c.tenants[0].queues[0].json;
  EXPECT_NE(q.find(R"("offer_timeout_s" : 45)"), std::string::npos) << q;
  EXPECT_NE(q.find(R"("after_s" : 300)"), std::string::npos) << q;
  EXPECT_EQ(q.find("\"name\""), std::string::npos) << "the name is the URL's part, not the body's";
  ASSERT_EQ(c.tenants[0].operators.size(), 1u);
  EXPECT_EQ(c.tenants[0].operators[0].name, "olena");
  EXPECT_EQ(c.tenants[0].operators[0].token_sha256.size(), 64u);
  EXPECT_EQ(c.tenants[0].operators[0].json.find("token_sha256"), std::string::npos);

  EXPECT_THROW(load_config_file(write(
                   dir, "[[tenants]]\nid = \"a\"\n[[tenants.queues]]\noffer_timeout_s = 1\n")),
               std::runtime_error)
      << "a queue needs a name";
  EXPECT_THROW(load_config_file(write(dir,
                                      "[[tenants]]\nid = \"a\"\n[[tenants.operators]]\nid = \"o\"\n"
                                      "token_sha256 = \"secret\"\n")),
               std::runtime_error)
      << "token_sha256 is a hash, never the token";
}

TEST(Config, DefaultsAreTheEmbeddedDefault) {
  Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, "./var/switchboard");
  EXPECT_TRUE(c.tenants.empty());
  EXPECT_FALSE(c.commit_thread) << "shards write their own batches unless asked";
  EXPECT_FALSE(c.prezero_wal) << "WAL bytes are written once unless asked";
}

TEST(Config, PrezeroWalIsAStorageSetting) {
  sb::test::TempDir dir;
  EXPECT_TRUE(load_config_file(write(dir, "[storage]\nprezero_wal = true\n")).prezero_wal);
  EXPECT_FALSE(load_config_file(write(dir, "[storage]\nprezero_wal = false\n")).prezero_wal);
  EXPECT_THROW(load_config_file(write(dir, "[storage]\nprezero_wal = 1\n")), std::runtime_error);
}

TEST(Config, CommitThreadIsARouterSetting) {
  sb::test::TempDir dir;
  EXPECT_TRUE(load_config_file(write(dir, "[router]\ncommit_thread = true\n")).commit_thread);
  EXPECT_FALSE(load_config_file(write(dir, "[router]\ncommit_thread = false\n")).commit_thread);
  EXPECT_THROW(load_config_file(write(dir, "[storage]\ncommit_thread = true\n")),
               std::runtime_error)
      << "a router key, not a storage one";
}

// A value of the wrong type is refused with the key's name, not ignored.
TEST(Config, ValuesOfTheWrongTypeAreRefused) {
  sb::test::TempDir dir;
  auto refusal = [&](const std::string& text) -> std::string {
    try {
      load_config_file(write(dir, text));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal("[router]\ncommit_thread = \"yes\"\n"), "commit_thread must be true or false");
  EXPECT_EQ(refusal("[storage]\nsync = 0\n"), "sync must be true or false")
      << "a number is not read as a switch";
  EXPECT_EQ(refusal("[server]\nio_threads = \"4\"\n"), "io_threads must be an integer in range");
  EXPECT_EQ(refusal("[server]\nio_threads = 4294967296\n"),
            "io_threads must be an integer in range");
  EXPECT_EQ(refusal("[storage]\ndata_dir = 7\n"), "data_dir must be a string");
  EXPECT_EQ(refusal("[limits]\nwebhooks_per_second = \"fast\"\n"),
            "webhooks_per_second must be a number");
  EXPECT_EQ(
      refusal("[[tenants]]\nid = \"a\"\n[[tenants.operators]]\nid = \"o\"\ntoken_sha256 = 123\n"),
      "token_sha256 must be a string")
      << "an operator would otherwise start without the token it was declared with";
  // Keys the daemon does not know are refused, with where they were.
  EXPECT_EQ(refusal("[router]\ncomit_thread = true\n"), "unknown key 'comit_thread' in [router]");
  EXPECT_EQ(refusal("[routing]\nshards = 2\n"), "unknown key 'routing' in the file");
  EXPECT_EQ(
      refusal("[[tenants]]\nid = \"a\"\n[[tenants.channels]]\nname = \"tg\"\ntype = \"telegram\"\n"
              "secrett = \"s\"\n"),
      "unknown key 'secrett' in [[tenants.channels]]");
  // An integer where a number is expected is a number.
  EXPECT_EQ(
      load_config_file(write(dir, "[limits]\nwebhooks_per_second = 500\n")).webhooks_per_second,
      500.0);
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

// Found by tests/fuzz/config_fuzz.cc: each was undefined behaviour (inside
// toml++ 3.3.0 or in our conversions) and is now a clear error.
TEST(Config, FuzzFindingsAreRefusedClearly) {
  sb::test::TempDir dir;
  for (const char* text : {
           "[&\n",                                            // toml++ asserts in parse_key
           "[[[1]]]\n",                                       // same, array-of-tables header
           "\xc7\x83\n",                                      // toml++ whitespace test: unreachable
           "[server]\nключ = 1\n",                            // a non-ASCII bare key: same
           "[server]\nstream_send_buffer_bytes = 262e144\n",  // float -> int64 out of range
           "[server]\nstream_send_buffer_bytes = 2621442144\n",  // beyond the socket's int
           "[server]\nread_timeout_s = 0\n",                     // every request would time out
           "[router]\ndedup_window_s = 9223372036854775807\n",   // x1000 overflows
           "[router]\nmax_missed_offers = 4294967296\n",         // a 32-bit count
           "[limits]\nwebhooks_per_second = nan\n",
           "[limits]\nwebhooks_per_second = 1e-300\n",  // 1e9 / rate overflows
           "[limits]\nwebhook_burst = 1e300\n",
           "[limits]\nwebchat_messages_per_second = -1\n",
           "[limits]\nwebchat_burst = inf\n",
       }) {
    EXPECT_THROW(load_config_file(write(dir, text)), std::runtime_error) << text;
  }
  // Still accepted: non-ASCII in comment lines, integers where integers go.
  auto c = load_config_file(write(dir,
                                  "# Налаштування\n[server]\nio_threads = 3\n"
                                  "[limits]\nwebhooks_per_second = 0\n"));
  EXPECT_EQ(c.io_threads, 3);
}

// A Mailgun token is remembered as a dedup mark: a window shorter than the
// signature's life (9 h + 15 min of clock skew) would let a captured one
// carry another mail once its mark expired.
TEST(Config, TheDedupWindowOutlivesAMailgunSignature) {
  sb::test::TempDir dir;
  for (const char* text :
       {"[router]\ndedup_window_s = 0\n", "[router]\ndedup_window_s = 33299\n"}) {
    EXPECT_THROW(load_config_file(write(dir, text)), std::runtime_error) << text;
  }
  EXPECT_EQ(load_config_file(write(dir, "[router]\ndedup_window_s = 33300\n")).dedup_window_s,
            33300);
}

}  // namespace
}  // namespace sb::daemon

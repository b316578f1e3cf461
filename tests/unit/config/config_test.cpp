// Unit tests of configuration parsing, environment overrides and validation.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/config.hpp"

using tandem::config::Config;
using tandem::config::ConfigError;
using tandem::config::Environment;
using tandem::config::parse_config;

namespace {

constexpr const char* kMinimal = R"(
[source]
url = "postgresql://app@127.0.0.1:5432/app"
)";

// The ConfigError text for a config that must be refused.
std::string refusal(std::string_view toml, const Environment& env = {}) {
  try {
    parse_config(toml, env, "test.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("the configuration was accepted: " << toml);
  return {};
}

}  // namespace

TEST_CASE("a minimal file gets the documented defaults") {
  const Config c = parse_config(kMinimal, {}, "test.toml");
  CHECK(c.source.url.host == "127.0.0.1");
  CHECK(c.source.url.port == 5432);
  CHECK(c.source.url.user == "app");
  CHECK(c.source.url.dbname == "app");
  CHECK(c.source.url.sslmode == "prefer");
  CHECK_FALSE(c.target.has_value());
  CHECK(c.proxy.listen.to_string() == "127.0.0.1:6432");
  CHECK(c.admin.listen.to_string() == "127.0.0.1:9187");
  CHECK(c.proxy.max_message_bytes == (std::size_t{1} << 30));
  CHECK(c.proxy.shutdown_grace_seconds == doctest::Approx(30.0));
  CHECK(c.proxy.threads == 1);
  CHECK(c.proxy.backend_connect_timeout_seconds == doctest::Approx(10.0));
  CHECK(c.admin.token.empty());
  CHECK(c.state_dir == "./tandem-state");
  CHECK(c.log.level == tandem::log::Level::info);
  CHECK(c.log.format == "kv");
  CHECK(c.mirror.mode == "off");
  CHECK(c.mirror.capture_memory_mib == 1024);
}

TEST_CASE("every key is read from the file") {
  const Config c = parse_config(R"(
state_dir = "/var/lib/tandem"
[source]
url = "postgres://u:p%40ss@db.example:6543/shop?sslmode=require&application_name=tandem"
[target]
url = "mysql://root:secret@[::1]:3307/shop"
[proxy]
listen = "0.0.0.0:7432"
tls_cert = "/etc/tandem/cert.pem"
tls_key = "/etc/tandem/key.pem"
max_message_bytes = 2048
shutdown_grace_seconds = 2.5
threads = 3
backend_connect_timeout_seconds = 1
[admin]
listen = "[::1]:9000"
token = "t0ken"
[log]
level = "debug"
format = "json"
)",
                                {}, "test.toml");
  CHECK(c.state_dir == "/var/lib/tandem");
  CHECK(c.source.url.password == "p@ss");
  CHECK(c.source.url.port == 6543);
  CHECK(c.source.url.sslmode == "require");
  REQUIRE(c.source.url.options.size() == 1);
  CHECK(c.source.url.options[0].first == "application_name");
  REQUIRE(c.target.has_value());
  CHECK(c.target->host == "::1");
  CHECK(c.target->port == 3307);
  CHECK(c.target->database == "shop");
  CHECK(c.proxy.listen.host == "0.0.0.0");
  CHECK(c.proxy.listen.port == 7432);
  CHECK(c.proxy.tls_cert == "/etc/tandem/cert.pem");
  CHECK(c.proxy.max_message_bytes == 2048);
  CHECK(c.proxy.shutdown_grace_seconds == doctest::Approx(2.5));
  CHECK(c.proxy.threads == 3);
  CHECK(c.proxy.backend_connect_timeout_seconds == doctest::Approx(1.0));
  CHECK(c.admin.listen.to_string() == "[::1]:9000");
  CHECK(c.admin.token == "t0ken");
  CHECK(c.log.level == tandem::log::Level::debug);
  CHECK(c.log.format == "json");
}

TEST_CASE("environment variables override the file key by key") {
  const Environment env = {{"TANDEM_PROXY_LISTEN", "127.0.0.1:7000"},
                           {"TANDEM_PROXY_THREADS", "2"},
                           {"TANDEM_SOURCE_URL", "postgresql://other@10.0.0.5/db"},
                           {"TANDEM_STATE_DIR", "/tmp/x"},
                           {"TANDEM_TEST_PG", "not a config key, ignored"}};
  const Config c = parse_config(kMinimal, env, "test.toml");
  CHECK(c.proxy.listen.port == 7000);
  CHECK(c.proxy.threads == 2);
  CHECK(c.source.url.host == "10.0.0.5");
  CHECK(c.state_dir == "/tmp/x");
}

TEST_CASE("source.url may come from the environment alone") {
  const Config c = parse_config("", {{"TANDEM_SOURCE_URL", "postgresql://a@h/d"}}, "test.toml");
  CHECK(c.source.url.host == "h");
}

TEST_CASE("a bad environment value names the variable and the key") {
  const auto why = refusal(kMinimal, {{"TANDEM_PROXY_THREADS", "four"}});
  CHECK(why.find("proxy.threads") != std::string::npos);
  CHECK(why.find("TANDEM_PROXY_THREADS") != std::string::npos);
  CHECK(why.find("four") != std::string::npos);
}

TEST_CASE("unknown keys are refused with their name") {
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nlisen = \"127.0.0.1:1\"\n") == "unknown key 'proxy.lisen'");
  CHECK(refusal("colour = 1\n" + std::string(kMinimal)) == "unknown key 'colour'");
  CHECK(refusal(std::string(kMinimal) + "[mirror]\nmodes = \"wal\"\n") == "unknown key 'mirror.modes'");
  CHECK(refusal(std::string(kMinimal) + "[mirror]\nmode = \"x\"\n") ==
        "mirror.mode: expected off, wal or proxy, got 'x'");
}

TEST_CASE("wrong types are refused with the key and the expected type") {
  const auto why = refusal(std::string(kMinimal) + "[proxy]\nthreads = \"2\"\n");
  CHECK(why.find("proxy.threads: expected an integer") != std::string::npos);
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nlisten = 6432\n").find("proxy.listen: expected a string") !=
        std::string::npos);
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nthreads = -1\n").find("proxy.threads") != std::string::npos);
}

TEST_CASE("bad values are refused with the key and the reason") {
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nlisten = \"abc\"\n") ==
        "proxy.listen: expected host:port, got 'abc'");
  CHECK(refusal(std::string(kMinimal) + "[admin]\nlisten = \"127.0.0.1:70000\"\n") ==
        "admin.listen: port 70000 out of range");
  CHECK(refusal("[source]\nurl = \"postgresql://h:99999/d\"\n") == "source.url: port 99999 out of range");
  CHECK(refusal("[source]\nurl = \"http://h/d\"\n") == "source.url: unknown scheme 'http', expected postgresql://");
  CHECK(refusal("[source]\nurl = \"postgresql://h/d?sslmode=sometimes\"\n").find("source.url: invalid sslmode") == 0);
  CHECK(refusal(std::string(kMinimal) + "[target]\nurl = \"postgresql://h/d\"\n").find("target.url: unknown scheme") ==
        0);
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nmax_message_bytes = 10\n").find("proxy.max_message_bytes") == 0);
  CHECK(refusal(std::string(kMinimal) + "[proxy]\nbackend_connect_timeout_seconds = 0\n")
            .find("proxy.backend_connect_timeout_seconds: must be > 0") == 0);
  CHECK(refusal(std::string(kMinimal) + "[log]\nlevel = \"loud\"\n").find("log.level") == 0);
  CHECK(refusal(std::string(kMinimal) + "[mirror]\ncapture_memory_mib = 0\n") ==
        "mirror.capture_memory_mib: must be between 1 and 1048576 (MiB), got 0");
  CHECK(parse_config(std::string(kMinimal) + "[mirror]\ncapture_memory_mib = 64\n", {}, "t.toml")
            .mirror.capture_memory_mib == 64);
}

TEST_CASE("source.url is required") { CHECK(refusal("").find("source.url: required") == 0); }

TEST_CASE("TLS needs both the certificate and the key") {
  CHECK(refusal(std::string(kMinimal) + "[proxy]\ntls_cert = \"c.pem\"\n") ==
        "proxy.tls_key: required when proxy.tls_cert is set");
  CHECK(refusal(std::string(kMinimal) + "[proxy]\ntls_key = \"k.pem\"\n") ==
        "proxy.tls_cert: required when proxy.tls_key is set");
}

TEST_CASE("the admin token comes from token or token_file, never both") {
  const auto dir = std::filesystem::temp_directory_path() / ("tandem-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "token";
  std::ofstream(file) << "from-file\n";
  const Config c = parse_config(std::string(kMinimal) + "[admin]\ntoken_file = \"" + file.string() + "\"\n", {}, "t");
  CHECK(c.admin.token == "from-file");
  CHECK(refusal(std::string(kMinimal) + "[admin]\ntoken = \"a\"\ntoken_file = \"" + file.string() + "\"\n")
            .find("admin.token_file: set either") == 0);
  const auto missing = refusal(std::string(kMinimal) + "[admin]\ntoken_file = \"" + (dir / "nope").string() + "\"\n");
  CHECK(missing.find("admin.token_file: cannot read") == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a TOML syntax error names the file, line and column") {
  const auto why = refusal("[source]\nurl = \"unterminated\n");
  CHECK(why.find("test.toml:2:") == 0);
}

TEST_CASE("the example configuration parses") {
  const auto example = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
                       "config" / "tandem.example.toml";
  REQUIRE(std::filesystem::exists(example));
  const Config c = tandem::config::load_config(example, {});
  CHECK(c.proxy.listen.port == 6432);
}

TEST_CASE("the environment variable of a key is TANDEM_ and the upper-cased dotted name") {
  CHECK(tandem::config::environment_variable_for("proxy.tls_cert") == "TANDEM_PROXY_TLS_CERT");
  CHECK(tandem::config::environment_variable_for("state_dir") == "TANDEM_STATE_DIR");
}

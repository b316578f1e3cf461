// The integration tests' view of their environment: server URLs, TLS files, free ports, temp dirs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace tandem::it {

// The servers started by tests/env/with-servers.sh, read from TANDEM_TEST_* variables.
struct TestServers {
  std::string pg_url;     // TANDEM_TEST_PG: superuser, trust over TCP
  std::string mysql_url;  // TANDEM_TEST_MYSQL (may be empty)
  std::string tls_cert;   // TANDEM_TEST_TLS_CERT (may be empty)
  std::string tls_key;    // TANDEM_TEST_TLS_KEY (may be empty)
  std::string pg_bin;     // TANDEM_TEST_PG_BIN (may be empty: tools are then taken from PATH)
};

// Returns the environment; fails the running test case (doctest REQUIRE) with instructions when
// TANDEM_TEST_PG is unset, so that a bare run never passes silently.
const TestServers& servers();

// True when TANDEM_TEST_DIRECT=1: "proxy" connections then go straight to PostgreSQL, so the tests
// themselves can be debugged without tandem; checks of tandem-only features are skipped.
bool direct_mode();

// The parts of a postgresql:// URL the tests need (user and password percent-decoded).
struct PgUrl {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5432;
  std::string user;
  std::string password;
  std::string dbname;
  std::map<std::string, std::string> params;
};
PgUrl parse_pg_url(std::string_view url);

// Returns the URL with query parameter `key` set to `value` (added or replaced).
std::string with_url_param(std::string_view url, std::string_view key, std::string_view value);

// Returns the URL with its host:port replaced by 127.0.0.1:port.
std::string with_url_port(std::string_view url, std::uint16_t port);

// A libpq conninfo value in single quotes with backslashes and quotes escaped.
std::string conninfo_quote(std::string_view value);

// A libpq conninfo string that goes straight to the test PostgreSQL (not through tandem).
std::string direct_conninfo(std::string_view user = "postgres", std::string_view database = "postgres",
                            std::string_view extra = "");

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

// Raises the soft RLIMIT_NOFILE to the hard limit (done once at start-up; children inherit it).
void raise_descriptor_limit();

// The path of a PostgreSQL client program (TANDEM_TEST_PG_BIN/name, else name for a PATH lookup).
std::string pg_program(std::string_view name);

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "tandem-it");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Calls `done` every `interval` until it returns true or `limit` has passed; returns its last value.
bool poll_until(std::chrono::milliseconds limit, const std::function<bool()>& done,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50));

// A name unique to this test process, for tables and databases shared with parallel tests.
std::string unique_name(std::string_view prefix);

// The whole content of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view content);

}  // namespace tandem::it

// Test support for the migration commands: a PostgreSQL and a MariaDB database of the same name,
// the tandem command line run or spawned against them, and a table of every supported type.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/mysql_client.hpp"
#include "support/pg_client.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

namespace tandem::it {

using namespace std::chrono_literals;

inline std::string pg_tool(const std::string& name) {
  const auto& bin = servers().pg_bin;
  return bin.empty() ? name : bin + "/" + name;
}

// A PostgreSQL database and a MariaDB database of the same name, dropped at the end, with the
// slot and publication a snapshot makes.
struct Databases {
  std::string name;
  std::uint16_t admin_port = free_port();
  PgConnection admin = PgConnection::connect_or_throw(direct_conninfo());
  std::filesystem::path dir;

  explicit Databases(const std::string& tag) : name(tag + "_" + std::to_string(::getpid())) {
    PQclear(PQexec(admin.raw(), ("DROP DATABASE IF EXISTS " + name).c_str()));
    REQUIRE(PgResult(PQexec(admin.raw(), ("CREATE DATABASE " + name).c_str())).ok());
    auto my = mysql();
    REQUIRE(my.query("DROP DATABASE IF EXISTS " + name).has_value());
    REQUIRE(my.query("CREATE DATABASE " + name).has_value());
    (void)my.query("DROP DATABASE IF EXISTS tandem_meta");
    dir = std::filesystem::path(std::getenv("TANDEM_TEST_TMP") ? std::getenv("TANDEM_TEST_TMP") : "/tmp") / name;
    std::filesystem::create_directories(dir);
  }
  ~Databases() {
    PQclear(
        PQexec(admin.raw(),
               ("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + name + "'")
                   .c_str()));
    PQclear(PQexec(admin.raw(), ("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").c_str()));
    // No REQUIRE here: a destructor may run while a failed REQUIRE unwinds.
    if (auto my = MysqlConnection::connect(servers().mysql_url)) {
      (void)my->query("DROP DATABASE IF EXISTS " + name);
      (void)my->query("DROP DATABASE IF EXISTS tandem_meta");
    }
  }
  MysqlConnection mysql(const std::string& database = "") const {
    auto c = MysqlConnection::connect(servers().mysql_url, database);
    REQUIRE_VALUE(c, c.error());
    return std::move(*c);
  }
  PgConnection pg() const { return PgConnection::connect_or_throw(direct_conninfo("postgres", name)); }
  std::string pg_url() const {
    auto u = parse_pg_url(servers().pg_url);
    return "postgresql://" + u.user + "@" + u.host + ":" + std::to_string(u.port) + "/" + name + "?sslmode=disable";
  }
  std::string mysql_url() const {
    std::string url = servers().mysql_url;
    return url.substr(0, url.rfind('/')) + "/" + name;
  }
  std::filesystem::path config(const std::string& tables, int chunk_rows, int workers,
                               double chunk_seconds = 2.0) const {
    const auto path = dir / "tandem.toml";
    std::ofstream out(path);
    out << "state_dir = \"" << (dir / "state").string() << "\"\n"
        << "[admin]\nlisten = \"127.0.0.1:" << admin_port << "\"\n"
        << "[source]\nurl = \"" << pg_url() << "\"\n"
        << "[target]\nurl = \"" << mysql_url() << "\"\n"
        << "[migration]\ntables = \"" << tables << "\"\nchunk_rows = " << chunk_rows << "\nworkers = " << workers
        << "\nchunk_seconds = " << chunk_seconds << "\nauto_throttle = \"off\""
        << "\nslot = \"" << name << "\"\npublication = \"" << name << "\"\n";
    return path;
  }
};

inline CommandResult snapshot(const std::filesystem::path& config, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {TANDEM_BINARY, "snapshot", "--config", config.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_command(argv, 300s);
}

// Starts `tandem <args...>` without waiting for it, for tests that kill or signal it.
inline pid_t spawn_tandem(const std::vector<std::string>& args) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close_range(3, ~0U, 0);  // no socket of the test's lives on in tandem
    std::vector<char*> argv{const_cast<char*>(TANDEM_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(TANDEM_BINARY, argv.data());
    _exit(127);
  }
  return child;
}

inline void exec_pg(PgConnection& pg, const std::string& sql) {
  PgResult r(PQexec(pg.raw(), sql.c_str()));
  REQUIRE_MESSAGE(r.ok(), sql << ": " << r.error_message());
}

inline const char* kTypedTable = R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE all_types (
  id integer PRIMARY KEY, si smallint, bi bigint, num numeric(30,10), num_free numeric, r real, d double precision,
  b boolean, t text, vc varchar(20), c char(4), by bytea, dt date, tm time, ts timestamp, tz timestamptz, iv interval,
  u uuid, j json, jb jsonb, ia integer[], ta text[], m mood, ip inet);
INSERT INTO all_types VALUES
  (1, -32768, -9223372036854775808, 12345678901234567890.0123456789, 0.000000000000000000000000000001, 1.5, 0.1,
   true, E'tab\there\nnewline \\ backslash', 'ünïcødé', 'ab', '\x00ff00', '2024-02-29', '23:59:59.999999',
   '2024-01-01 00:00:00.000001', '2024-06-30 23:59:59.5+02', '1 year 2 mons 3 days 04:05:06', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
   '{"a": [1, 2, {"b": null}]}', '{"k": "v", "n": 1.25}', '{1,NULL,3}', '{"x","y z","q\"uote"}', 'happy', '192.168.0.1'),
  (2, 32767, 9223372036854775807, -0.0000000001, 123456789012345678901234567890, -3.4e38, 1.7976931348623157e308,
   false, '', '', '', '', '0001-01-01', '00:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '0', NULL,
   '[]', '{}', '{}', '{}', 'sad', '::1'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL),
  (4, 0, 0, 0, 0, -0.0, 5e-324, true, '😀 beyond the BMP 𝄞', 'x', 'abcd', '\x5c6e', '9999-12-31', '12:00:00', '2038-01-19 03:14:08',
   '2100-01-01 00:00:00-08', '-1 days', '00000000-0000-0000-0000-000000000000', 'null', '"text"', '{0}', '{""}', 'ok', '10.0.0.0/8');
INSERT INTO all_types (id, t) SELECT g, repeat(md5(g::text), 3) FROM generate_series(5, 2000) g;
)SQL";

}  // namespace tandem::it

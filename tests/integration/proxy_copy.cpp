// COPY through the proxy: FROM STDIN and TO STDOUT with libpq, psql's \copy, and an aborted COPY.
#include <doctest/doctest.h>

#include <string>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

// 10k rows of COPY text format with tabs, escapes and NULLs.
std::string copy_rows(int count) {
  std::string data;
  for (int i = 1; i <= count; ++i) {
    data += std::to_string(i) + "\t";
    data += (i % 10 == 0) ? "\\N" : "name " + std::to_string(i) + " with\\ttab and \\\\ backslash";
    // Quarters print exactly the way PostgreSQL's float8 output writes them back.
    static constexpr const char* kFraction[] = {"", ".25", ".5", ".75"};
    data += "\t" + std::to_string(i / 4) + kFraction[i % 4] + "\n";
  }
  return data;
}

// Reads a whole COPY TO STDOUT; fails the test on error or if it does not end in `limit`.
std::string copy_out(PgConnection& conn, const std::string& sql) {
  PgResult started = conn.exec(sql);
  CAPTURE(sql);
  REQUIRE_MESSAGE(started.status() == PGRES_COPY_OUT, started.status_name() << " " << started.error_message());
  std::string out;
  while (true) {
    char* buffer = nullptr;
    int n = PQgetCopyData(conn.raw(), &buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      PQfreemem(buffer);
      continue;
    }
    REQUIRE_MESSAGE(n == -1, "PQgetCopyData failed: " << conn.error_message());
    break;
  }
  auto done = conn.finish_query(10s);
  REQUIRE(done.has_value());
  CHECK_MESSAGE(done->status() == PGRES_COMMAND_OK, done->error_message());
  return out;
}

// Creates a real (not temporary) table so that psql, another session, can use it.
struct ScratchTable {
  PgConnection& conn;
  std::string name;
  ScratchTable(PgConnection& c, std::string_view prefix) : conn(c), name(unique_name(prefix)) {
    conn.query("create table " + name + " (id int primary key, name text, score float8)");
  }
  ~ScratchTable() { conn.exec("drop table if exists " + name); }
};

}  // namespace

TEST_CASE("COPY FROM STDIN and COPY TO STDOUT of 10k rows through the proxy preserve the contents") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  ScratchTable table(conn, "copy_it");
  const std::string data = copy_rows(10000);

  PgResult started = conn.exec("copy " + table.name + " from stdin");
  REQUIRE_MESSAGE(started.status() == PGRES_COPY_IN, started.error_message());
  // Odd-sized pieces so that CopyData messages do not line up with rows.
  for (std::size_t pos = 0; pos < data.size(); pos += 7001) {
    const std::string_view piece = std::string_view(data).substr(pos, 7001);
    REQUIRE(PQputCopyData(conn.raw(), piece.data(), static_cast<int>(piece.size())) == 1);
  }
  REQUIRE(PQputCopyEnd(conn.raw(), nullptr) == 1);
  auto finished = conn.finish_query(30s);
  REQUIRE(finished.has_value());
  CHECK_MESSAGE(finished->status() == PGRES_COMMAND_OK, finished->error_message());
  CHECK(finished->command_tag() == "COPY 10000");

  CHECK(conn.query_value("select count(*) from " + table.name) == "10000");
  CHECK(conn.query_value("select count(*) from " + table.name + " where name is null") == "1000");
  const std::string out = copy_out(conn, "copy (select * from " + table.name + " order by id) to stdout");
  CHECK(out.size() == data.size());
  CHECK(md5_hex(out) == md5_hex(data));
  CHECK(conn.query_value("select 'after copy'") == "after copy");
}

TEST_CASE("psql \\copy from a file and to a file through the proxy") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  ScratchTable table(conn, "psql_copy_it");
  TempDir dir("tandem-it-copy");
  const auto in_file = dir.path() / "in.tsv";
  const auto out_file = dir.path() / "out.tsv";
  const std::string data = copy_rows(5000);
  write_file(in_file, data);

  const std::vector<std::string> load = {pg_program("psql"),
                                         tandem.conninfo(),
                                         "-X",
                                         "-v",
                                         "ON_ERROR_STOP=1",
                                         "-c",
                                         "\\copy " + table.name + " from '" + in_file.string() + "'"};
  CommandResult loaded = run_command(load, 60s);
  INFO(describe(load, loaded));
  REQUIRE(loaded.exit_code == 0);
  CHECK(loaded.out.find("COPY 5000") != std::string::npos);

  const std::vector<std::string> dump = {
      pg_program("psql"),
      tandem.conninfo(),
      "-X",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      "\\copy (select * from " + table.name + " order by id) to '" + out_file.string() + "'"};
  CommandResult dumped = run_command(dump, 60s);
  INFO(describe(dump, dumped));
  REQUIRE(dumped.exit_code == 0);
  const std::string out = read_file(out_file);
  CHECK(out.size() == data.size());
  CHECK(md5_hex(out) == md5_hex(data));
}

TEST_CASE("a COPY FROM STDIN aborted by the client fails and the session stays usable") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  conn.query("create temp table copy_abort (x int)");
  PgResult started = conn.exec("copy copy_abort from stdin");
  REQUIRE(started.status() == PGRES_COPY_IN);
  const std::string rows = "1\n2\n3\n";
  REQUIRE(PQputCopyData(conn.raw(), rows.data(), static_cast<int>(rows.size())) == 1);
  REQUIRE(PQputCopyEnd(conn.raw(), "client gave up") == 1);
  auto finished = conn.finish_query(10s);
  REQUIRE(finished.has_value());
  CHECK(finished->status() == PGRES_FATAL_ERROR);
  CHECK_MESSAGE(finished->error_message().find("client gave up") != std::string::npos, finished->error_message());
  CHECK(conn.transaction_status() == PQTRANS_IDLE);
  CHECK(conn.query_value("select count(*) from copy_abort") == "0");

  // A COPY with a bad row fails on the server side, also leaving the session usable.
  PgResult again = conn.exec("copy copy_abort from stdin");
  REQUIRE(again.status() == PGRES_COPY_IN);
  const std::string bad = "1\nnot a number\n";
  REQUIRE(PQputCopyData(conn.raw(), bad.data(), static_cast<int>(bad.size())) == 1);
  REQUIRE(PQputCopyEnd(conn.raw(), nullptr) == 1);
  auto rejected = conn.finish_query(10s);
  REQUIRE(rejected.has_value());
  CHECK(rejected->sqlstate() == "22P02");
  CHECK(conn.query_value("select 'usable'") == "usable");
}

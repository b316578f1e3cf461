// Pass-through basics: simple and extended queries, pipelining, errors, transaction state, backend
// pid, very large values and psql, all through a running tandem against PostgreSQL.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

std::string int4_binary(std::int32_t v) {
  std::uint32_t net = htonl(static_cast<std::uint32_t>(v));
  return std::string(reinterpret_cast<const char*>(&net), 4);
}

std::string int8_binary(std::int64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (56 - 8 * i));
  return out;
}

std::int64_t decode_int8(std::string_view bytes) {
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return static_cast<std::int64_t>(v);
}

}  // namespace

TEST_CASE("a simple query through the proxy returns the same rows as a direct connection") {
  TandemProcess tandem;
  auto proxy = PgConnection::connect_or_throw(tandem.conninfo());
  auto direct = PgConnection::connect_or_throw(direct_conninfo());
  const std::vector<std::string> statements = {
      "select n, md5(n::text), case when n % 7 = 0 then null else n * 1.5 end, "
      "'2024-02-29'::date + n, repeat('x', n % 50) || n from generate_series(1, 2000) as n",
      "select 'ä€𝄞'::text, E'tab\\there', ''::text, null::int, true, 1e300::float8, "
      "'{1,2,3}'::int[], '{\"a\": [1, null]}'::jsonb",
      "select 1 as a; select 2 as b, 3 as c",
      "select * from pg_catalog.pg_type where typname in ('int4', 'text', 'bytea') order by oid",
  };
  for (const auto& sql : statements) {
    CAPTURE(sql);
    PgResult through = proxy.exec(sql);
    PgResult straight = direct.exec(sql);
    REQUIRE_MESSAGE(through.ok(), through.error_message());
    REQUIRE_MESSAGE(straight.ok(), straight.error_message());
    CHECK(through.column_count() == straight.column_count());
    CHECK(format_rows(through.rows()) == format_rows(straight.rows()));
    CHECK(through.command_tag() == straight.command_tag());
  }
}

TEST_CASE("PQexecParams works through the proxy with text and binary parameters and results") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());

  const std::string text_sql = "select $1::int4 + 1, $2::text || '!', $3::text is null";
  PgResult text = conn.exec_params(text_sql, {"41", "hi", std::nullopt});
  CAPTURE(text_sql);
  REQUIRE_MESSAGE(text.ok(), text.error_message());
  CHECK(format_rows(text.rows()) == format_rows({{"42", "hi!", "t"}}));

  // Binary int4 and bytea in, binary results out: bytes with NUL and 0xff must survive.
  const std::string binary_sql = "select $1::int4 * 2, $2::bytea, length($2::bytea)";
  const std::string blob("a\0b\xff\x01zz", 7);
  const std::string p1 = int4_binary(21);
  const Oid types[2] = {23, 17};
  const char* values[2] = {p1.data(), blob.data()};
  const int lengths[2] = {4, static_cast<int>(blob.size())};
  const int formats[2] = {1, 1};
  PgResult binary(PQexecParams(conn.raw(), binary_sql.c_str(), 2, types, values, lengths, formats, 1));
  CAPTURE(binary_sql);
  REQUIRE_MESSAGE(binary.ok(), binary.error_message());
  Rows rows = binary.rows();
  REQUIRE(rows.size() == 1);
  CHECK(decode_int32(*rows[0][0]) == 42);
  CHECK(*rows[0][1] == blob);
  CHECK(decode_int32(*rows[0][2]) == 7);
}

TEST_CASE("PQprepare and PQexecPrepared run a statement repeatedly with text and binary parameters") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  const std::string sql = "select $1::int8 + $2::int8, $1::int8 * $2::int8";
  PgResult prepared(PQprepare(conn.raw(), "add_mul", sql.c_str(), 2, nullptr));
  CAPTURE(sql);
  REQUIRE_MESSAGE(prepared.ok(), prepared.error_message());

  PgResult described(PQdescribePrepared(conn.raw(), "add_mul"));
  REQUIRE_MESSAGE(described.ok(), described.error_message());
  CHECK(PQnparams(described.raw()) == 2);
  CHECK(PQnfields(described.raw()) == 2);

  for (int i = 0; i < 50; ++i) {
    const std::string a = std::to_string(i);
    const std::string b = std::to_string(1000 + i);
    const char* values[2] = {a.c_str(), b.c_str()};
    PgResult result(PQexecPrepared(conn.raw(), "add_mul", 2, values, nullptr, nullptr, 0));
    REQUIRE_MESSAGE(result.ok(), result.error_message());
    CHECK(format_rows(result.rows()) == format_rows({{std::to_string(1000 + 2 * i), std::to_string(i * (1000 + i))}}));
  }

  const std::string a = int8_binary(-7);
  const std::string b = int8_binary(3'000'000'000LL);
  const char* values[2] = {a.data(), b.data()};
  const int lengths[2] = {8, 8};
  const int formats[2] = {1, 1};
  PgResult binary(PQexecPrepared(conn.raw(), "add_mul", 2, values, lengths, formats, 1));
  REQUIRE_MESSAGE(binary.ok(), binary.error_message());
  Rows rows = binary.rows();
  REQUIRE(rows.size() == 1);
  CHECK(decode_int8(*rows[0][0]) == 2'999'999'993LL);
  CHECK(decode_int8(*rows[0][1]) == -21'000'000'000LL);

  PgResult deallocated = conn.exec("deallocate add_mul");
  CHECK_MESSAGE(deallocated.ok(), deallocated.error_message());
}

TEST_CASE("a pipeline of 100 queries returns 100 results in order, and an error aborts only its batch") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  REQUIRE(PQenterPipelineMode(conn.raw()) == 1);

  const char* sql = "select $1::int4 * 10";
  for (int i = 0; i < 100; ++i) {
    const std::string param = std::to_string(i);
    const char* values[1] = {param.c_str()};
    REQUIRE(PQsendQueryParams(conn.raw(), sql, 1, nullptr, values, nullptr, nullptr, 0) == 1);
  }
  REQUIRE(PQpipelineSync(conn.raw()) == 1);
  for (int i = 0; i < 100; ++i) {
    CAPTURE(i);
    auto result = conn.next_result(10s);
    REQUIRE_MESSAGE(result.has_value(), "timed out waiting for pipelined result");
    REQUIRE_MESSAGE(result->status() == PGRES_TUPLES_OK, result->error_message());
    CHECK(format_rows(result->rows()) == format_rows({{std::to_string(i * 10)}}));
    auto end = conn.next_result(10s);
    REQUIRE(end.has_value());
    CHECK(!*end);
  }
  auto sync = conn.next_result(10s);
  REQUIRE(sync.has_value());
  CHECK(sync->status() == PGRES_PIPELINE_SYNC);

  // Second batch: ok, error, skipped; then a third batch after the Sync works again.
  REQUIRE(PQsendQueryParams(conn.raw(), "select 1", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1);
  REQUIRE(PQsendQueryParams(conn.raw(), "select 1/0", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1);
  REQUIRE(PQsendQueryParams(conn.raw(), "select 3", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1);
  REQUIRE(PQpipelineSync(conn.raw()) == 1);
  REQUIRE(PQsendQueryParams(conn.raw(), "select 4", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1);
  REQUIRE(PQpipelineSync(conn.raw()) == 1);

  auto expect = [&](ExecStatusType status, std::string_view what) {
    CAPTURE(what);
    auto result = conn.next_result(10s);
    REQUIRE_MESSAGE(result.has_value(), "timed out");
    CHECK_MESSAGE(result->status() == status, "expected " << PQresStatus(status) << ", got " << result->status_name()
                                                          << " " << result->error_message());
    if (status == PGRES_FATAL_ERROR) CHECK(result->sqlstate() == "22012");
    if (status != PGRES_PIPELINE_SYNC) {
      auto end = conn.next_result(10s);
      REQUIRE(end.has_value());
      CHECK(!*end);
    }
  };
  expect(PGRES_TUPLES_OK, "select 1");
  expect(PGRES_FATAL_ERROR, "select 1/0");
  expect(PGRES_PIPELINE_ABORTED, "select 3");
  expect(PGRES_PIPELINE_SYNC, "sync 2");
  expect(PGRES_TUPLES_OK, "select 4");
  expect(PGRES_PIPELINE_SYNC, "sync 3");
  REQUIRE(PQexitPipelineMode(conn.raw()) == 1);
  CHECK(conn.query_value("select 'after pipeline'") == "after pipeline");
}

TEST_CASE("a bad statement returns its SQLSTATE and the session stays usable") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"selec 1", "42601"},
      {"select * from no_such_table_anywhere", "42P01"},
      {"select 1/0", "22012"},
      {"select 'abc'::int", "22P02"},
  };
  for (const auto& [sql, sqlstate] : cases) {
    CAPTURE(sql);
    PgResult result = conn.exec(sql);
    CHECK(result.status() == PGRES_FATAL_ERROR);
    CHECK(result.sqlstate() == sqlstate);
    CHECK(conn.query_value("select 'still usable'") == "still usable");
  }
  PgResult params = conn.exec_params("select $1::int / 0", {"5"});
  CHECK(params.sqlstate() == "22012");
  CHECK(conn.query_value("select 1") == "1");
}

TEST_CASE("transaction status follows BEGIN, a failed statement and ROLLBACK") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  CHECK(conn.transaction_status() == PQTRANS_IDLE);
  conn.query("begin");
  CHECK(conn.transaction_status() == PQTRANS_INTRANS);
  conn.query("create temp table tx_state (x int)");
  CHECK(conn.transaction_status() == PQTRANS_INTRANS);
  PgResult failed = conn.exec("insert into tx_state values ('not a number')");
  CHECK(failed.status() == PGRES_FATAL_ERROR);
  CHECK(conn.transaction_status() == PQTRANS_INERROR);
  PgResult refused = conn.exec("select 1");
  CHECK(refused.sqlstate() == "25P02");
  CHECK(conn.transaction_status() == PQTRANS_INERROR);
  conn.query("rollback");
  CHECK(conn.transaction_status() == PQTRANS_IDLE);
  conn.query("begin");
  conn.query("select 1");
  conn.query("commit");
  CHECK(conn.transaction_status() == PQTRANS_IDLE);
}

TEST_CASE("pg_backend_pid() equals the pid the client received in BackendKeyData") {
  TandemProcess tandem;
  for (int i = 0; i < 3; ++i) {
    auto conn = PgConnection::connect_or_throw(tandem.conninfo());
    const std::string server_pid = conn.query_value("select pg_backend_pid()");
    CHECK(server_pid == std::to_string(conn.backend_pid()));
  }
}

TEST_CASE("a 100 MB text value round-trips through the proxy in both directions") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  constexpr std::size_t kSize = 100u << 20;
  std::string value(kSize, '\0');
  std::mt19937 random(12345);
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.";
  for (auto& c : value) c = kAlphabet[random() % (sizeof kAlphabet - 1)];
  const std::string local_md5 = md5_hex(value);

  conn.query("create temp table big_value (v text)");
  PgResult inserted = conn.exec_params("insert into big_value values ($1)", {value});
  REQUIRE_MESSAGE(inserted.ok(), inserted.error_message());
  Rows stored = conn.query("select length(v), md5(v) from big_value");
  REQUIRE(stored.size() == 1);
  CHECK(*stored[0][0] == std::to_string(kSize));
  CHECK(*stored[0][1] == local_md5);

  PgResult read_back = conn.exec("select v from big_value");
  REQUIRE_MESSAGE(read_back.ok(), read_back.error_message());
  REQUIRE(read_back.row_count() == 1);
  const std::size_t received_length = static_cast<std::size_t>(PQgetlength(read_back.raw(), 0, 0));
  CHECK(received_length == kSize);
  CHECK(md5_hex(std::string_view(PQgetvalue(read_back.raw(), 0, 0), received_length)) == local_md5);

  // A value generated by the server only travels server -> client.
  Rows generated = conn.query("select md5(v), v from (select repeat(md5('tandem'), 3276800) as v) s");
  REQUIRE(generated.size() == 1);
  CHECK(generated[0][1]->size() == kSize);
  CHECK(md5_hex(*generated[0][1]) == *generated[0][0]);
}

TEST_CASE("psql runs several statements given with -c through the proxy") {
  TandemProcess tandem;
  const std::vector<std::string> argv = {pg_program("psql"),
                                         tandem.conninfo(),
                                         "-X",
                                         "-q",
                                         "-A",
                                         "-t",
                                         "-v",
                                         "ON_ERROR_STOP=1",
                                         "-c",
                                         "create temp table psql_t (x int); insert into psql_t values (1), (2), (3); "
                                         "select 'sum=' || sum(x) from psql_t",
                                         "-c",
                                         "select 'second=' || 2"};
  CommandResult result = run_command(argv, 60s);
  INFO(describe(argv, result));
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("sum=6") != std::string::npos);
  CHECK(result.out.find("second=2") != std::string::npos);

  const std::vector<std::string> failing = {
      pg_program("psql"), tandem.conninfo(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "select 1/0"};
  CommandResult failed = run_command(failing, 60s);
  INFO(describe(failing, failed));
  CHECK(failed.exit_code != 0);
  CHECK(failed.err.find("division by zero") != std::string::npos);
}

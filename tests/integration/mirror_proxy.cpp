// `tandem serve` with mirror.mode = "proxy": the proxy captures each committed write with the row
// images PostgreSQL returns for it, journals it as the commit passes to the client, and applies
// the journal to MySQL. pgbench TPC-B (simple, extended, prepared), generated values (serial keys,
// now(), gen_random_uuid(), random()), DDL, aborted work, a MariaDB outage and a kill -9 all end
// with both sides validated equal row for row.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/migration_db.hpp"
#include "support/mirror_support.hpp"
#include "support/tandem_process.hpp"
#include "tests/common/expected_checks.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::it::Databases;
using tandem::it::exec_pg;
using tandem::it::Forwarder;
using tandem::it::mirror_options;
using tandem::it::mirror_state;
using tandem::it::mysql_port;
using tandem::it::pgbench_through;
using tandem::it::prepared_databases;
using tandem::it::require_validated_equal;
using tandem::it::status_number;
using tandem::it::TandemProcess;
using tandem::it::wait_for;

// Everything journaled is applied.
bool drained(const TandemProcess& t) {
  const double last = status_number(t, "migration.mirror.journal.last_seq");
  return last >= 0 && status_number(t, "migration.mirror.journal.applied_seq") == last;
}

void require_drained(const TandemProcess& t) {
  INFO("tandem log: " << t.log_tail(40));
  REQUIRE(wait_for([&] { return drained(t); }, 60s));
}

// A table whose values PostgreSQL generates, added to the TPC-B tables before the snapshot.
std::filesystem::path prepared_with_generated(Databases& db) {
  {
    auto pg = db.pg();
    exec_pg(pg,
            "CREATE TABLE gen (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), "
            "u uuid NOT NULL DEFAULT gen_random_uuid(), r double precision DEFAULT random(), note text)");
    // A role that may insert into a table but not read it: RETURNING would fail for it.
    exec_pg(pg, "CREATE TABLE plain (id integer PRIMARY KEY, v text)");
    exec_pg(pg, "DO $$ BEGIN CREATE ROLE tandem_writer_only LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    exec_pg(pg, "GRANT INSERT ON plain TO tandem_writer_only");
  }
  return prepared_databases(db);
}

}  // namespace

TEST_CASE("mirror.mode = proxy: TPC-B, generated values, DDL and aborted work reach MySQL exactly") {
  Databases db("mir_proxy");
  const auto config = prepared_with_generated(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url(), "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));
  for (const char* mode : {"simple", "extended", "prepared"}) {
    auto run = pgbench_through(tandem, db, mode, tandem::it::kTpcbSecondsPerProtocol);
    INFO(mode);
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    CHECK(run.out.find("number of failed transactions: 0") != std::string::npos);
  }

  auto client = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  // The client sees what PostgreSQL answers for its own statement: only the RETURNING it asked for.
  tandem::it::PgResult returned(PQexec(client.raw(), "INSERT INTO gen (note) VALUES ('a'), ('b') RETURNING id"));
  REQUIRE(returned.ok());
  CHECK(PQnfields(returned.raw()) == 1);
  CHECK(PQntuples(returned.raw()) == 2);
  tandem::it::PgResult plain(PQexec(client.raw(), "INSERT INTO gen (note) VALUES ('c')"));
  REQUIRE(plain.ok());
  CHECK(PQnfields(plain.raw()) == 0);
  CHECK(std::string(PQcmdStatus(plain.raw())) == "INSERT 0 1");
  const char* values[] = {"d"};
  tandem::it::PgResult extended(
      PQexecParams(client.raw(), "UPDATE gen SET note = $1, r = random(), at = clock_timestamp() WHERE id = 1", 1,
                   nullptr, values, nullptr, nullptr, 0));
  REQUIRE(extended.ok());
  CHECK(PQnfields(extended.raw()) == 0);
  CHECK(std::string(PQcmdTuples(extended.raw())) == "1");
  // A key that changes is replayed as a statement; a deleted row goes by its key.
  exec_pg(client, "UPDATE gen SET id = id + 100 WHERE note = 'b'");
  exec_pg(client, "DELETE FROM gen WHERE note = 'c'");
  // DDL through the proxy, then rows that use the new column.
  exec_pg(client, "ALTER TABLE gen ADD COLUMN extra integer DEFAULT 7");
  exec_pg(client, "INSERT INTO gen (note) VALUES ('after ddl')");
  // A role without SELECT on the table writes as it would without the proxy (no RETURNING added).
  {
    auto writer = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("tandem_writer_only", db.name));
    tandem::it::PgResult by_writer(PQexec(writer.raw(), "INSERT INTO plain VALUES (1, 'by a writer')"));
    CHECK_MESSAGE(by_writer.ok(), PQresultErrorMessage(by_writer.raw()));
  }
  // Aborted work, a rolled-back savepoint and a failed statement leave no trace.
  exec_pg(client, "BEGIN; UPDATE pgbench_branches SET filler = 'aborted' WHERE bid = 1; ROLLBACK");
  exec_pg(client,
          "BEGIN; UPDATE pgbench_branches SET filler = 'kept' WHERE bid = 1; SAVEPOINT s; "
          "UPDATE pgbench_tellers SET filler = 'rolled back' WHERE tid = 1; ROLLBACK TO SAVEPOINT s; "
          "INSERT INTO gen (note) VALUES ('in a transaction'); COMMIT");
  tandem::it::PgResult failed(PQexec(client.raw(), "INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)"));
  CHECK_FALSE(failed.ok());

  require_drained(tandem);
  require_validated_equal(config);
  auto my = db.mysql(db.name);
  auto branch = my.query("SELECT filler FROM pgbench_branches WHERE bid = 1");
  auto teller = my.query("SELECT COALESCE(filler, '') FROM pgbench_tellers WHERE tid = 1");
  auto extra = my.query("SELECT extra FROM gen WHERE note = 'after ddl'");
  auto plain_row = my.query("SELECT v FROM plain WHERE id = 1");
  REQUIRE(plain_row.has_value());
  REQUIRE(plain_row->rows.size() == 1);
  CHECK(plain_row->rows[0][0].value_or("") == "by a writer");
  REQUIRE(branch.has_value());
  REQUIRE(teller.has_value());
  REQUIRE(extra.has_value());
  CHECK(branch->rows.at(0).at(0).value_or("").starts_with("kept"));
  CHECK_FALSE(teller->rows.at(0).at(0).value_or("").starts_with("rolled back"));
  REQUIRE(extra->rows.size() == 1);
  CHECK(extra->rows[0][0].value_or("") == "7");
  CHECK(tandem.metric("tandem_mirror_state", {{"mode", "proxy"}, {"state", "running"}}) == 1.0);
  CHECK(tandem.metric("tandem_apply_transactions").value_or(0) > 100);
  CHECK(tandem.metric("tandem_mirror_journal_bytes").value_or(0) > 0);
  CHECK(tandem.metric("tandem_mirror_lag_transactions").value_or(-1) == 0);
  CHECK(status_number(tandem, "migration.mirror.journal.last_seq") > 300);
  // Nothing was refused: no table is diverged.
  auto status = tandem.status();
  const auto* diverged = status.find("migration.mirror.diverged");
  REQUIRE(diverged != nullptr);
  CHECK(std::get<tandem::it::JsonValue::Object>(diverged->value).empty());
  const auto log = tandem.log_tail(2000);
  CHECK(log.find("event=mirror.replayed_statement") != std::string::npos);  // the key update
}

TEST_CASE("mirror.mode = proxy, MariaDB unreachable for 20 s: clients are unaffected, the journal catches up") {
  Databases db("mir_pdown");
  const auto config = prepared_databases(db);
  Forwarder forwarder(mysql_port());
  const std::string via_forwarder = "mysql://root@127.0.0.1:" + std::to_string(forwarder.port()) + "/" + db.name;
  TandemProcess tandem(mirror_options(db, via_forwarder, "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));

  tandem::it::CommandResult load;
  std::thread writer([&] { load = pgbench_through(tandem, db, "prepared", 30); });
  std::this_thread::sleep_for(4s);
  forwarder.cut();
  CHECK_MESSAGE(wait_for([&] { return mirror_state(tandem) == "retrying"; }, 15s), tandem.log_tail());
  std::this_thread::sleep_for(16s);
  CHECK(status_number(tandem, "migration.mirror.lag_transactions") > 0);  // the journal holds them
  // The lag keeps growing while MySQL is away: the oldest transaction not applied committed
  // about 16 s ago, and the records since are counted in bytes.
  CHECK(status_number(tandem, "migration.mirror.lag_seconds") >= 12);
  CHECK(tandem.metric("tandem_apply_lag_seconds").value_or(0) >= 12);
  CHECK(tandem.metric("tandem_apply_lag_bytes").value_or(0) > 100'000);
  CHECK(status_number(tandem, "migration.apply.lag_bytes") > 100'000);
  forwarder.restore();
  writer.join();
  REQUIRE_MESSAGE(load.exit_code == 0, load.err);
  CHECK(load.out.find("number of failed transactions: 0") != std::string::npos);
  CHECK(wait_for([&] { return mirror_state(tandem) == "running"; }, 60s));
  CHECK(tandem.metric("tandem_mirror_errors").value_or(0) >= 1);
  require_drained(tandem);
  CHECK(wait_for([&] { return tandem.metric("tandem_apply_lag_bytes").value_or(-1) == 0; }, 10s));
  CHECK(tandem.metric("tandem_apply_lag_seconds").value_or(-1) == 0);
  require_validated_equal(config);
}

TEST_CASE("mirror.mode = proxy, killed with -9 mid-run: restarted, nothing is lost or applied twice") {
  Databases db("mir_pkill");
  const auto config = prepared_databases(db);
  // Both runs share the state directory, hence the journal.
  tandem::it::TempDir state;
  auto options = mirror_options(db, db.mysql_url(), "proxy");
  options.state_dir = state.path() / "state";
  options.ready_limit = 120s;
  {
    TandemProcess first(options);
    REQUIRE(wait_for([&] { return mirror_state(first) == "running"; }, 30s));
    std::thread writer([&] { (void)pgbench_through(first, db, "extended", 8); });
    std::this_thread::sleep_for(4s);
    first.send_signal(SIGKILL);
    (void)first.wait_exit(10s);
    writer.join();  // its clients lost the proxy; what they committed is on PostgreSQL
  }
  TandemProcess second(options);
  REQUIRE(wait_for([&] { return mirror_state(second) == "running"; }, 60s));
  auto more = pgbench_through(second, db, "simple", 3);
  REQUIRE_MESSAGE(more.exit_code == 0, more.err);
  require_drained(second);
  require_validated_equal(config);
}

TEST_CASE(
    "mirror.mode = proxy: a commit whose answer the proxy reads late is still journaled in commit order; a new "
    "journal starts from its own first record") {
  Databases db("mir_porder");
  {
    auto pg = db.pg();
    exec_pg(pg, "CREATE TABLE ordered (id integer PRIMARY KEY, v text)");
    exec_pg(pg, "INSERT INTO ordered VALUES (1, 'start')");
    exec_pg(pg, "CREATE TABLE blobs (id integer PRIMARY KEY, b bytea)");
  }
  const auto config = prepared_databases(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url(), "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));

  // Client A commits 'A', then asks for 100 MB it does not read yet: the proxy cannot pass the
  // answer on, so it does not read PostgreSQL's ReadyForQuery for that query either.
  auto a = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  REQUIRE(PQsendQuery(a.raw(),
                      "BEGIN; UPDATE ordered SET v = 'A' WHERE id = 1; COMMIT; "
                      "SELECT repeat('x', 1000) FROM generate_series(1, 100000)") == 1);
  std::this_thread::sleep_for(1s);
  // Client B changes the same row after A's commit.
  auto b = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(b, "UPDATE ordered SET v = 'B' WHERE id = 1");
  std::this_thread::sleep_for(1s);
  // Now A reads its answer.
  while (PGresult* r = PQgetResult(a.raw())) PQclear(r);

  require_drained(tandem);
  auto my = db.mysql(db.name);
  auto row = my.query("SELECT v FROM ordered WHERE id = 1");
  REQUIRE(row.has_value());
  REQUIRE(row->rows.size() == 1);
  CHECK(row->rows[0][0].value_or("") == "B");
  require_validated_equal(config);

  // A new state directory, hence a new journal numbered from 1 again: its records are applied,
  // not taken for the old journal's.
  tandem.stop_gracefully(10s);
  TandemProcess fresh(mirror_options(db, db.mysql_url(), "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(fresh) == "running"; }, 30s));
  auto c = tandem::it::PgConnection::connect_or_throw(fresh.conninfo("postgres", db.name));
  exec_pg(c, "UPDATE ordered SET v = 'C' WHERE id = 1");
  require_drained(fresh);
  row = my.query("SELECT v FROM ordered WHERE id = 1");
  REQUIRE(row.has_value());
  CHECK(row->rows.at(0).at(0).value_or("") == "C");

  // A session that makes PostgreSQL write bytea in the escape form, which the applier does not
  // read: that transaction is counted as diverged, and the mirror goes on with the next ones.
  exec_pg(c, "SET bytea_output = 'escape'");
  exec_pg(c, "INSERT INTO blobs VALUES (1, '\\xdeadbeef')");
  exec_pg(c, "RESET bytea_output");
  exec_pg(c, "UPDATE ordered SET v = 'D' WHERE id = 1");
  require_drained(fresh);
  row = my.query("SELECT v FROM ordered WHERE id = 1");
  REQUIRE(row.has_value());
  CHECK(row->rows.at(0).at(0).value_or("") == "D");
  CHECK(fresh.metric("tandem_mirror_diverged_statements", {{"table", "public.blobs"}}).value_or(0) >= 1);
}

namespace {

// COPY ... FROM STDIN through a connection; the error text when it fails.
std::string copy_in(tandem::it::PgConnection& c, const std::string& sql, const std::string& data) {
  tandem::it::PgResult started(PQexec(c.raw(), sql.c_str()));
  if (PQresultStatus(started.raw()) != PGRES_COPY_IN) return sql + ": " + PQresultErrorMessage(started.raw());
  if (PQputCopyData(c.raw(), data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(c.raw(), nullptr) != 1)
    return PQerrorMessage(c.raw());
  std::string error;
  while (PGresult* r = PQgetResult(c.raw())) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  return error;
}

std::string big_endian(std::uint32_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// Rows in PostgreSQL's binary COPY format: the signature, flags and header extension length;
// per row the field count, then each field's length (-1: NULL) and bytes; then -1.
std::string binary_copy(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::string out("PGCOPY\n\xff\r\n\0", 11);
  out += big_endian(0, 4) + big_endian(0, 4);
  for (const auto& row : rows) {
    out += big_endian(static_cast<std::uint32_t>(row.size()), 2);
    for (const auto& field : row)
      out += field ? big_endian(static_cast<std::uint32_t>(field->size()), 4) + *field : big_endian(0xffffffffu, 4);
  }
  return out + big_endian(0xffff, 2);
}

}  // namespace

TEST_CASE("mirror.mode = proxy: COPY FROM STDIN, text and CSV, reaches MySQL as PostgreSQL read it") {
  Databases db("mir_pcopy");
  {
    auto pg = db.pg();
    exec_pg(
        pg,
        "CREATE TABLE items (id integer PRIMARY KEY, note text, at timestamptz, price numeric(10,2), flag boolean)");
    exec_pg(pg, "CREATE TABLE numbered (id serial PRIMARY KEY, v text)");
    // A role that may insert into a table but not read it: its writes get no row images, and
    // its COPY is mirrored all the same.
    exec_pg(pg, "CREATE TABLE loaded (id integer PRIMARY KEY, v text)");
    exec_pg(pg, "DO $$ BEGIN CREATE ROLE tandem_copy_writer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    exec_pg(pg, "GRANT INSERT ON loaded TO tandem_copy_writer");
  }
  const auto config = prepared_databases(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url(), "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));
  auto c = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  // A timestamp without an offset is read in the session's time zone, on MySQL's side too.
  exec_pg(c, "SET TimeZone = 'Asia/Tokyo'");
  CHECK(copy_in(c, "COPY items FROM STDIN",
                "1\ttab\\there\t2026-01-02 03:04:05\t1.5\ttrue\n2\tsecond\t\\N\t\\N\tf\n") == "");
  // CSV with a header, quoted line breaks and commas; columns left out have no default (NULL).
  CHECK(copy_in(c, "COPY items (id, note, flag) FROM STDIN (FORMAT csv, HEADER)",
                "id,note,flag\n3,\"with, comma\nand \"\"newline\"\"\",yes\n4,,no\n") == "");
  // Rolled back: nothing.
  exec_pg(c, "BEGIN");
  CHECK(copy_in(c, "COPY items (id) FROM STDIN", "5\n") == "");
  exec_pg(c, "ROLLBACK");
  // In a transaction with other writes, in order.
  exec_pg(c, "BEGIN");
  CHECK(copy_in(c, "COPY public.items (id, note) FROM STDIN WITH (DELIMITER '|', NULL 'none')", "6|none\n7|x|y\n") !=
        "");  // a row too wide: PostgreSQL refuses the COPY, and the transaction with it
  exec_pg(c, "ROLLBACK");
  exec_pg(c, "BEGIN");
  CHECK(copy_in(c, "COPY public.items (id, note) FROM STDIN WITH (DELIMITER '|', NULL 'none')", "6|none\n") == "");
  exec_pg(c, "UPDATE items SET note = 'updated' WHERE id = 2");
  exec_pg(c, "COMMIT");
  {
    auto writer = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("tandem_copy_writer", db.name));
    CHECK(copy_in(writer, "COPY loaded FROM STDIN", "1\tby a writer\n") == "");
  }

  require_drained(tandem);
  require_validated_equal(config);
  auto my = db.mysql(db.name);
  auto rows = my.query("SELECT id, COALESCE(note, 'NULL') FROM items ORDER BY id");
  REQUIRE(rows.has_value());
  REQUIRE(rows->rows.size() == 5);
  CHECK(rows->rows[0][1].value_or("") == "tab\there");
  CHECK(rows->rows[1][1].value_or("") == "updated");
  CHECK(rows->rows[2][1].value_or("") == "with, comma\nand \"newline\"");
  CHECK(rows->rows[3][1].value_or("") == "NULL");
  CHECK(rows->rows[4][0].value_or("") == "6");
  CHECK(rows->rows[4][1].value_or("") == "NULL");
  // 03:04:05 in Tokyo, kept by MySQL in UTC.
  auto at = my.query("SELECT CAST(at AS CHAR) FROM items WHERE id = 1");
  REQUIRE(at.has_value());
  CHECK(at->rows.at(0).at(0).value_or("").starts_with("2026-01-01 18:04:05"));
  auto loaded = my.query("SELECT v FROM loaded WHERE id = 1");
  REQUIRE(loaded.has_value());
  REQUIRE(loaded->rows.size() == 1);
  CHECK(loaded->rows[0][0].value_or("") == "by a writer");
  auto status = tandem.status();
  const auto* diverged = status.find("migration.mirror.diverged");
  REQUIRE(diverged != nullptr);
  CHECK(std::get<tandem::it::JsonValue::Object>(diverged->value).empty());

  // A COPY that leaves a serial key to its default: MySQL cannot get the same keys, so the table
  // is diverged (and named), and the client is not held up.
  CHECK(copy_in(c, "COPY numbered (v) FROM STDIN", "a\nb\n") == "");
  exec_pg(c, "INSERT INTO items (id) VALUES (8)");
  require_drained(tandem);
  CHECK(tandem.metric("tandem_mirror_diverged_statements", {{"table", "public.numbered"}}).value_or(0) >= 1);
  CHECK(tandem.log_tail(200).find("leaves out column id") != std::string::npos);
  rows = my.query("SELECT COUNT(*) FROM items");
  REQUIRE(rows.has_value());
  CHECK(rows->rows.at(0).at(0).value_or("") == "6");

  // The binary format, read back by PostgreSQL the same way.
  CHECK(copy_in(c, "COPY items (id, note, flag) FROM STDIN (FORMAT binary)",
                binary_copy({{big_endian(9, 4), "binary\tcopy", std::string(1, '\1')},
                             {big_endian(10, 4), std::nullopt, std::string(1, '\0')}})) == "");
  require_drained(tandem);
  CHECK(!tandem.metric("tandem_mirror_diverged_statements", {{"table", "public.items"}}).has_value());
  rows = my.query("SELECT id, COALESCE(note, 'NULL'), flag FROM items WHERE id >= 9 ORDER BY id");
  REQUIRE(rows.has_value());
  REQUIRE(rows->rows.size() == 2);
  CHECK(rows->rows[0][1].value_or("") == "binary\tcopy");
  CHECK(rows->rows[0][2].value_or("") == "1");
  CHECK(rows->rows[1][1].value_or("") == "NULL");
  CHECK(rows->rows[1][2].value_or("") == "0");
}

namespace {

// A table `notes` (rows 1 'a' and 2 'b') on both sides, tandem with the proxy mirror, and a client
// through it that prepared "upd" (UPDATE notes SET v = $1 WHERE id = $2) and ran it once,
// setting row 1 to 'x'.
struct PreparedNotes {
  Databases db;
  std::filesystem::path config;
  TandemProcess proxy;
  tandem::it::PgConnection client;

  explicit PreparedNotes(const std::string& name)
      : db(name),
        config(snapshotted(db)),
        proxy(mirror_options(db, db.mysql_url(), "proxy")),
        client(prepared(proxy, db)) {}

  tandem::it::PgResult run(const char* v, const char* id) {
    const char* values[] = {v, id};
    return tandem::it::PgResult(PQexecPrepared(client.raw(), "upd", 2, values, nullptr, nullptr, 0));
  }

 private:
  static std::filesystem::path snapshotted(Databases& db) {
    auto pg = db.pg();
    exec_pg(pg, "CREATE TABLE notes (id integer PRIMARY KEY, v text)");
    exec_pg(pg, "INSERT INTO notes VALUES (1, 'a'), (2, 'b')");
    return prepared_databases(db);
  }
  static tandem::it::PgConnection prepared(const TandemProcess& t, const Databases& db) {
    REQUIRE(wait_for([&] { return mirror_state(t) == "running"; }, 30s));
    auto c = tandem::it::PgConnection::connect_or_throw(t.conninfo("postgres", db.name));
    REQUIRE(tandem::it::PgResult(PQprepare(c.raw(), "upd", "UPDATE notes SET v = $1 WHERE id = $2", 2, nullptr)).ok());
    const char* values[] = {"x", "1"};
    REQUIRE(tandem::it::PgResult(PQexecPrepared(c.raw(), "upd", 2, values, nullptr, nullptr, 0)).ok());
    return c;
  }
};

}  // namespace

TEST_CASE("mirror.mode = proxy: a write prepared before DDL through the proxy still runs after it, with its image") {
  PreparedNotes n("mir_pddl");
  // The image list of "upd" (notes.*) gains a column: without the proxy's new Parse, PostgreSQL
  // would refuse the next execution ("cached plan must not change result type").
  auto b = tandem::it::PgConnection::connect_or_throw(n.proxy.conninfo("postgres", n.db.name));
  exec_pg(b, "ALTER TABLE notes ADD COLUMN extra integer DEFAULT 7");
  auto after = n.run("y", "2");
  CHECK_MESSAGE(after.ok(), std::string(PQresultErrorMessage(after.raw())));
  CHECK(std::string(PQcmdTuples(after.raw())) == "1");
  CHECK(PQnfields(after.raw()) == 0);
  exec_pg(b, "UPDATE notes SET extra = 8 WHERE id = 1");
  CHECK(n.run("z", "1").ok());

  require_drained(n.proxy);
  require_validated_equal(n.config);
  auto my = n.db.mysql(n.db.name);
  auto rows = my.query("SELECT id, v, extra FROM notes ORDER BY id");
  REQUIRE(rows.has_value());
  REQUIRE(rows->rows.size() == 2);
  CHECK(rows->rows[0] == std::vector<std::optional<std::string>>{"1", "z", "8"});
  CHECK(rows->rows[1] == std::vector<std::optional<std::string>>{"2", "y", "7"});
}

TEST_CASE(
    "mirror.mode = proxy: a write larger than the capture memory is not mirrored, is reported, and harms nothing") {
  Databases db("mir_pbudget");
  {
    auto pg = db.pg();
    exec_pg(pg, "CREATE TABLE big (id integer PRIMARY KEY, v text)");
    exec_pg(pg, "CREATE TABLE small (id integer PRIMARY KEY, v text)");
  }
  const auto config = prepared_databases(db);
  auto options = mirror_options(db, db.mysql_url(), "proxy");
  options.extra_toml["mirror"].push_back("capture_memory_mib = 1");
  TandemProcess tandem(options);
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));
  CHECK(tandem.metric("tandem_mirror_capture_limit_bytes", {}).value_or(0) == 1 << 20);

  // About 3 MiB of row images in one transaction, in statements below the per-statement bound:
  // the client's transaction commits as usual.
  auto c = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(c, "BEGIN");
  for (int i = 0; i < 3; ++i)
    exec_pg(c, "INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(" + std::to_string(i * 1000 + 1) +
                   ", " + std::to_string(i * 1000 + 1000) + ") g");
  exec_pg(c, "COMMIT");
  CHECK(c.query_value("SELECT count(*) FROM big") == "3000");

  // The mirror reports the transaction as diverged, naming the limit, and goes on with the next.
  exec_pg(c, "INSERT INTO small VALUES (1, 'after')");
  require_drained(tandem);
  auto my = db.mysql(db.name);
  auto row = my.query("SELECT v FROM small WHERE id = 1");
  REQUIRE_VALUE(row, row.error());
  REQUIRE(row->rows.size() == 1);
  CHECK(row->rows[0][0].value_or("") == "after");
  auto status = tandem.status();
  const auto* diverged = status.find("migration.mirror.diverged");
  REQUIRE(diverged != nullptr);
  const auto& tables = std::get<tandem::it::JsonValue::Object>(diverged->value);
  REQUIRE(!tables.empty());
  std::string reasons;
  for (const auto& [table, figures] : tables) {
    if (const auto* r = figures.find("last_reason"); r && std::holds_alternative<std::string>(r->value))
      reasons += table + ": " + std::get<std::string>(r->value) + "\n";
  }
  INFO("diverged: " << reasons);
  CHECK(reasons.find("mirror.capture_memory_mib = 1") != std::string::npos);
  CHECK(reasons.find("INSERT INTO big") != std::string::npos);
  // Named by the table the statement writes.
  CHECK(reasons.starts_with("public.big: "));
  CHECK(tables.size() == 1);
  // Nothing of it stays held: the memory was given back when the transaction was journaled.
  CHECK(wait_for([&] { return status_number(tandem, "migration.mirror.capture.bytes") == 0; }, 10s));
}

TEST_CASE("mirror.mode = proxy: a write prepared before DDL that bypassed the proxy fails once, then runs") {
  PreparedNotes n("mir_pddlx");
  // A column added straight on PostgreSQL (and, by the operator, on MySQL): the proxy does not
  // see it, so the image list of "upd" changes under it. PostgreSQL refuses the next execution
  // once ("cached plan must not change result type"); the proxy then prepares it again.
  auto direct = n.db.pg();
  exec_pg(direct, "ALTER TABLE notes ADD COLUMN extra integer DEFAULT 7");
  auto my = n.db.mysql(n.db.name);
  REQUIRE(my.query("ALTER TABLE notes ADD COLUMN extra integer DEFAULT 7").has_value());
  auto refused = n.run("y", "2");
  CHECK(!refused.ok());
  CHECK(std::string(PQresultErrorMessage(refused.raw())).find("cached plan must not change result type") !=
        std::string::npos);
  auto after = n.run("y", "2");
  CHECK_MESSAGE(after.ok(), std::string(PQresultErrorMessage(after.raw())));
  CHECK(std::string(PQcmdTuples(after.raw())) == "1");
  CHECK(PQnfields(after.raw()) == 0);
  CHECK(n.run("z", "1").ok());

  require_drained(n.proxy);
  auto rows = my.query("SELECT id, v, extra FROM notes ORDER BY id");
  REQUIRE_VALUE(rows, rows.error());
  REQUIRE(rows->rows.size() == 2);
  CHECK(rows->rows[0] == std::vector<std::optional<std::string>>{"1", "z", "7"});
  CHECK(rows->rows[1] == std::vector<std::optional<std::string>>{"2", "y", "7"});
  require_validated_equal(n.config);
}

TEST_CASE("mirror.mode = proxy: statements the mirror cannot apply are counted per fingerprint and table") {
  Databases db("mir_prefuse");
  {
    auto pg = db.pg();
    exec_pg(pg, "CREATE TABLE items (id integer PRIMARY KEY, note text)");
    exec_pg(pg, "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 5) g");
  }
  const auto config = prepared_databases(db);
  // A table made on PostgreSQL alone, after the snapshot: MySQL does not have it.
  {
    auto pg = db.pg();
    exec_pg(pg, "CREATE TABLE local_only (id integer PRIMARY KEY, v text)");
  }
  TandemProcess tandem(mirror_options(db, db.mysql_url(), "proxy"));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 30s));

  // An UPDATE of the key is replayed as a statement, and this one the translator refuses (MySQL
  // would read the new id in note's expression). Three executions that differ in their literals,
  // then DDL it refuses (an expression index): the clients are not affected.
  auto c = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  for (int id : {1, 2, 3})
    exec_pg(c, "UPDATE items SET id = id + 100, note = id::text WHERE id = " + std::to_string(id));
  exec_pg(c, "CREATE INDEX items_lower ON items (lower(note))");
  // The same refusal on a table MySQL does not have is no divergence: there was nothing to mirror.
  exec_pg(c, "CREATE INDEX local_lower ON local_only (lower(v))");
  // Writes the proxy cannot capture (a session in another DateStyle): named by their table too,
  // and only where MySQL has it.
  auto german = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(german, "SET DateStyle = 'German'");
  exec_pg(german, "INSERT INTO local_only VALUES (1, 'x')");
  exec_pg(german, "UPDATE items SET note = 'g' WHERE id = 4");
  exec_pg(c, "INSERT INTO items VALUES (6, 'after')");
  CHECK(c.query_value("SELECT count(*) FROM items WHERE id > 100") == "3");
  require_drained(tandem);

  // The mirror went on: the write after them is on MySQL.
  auto my = db.mysql(db.name);
  auto row = my.query("SELECT note FROM items WHERE id = 6");
  REQUIRE_VALUE(row, row.error());
  REQUIRE(row->rows.size() == 1);
  CHECK(row->rows[0][0].value_or("") == "after");

  auto status = tandem.status();
  const auto* refused = status.find("migration.mirror.refused");
  REQUIRE(refused != nullptr);
  const auto& fingerprints = std::get<tandem::it::JsonValue::Object>(refused->value);
  REQUIRE(fingerprints.size() == 3);
  std::string update_fp, index_fp, german_fp;
  for (const auto& [fp, f] : fingerprints) {
    const auto* statement = f.find("statement");
    REQUIRE(statement != nullptr);
    const auto& text = std::get<std::string>(statement->value);
    CHECK(std::get<std::string>(f.find("table")->value) == "public.items");
    if (text.starts_with("UPDATE items SET note = 'g'")) {
      german_fp = fp;
      CHECK(std::get<double>(f.find("statements")->value) == 1);
      CHECK(std::get<std::string>(f.find("last_reason")->value).find("DateStyle") != std::string::npos);
    } else if (text.starts_with("UPDATE items")) {
      update_fp = fp;
      CHECK(std::get<double>(f.find("statements")->value) == 3);
      CHECK(std::get<std::string>(f.find("last_reason")->value).find("left to right") != std::string::npos);
    } else {
      index_fp = fp;
      CHECK(text.starts_with("CREATE INDEX items_lower"));
      CHECK(std::get<double>(f.find("statements")->value) == 1);
      CHECK(std::get<std::string>(f.find("last_reason")->value).find("expression index") != std::string::npos);
    }
  }
  REQUIRE(!update_fp.empty());
  REQUIRE(!index_fp.empty());
  REQUIRE(!german_fp.empty());
  CHECK(tandem.metric("tandem_mirror_refused_statements", {{"fingerprint", update_fp}, {"table", "public.items"}})
            .value_or(0) == 3);
  CHECK(tandem.metric("tandem_mirror_refused_statements", {{"fingerprint", index_fp}, {"table", "public.items"}})
            .value_or(0) == 1);
  // Diverged: that table, named, and no other.
  const auto* diverged = status.find("migration.mirror.diverged");
  REQUIRE(diverged != nullptr);
  const auto& tables = std::get<tandem::it::JsonValue::Object>(diverged->value);
  CHECK(tables.size() == 1);
  CHECK(std::ranges::any_of(tables, [](const auto& t) { return t.first == "public.items"; }));
  CHECK(tandem.metric("tandem_mirror_diverged_statements", {{"table", "public.items"}}).value_or(0) == 5);
  // Logged once per fingerprint, with the statement.
  const std::string log = tandem.log_tail(400);
  std::size_t logged = 0;
  for (auto at = log.find(update_fp); at != std::string::npos; at = log.find(update_fp, at + 1)) ++logged;
  CHECK(logged == 1);
  CHECK(log.find("UPDATE items SET id = id + 100, note = id::text WHERE id = 1") != std::string::npos);
  CHECK(log.find("local_lower") == std::string::npos);
  CHECK(log.find("local_only") == std::string::npos);
}

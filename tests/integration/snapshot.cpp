// `tandem snapshot` against real servers: pgbench tables and a table of every supported type
// copied exactly; existing targets refused; a copy killed with -9 resumed to the same result;
// tables without a key refused by name.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/canonical.hpp"
#include "support/http_client.hpp"
#include "support/migration_db.hpp"
#include "support/mysql_client.hpp"
#include "support/pg_client.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::it::Databases;
using tandem::it::exec_pg;
using tandem::it::kTypedTable;
using tandem::it::MysqlConnection;
using tandem::it::pg_tool;
using tandem::it::PgConnection;
using tandem::it::PgResult;
using tandem::it::snapshot;
using tandem::it::spawn_tandem;

// Every row of `table` on both sides, canonical and in key order.
void require_same_rows(const Databases& db, const std::string& table, const std::string& order_by) {
  auto pg = db.pg();
  PQclear(PQexec(pg.raw(), "SET TimeZone = 'UTC'"));
  PQclear(PQexec(pg.raw(), "SET extra_float_digits = 3"));
  PgResult p(PQexec(pg.raw(), ("SELECT * FROM " + table + " ORDER BY " + order_by).c_str()));
  REQUIRE_MESSAGE(p.ok(), p.error_message());
  std::vector<Oid> types;
  for (int i = 0; i < p.column_count(); ++i) types.push_back(PQftype(p.raw(), i));
  auto my = db.mysql(db.name);
  auto m = my.query("SELECT * FROM `" + table + "` ORDER BY " + order_by);
  REQUIRE_VALUE(m, m.error());
  const auto pg_rows = p.rows();
  REQUIRE_MESSAGE(pg_rows.size() == m->rows.size(),
                  table << ": PostgreSQL has " << pg_rows.size() << " rows, MariaDB " << m->rows.size());
  for (std::size_t r = 0; r < pg_rows.size(); ++r) {
    for (std::size_t c = 0; c < types.size(); ++c) {
      const std::string a = tandem::it::canonical(pg_rows[r][c], types[c], true);
      const std::string b = tandem::it::canonical(m->rows[r][c], types[c], false);
      if (a != b) {
        FAIL_CHECK(table << " row " << r + 1 << " column " << PQfname(p.raw(), static_cast<int>(c)) << ": PostgreSQL "
                         << a << ", MariaDB " << b);
        return;
      }
    }
  }
}

}  // namespace

TEST_CASE("a snapshot copies pgbench tables and a table of every supported type exactly, from one snapshot") {
  Databases db("snap");
  auto pgbench = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "1", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(pgbench.exit_code == 0, pgbench.err);
  auto pg = db.pg();
  exec_pg(pg, kTypedTable);
  const std::string tables =
      "public.pgbench_accounts, public.pgbench_branches, public.pgbench_tellers, public.all_types";
  auto result = snapshot(db.config(tables, 7000, 2));
  REQUIRE_MESSAGE(result.exit_code == 0, result.out << result.err);
  CHECK(result.out.find("snapshot done: 102011 rows") != std::string::npos);

  require_same_rows(db, "pgbench_accounts", "aid");
  require_same_rows(db, "pgbench_branches", "bid");
  require_same_rows(db, "pgbench_tellers", "tid");
  require_same_rows(db, "all_types", "id");

  // The slot exists with its consistent point recorded next to the chunk marks.
  PgResult slot(
      PQexec(db.admin.raw(), ("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + db.name + "'").c_str()));
  CHECK(slot.row_count() == 1);
  auto my = db.mysql();
  auto state = my.query("SELECT consistent_lsn FROM tandem_meta.snapshot_state");
  REQUIRE(state.has_value());
  REQUIRE(state->rows.size() == 1);
  CHECK(state->rows[0][0]->find('/') != std::string::npos);
  auto chunks = my.query("SELECT COUNT(*), SUM(done), SUM(rows_copied) FROM tandem_meta.snapshot_chunks");
  REQUIRE(chunks.has_value());
  CHECK(*chunks->rows[0][0] == "18");  // 15 for 100000 accounts, 1 each for the others
  CHECK(*chunks->rows[0][1] == "18");
  CHECK(*chunks->rows[0][2] == "102011");

  // A second run must not overwrite what is there.
  auto again = snapshot(db.config(tables, 7000, 2));
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("already exists on MySQL") != std::string::npos);
  // Resuming a finished copy copies nothing and leaves the rows as they are.
  auto resumed = snapshot(db.config(tables, 7000, 2), {"--resume"});
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.err);
  require_same_rows(db, "all_types", "id");
}

TEST_CASE("a snapshot killed with -9 mid-copy, three times, resumes to exactly the source") {
  Databases db("snapkill");
  auto pgbench = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "3", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(pgbench.exit_code == 0, pgbench.err);
  // Small units (a few chunks each) so that kills land between many commits.
  const auto config = db.config("public.pgbench_accounts", 2000, 1, 0.05);
  auto my = db.mysql();
  int done_before = 0;
  for (int kill_round = 0; kill_round < 3; ++kill_round) {
    std::vector<std::string> args{"snapshot", "--config", config.string()};
    if (kill_round > 0) args.push_back("--resume");
    const pid_t child = spawn_tandem(args);
    // Kill it once it has committed some chunks more, but not all.
    bool progressed = false;
    int done_now = done_before;
    for (int i = 0; i < 600 && !progressed; ++i) {
      std::this_thread::sleep_for(20ms);
      auto done = my.query("SELECT COALESCE(SUM(done), 0) FROM tandem_meta.snapshot_chunks");
      if (done.has_value() && !done->rows.empty()) done_now = std::stoi(done->rows[0][0].value_or("0"));
      progressed = done_now >= done_before + 10;
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE_MESSAGE(progressed, "round " << kill_round << ": the copy did not commit 10 more chunks within 12 s");
    MESSAGE("round " << kill_round << ": killed with " << done_now << " of 151 chunks committed");
    CHECK(done_now < 151);
    done_before = done_now;
  }

  // Backfill refuses to start on an unfinished copy.
  auto early =
      tandem::it::run_command({TANDEM_BINARY, "backfill", "--config", config.string(), "--until-caught-up"}, 60s);
  CHECK(early.exit_code == 1);
  CHECK(early.err.find("the snapshot is not complete") != std::string::npos);

  auto resumed = snapshot(config, {"--resume"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.out << resumed.err);
  require_same_rows(db, "pgbench_accounts", "aid");
  auto chunks = my.query("SELECT COUNT(*), SUM(done), SUM(rows_copied) FROM tandem_meta.snapshot_chunks");
  REQUIRE(chunks.has_value());
  CHECK(*chunks->rows[0][0] == *chunks->rows[0][1]);
  CHECK(*chunks->rows[0][2] == "300000");
}

TEST_CASE("tandem migrate copies and then catches up in one process") {
  Databases db("snapmig");
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(8,2))");
  exec_pg(pg, "INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.25 FROM generate_series(1, 5000) g");
  exec_pg(pg, "DELETE FROM items WHERE id > 4990");  // the sequence stays at 5000
  auto result = tandem::it::run_command(
      {TANDEM_BINARY, "migrate", "--config", db.config("public.items", 1000, 2).string(), "--until-caught-up"}, 120s);
  REQUIRE_MESSAGE(result.exit_code == 0, result.out << result.err);
  CHECK(result.out.find("snapshot done: 4990 rows in 5 chunks") != std::string::npos);
  CHECK(result.out.find("backfill caught up") != std::string::npos);
  require_same_rows(db, "items", "id");
  // New MySQL keys continue after the source sequence, not after the largest key copied.
  auto my = db.mysql(db.name);
  REQUIRE(my.query("INSERT INTO items (name) VALUES ('next')").has_value());
  auto next = my.query("SELECT MAX(id) FROM items");
  REQUIRE(next.has_value());
  CHECK(*next->rows[0][0] == "5001");
}

TEST_CASE("unreachable servers and a source without wal_level=logical privileges fail clearly, creating nothing") {
  Databases db("snapbad");
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE t (id integer PRIMARY KEY)");
  const auto path = db.dir / "bad.toml";
  {
    std::ofstream out(path);
    out << "[source]\nurl = \"postgresql://postgres@127.0.0.1:1/" << db.name << "\"\n[target]\nurl = \""
        << db.mysql_url() << "\"\n";
  }
  auto no_source = snapshot(path);
  CHECK(no_source.exit_code == 1);
  CHECK(no_source.err.find("cannot connect") != std::string::npos);
  {
    std::ofstream out(path);
    out << "[source]\nurl = \"" << db.pg_url() << "\"\n[target]\nurl = \"mysql://root@127.0.0.1:1/" << db.name
        << "\"\n[migration]\ntables = \"public.t\"\nslot = \"" << db.name << "\"\npublication = \"" << db.name
        << "\"\n";
  }
  auto no_target = snapshot(path);
  CHECK(no_target.exit_code == 1);
  CHECK(no_target.err.find("mysql: cannot connect") != std::string::npos);
  // A role without the REPLICATION attribute cannot create the slot: refused with the reason,
  // and no target table is left behind.
  exec_pg(db.admin, "DROP ROLE IF EXISTS tandem_norepl");
  exec_pg(db.admin, "CREATE ROLE tandem_norepl LOGIN");
  exec_pg(db.admin, "GRANT ALL ON DATABASE " + db.name + " TO tandem_norepl");
  exec_pg(pg, "GRANT SELECT ON t TO tandem_norepl; GRANT CREATE ON DATABASE " + db.name + " TO tandem_norepl");
  exec_pg(pg, "ALTER TABLE t OWNER TO tandem_norepl");
  auto u = tandem::it::parse_pg_url(tandem::it::servers().pg_url);
  {
    std::ofstream out(path);
    out << "[source]\nurl = \"postgresql://tandem_norepl@" << u.host << ":" << u.port << "/" << db.name
        << "?sslmode=disable\"\n[target]\nurl = \"" << db.mysql_url()
        << "\"\n[migration]\ntables = \"public.t\"\nslot = \"" << db.name << "\"\npublication = \"" << db.name
        << "\"\n";
  }
  auto no_privilege = snapshot(path);
  CHECK(no_privilege.exit_code == 1);
  CHECK_MESSAGE(no_privilege.err.find("replication") != std::string::npos, no_privilege.err);
  auto my = db.mysql();
  auto tables = my.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + db.name + "'");
  REQUIRE(tables.has_value());
  CHECK(*tables->rows[0][0] == "0");
  PgResult publications(PQexec(pg.raw(), ("SELECT 1 FROM pg_publication WHERE pubname = '" + db.name + "'").c_str()));
  CHECK(publications.row_count() == 0);
  exec_pg(pg, "ALTER TABLE t OWNER TO postgres");
  exec_pg(db.admin, "REVOKE ALL ON DATABASE " + db.name + " FROM tandem_norepl");
  PQclear(PQexec(pg.raw(), "REVOKE ALL ON t FROM tandem_norepl"));
  PQclear(PQexec(db.admin.raw(), "DROP OWNED BY tandem_norepl"));
}

TEST_CASE("a table without a primary key or NOT NULL unique key is refused by name, before anything is created") {
  Databases db("snapnokey");
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE keyless (a integer, b text); INSERT INTO keyless VALUES (1, 'x')");
  auto result = snapshot(db.config("public.keyless", 1000, 1));
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("public.keyless has no primary key") != std::string::npos);
  auto my = db.mysql();
  auto tables = my.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + db.name + "'");
  REQUIRE(tables.has_value());
  CHECK(*tables->rows[0][0] == "0");
}

TEST_CASE("changes made during and after the snapshot reach MySQL through the WAL backfill, exactly once") {
  Databases db("snapwal");
  auto init = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "1", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE docs (k text PRIMARY KEY, n integer NOT NULL, body text, tags text[], at timestamptz)");
  exec_pg(pg,
          "INSERT INTO docs SELECT 'doc' || g, g, repeat('x', 100000), '{a,b}', '2024-01-01 00:00:00+00' FROM "
          "generate_series(1, 20) g");
  exec_pg(pg, "CREATE TABLE scratch (id integer PRIMARY KEY, v text)");
  exec_pg(pg, "INSERT INTO scratch SELECT g, 'v' || g FROM generate_series(1, 50) g");
  const std::string tables =
      "public.pgbench_accounts, public.pgbench_branches, public.pgbench_tellers, public.docs, public.scratch";

  // TPC-B runs through the snapshot: what commits before the slot's consistent point is in the
  // copy, what commits after is in the WAL; nothing may be missing or doubled.
  std::thread load([&] {
    auto r = tandem::it::run_command({pg_tool("pgbench"), "-n", "-c", "2", "-T", "6", db.pg_url()}, 60s);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
  });
  std::this_thread::sleep_for(1500ms);
  auto snap = snapshot(db.config(tables, 20000, 2));
  load.join();
  REQUIRE_MESSAGE(snap.exit_code == 0, snap.out << snap.err);

  // Key change, TOASTed value left unchanged, delete, insert, truncate, NULLs and arrays.
  exec_pg(pg, "UPDATE docs SET k = 'renamed' WHERE k = 'doc1'");
  exec_pg(pg, "UPDATE docs SET n = n + 100 WHERE k = 'doc2'");
  exec_pg(pg, "UPDATE docs SET body = NULL, tags = '{}', at = '2025-05-05 05:05:05.5+05' WHERE k = 'doc3'");
  exec_pg(pg, "DELETE FROM docs WHERE n > 15");
  exec_pg(pg, "INSERT INTO docs VALUES ('new', 99, E'line\\nbreak \\\\ tab\\t', '{\"q\\\"x\",NULL}', NULL)");
  exec_pg(pg, "BEGIN; INSERT INTO docs VALUES ('rolled back', 1, 'x', NULL, NULL); ROLLBACK");
  exec_pg(pg, "TRUNCATE scratch");
  exec_pg(pg, "INSERT INTO scratch VALUES (7, 'after truncate')");

  auto backfill = tandem::it::run_command(
      {TANDEM_BINARY, "backfill", "--config", (db.dir / "tandem.toml").string(), "--until-caught-up"}, 120s);
  REQUIRE_MESSAGE(backfill.exit_code == 0, backfill.out << backfill.err);
  CHECK(backfill.out.find("backfill caught up") != std::string::npos);
  CHECK(backfill.out.find(": 0 transactions") == std::string::npos);
  MESSAGE(backfill.out);
  for (const auto& [table, key] : std::vector<std::pair<std::string, std::string>>{{"pgbench_accounts", "aid"},
                                                                                   {"pgbench_branches", "bid"},
                                                                                   {"pgbench_tellers", "tid"},
                                                                                   {"docs", "k"},
                                                                                   {"scratch", "id"}})
    require_same_rows(db, table, key);

  // The applied position is stored with the data and confirmed to the slot: a second run applies
  // nothing again.
  auto again = tandem::it::run_command(
      {TANDEM_BINARY, "backfill", "--config", (db.dir / "tandem.toml").string(), "--until-caught-up"}, 120s);
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(again.out.find(": 0 transactions") != std::string::npos);
  require_same_rows(db, "docs", "k");
}

TEST_CASE("columns added, dropped and renamed on the source during backfill, and kill -9 during apply, end equal") {
  Databases db("snapddl");
  auto init = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "1", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE evolve (id integer PRIMARY KEY, a text)");
  exec_pg(pg, "INSERT INTO evolve SELECT g, 'a' || g FROM generate_series(1, 100) g");
  auto snap = snapshot(
      db.config("public.pgbench_accounts, public.pgbench_branches, public.pgbench_tellers, public.evolve", 50000, 2));
  REQUIRE_MESSAGE(snap.exit_code == 0, snap.out << snap.err);

  // Schema changes while backfill follows, as in production: each reaches MySQL before the next.
  const std::string config = (db.dir / "tandem.toml").string();
  const pid_t follower = spawn_tandem({"backfill", "--config", config});
  for (const char* step :
       {"UPDATE evolve SET a = 'changed' WHERE id <= 10", "ALTER TABLE evolve ADD COLUMN b integer NOT NULL DEFAULT 7",
        "INSERT INTO evolve (id, a, b) VALUES (101, 'new', 1)", "ALTER TABLE evolve DROP COLUMN a",
        "UPDATE evolve SET b = b + 1 WHERE id % 2 = 0", "ALTER TABLE evolve RENAME COLUMN b TO c",
        "UPDATE evolve SET c = c * 10 WHERE id > 95"}) {
    exec_pg(pg, step);
    std::this_thread::sleep_for(700ms);
  }
  // While it follows, the admin port shows the apply figures (refreshed every second): the four
  // transactions that changed rows (PostgreSQL 15 sends no empty ones for the DDL).
  std::optional<double> applied;
  std::expected<tandem::it::HttpResponse, std::string> metrics;
  for (int i = 0; i < 50 && !(applied && *applied >= 4); ++i) {
    std::this_thread::sleep_for(100ms);
    metrics = tandem::it::http_get(db.admin_port, "/metrics");
    REQUIRE_VALUE(metrics, metrics.error());
    applied = tandem::it::prometheus_sample(metrics->body, "tandem_apply_transactions");
  }
  REQUIRE(applied.has_value());
  CHECK(*applied == 4);
  CHECK(tandem::it::prometheus_sample(metrics->body, "tandem_apply_lag_bytes").has_value());
  auto status = tandem::it::http_get(db.admin_port, "/api/v1/status");
  REQUIRE(status.has_value());
  auto doc = tandem::it::parse_json(status->body);
  REQUIRE(doc.has_value());
  const auto* phase = doc->find("migration.phase");
  REQUIRE(phase != nullptr);
  CHECK(std::get<std::string>(phase->value) == "backfill");
  CHECK(doc->find("migration.apply.applied_lsn") != nullptr);
  ::kill(follower, SIGTERM);
  int follower_status = 0;
  ::waitpid(follower, &follower_status, 0);
  CHECK_MESSAGE((WIFEXITED(follower_status) && WEXITSTATUS(follower_status) == 0),
                "backfill did not stop cleanly on SIGTERM");
  require_same_rows(db, "evolve", "id");
  // A backlog of small transactions to be killed in the middle of.
  auto load = tandem::it::run_command({pg_tool("pgbench"), "-n", "-c", "2", "-T", "5", db.pg_url()}, 60s);
  REQUIRE_MESSAGE(load.exit_code == 0, load.err);

  for (int delay_ms : {300, 700, 1200}) {
    const pid_t child = spawn_tandem({"backfill", "--config", config});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
  }
  auto done = tandem::it::run_command({TANDEM_BINARY, "backfill", "--config", config, "--until-caught-up"}, 120s);
  REQUIRE_MESSAGE(done.exit_code == 0, done.out << done.err);
  MESSAGE(done.out);
  require_same_rows(db, "evolve", "id");
  require_same_rows(db, "pgbench_accounts", "aid");
  require_same_rows(db, "pgbench_branches", "bid");
  require_same_rows(db, "pgbench_tellers", "tid");
}

TEST_CASE("a table in another schema lands in the MySQL database of that name") {
  Databases db("snapschema");
  const std::string schema = "app_" + std::to_string(::getpid());
  auto pg = db.pg();
  exec_pg(pg, "CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".orders (id integer PRIMARY KEY, note text)");
  exec_pg(pg, "INSERT INTO " + schema + ".orders VALUES (1, 'a'), (2, NULL)");
  auto result = snapshot(db.config(schema + ".orders", 1000, 1));
  REQUIRE_MESSAGE(result.exit_code == 0, result.out << result.err);
  auto my = db.mysql();
  auto rows = my.query("SELECT id, note FROM `" + schema + "`.`orders` ORDER BY id");
  (void)my.query("DROP DATABASE IF EXISTS `" + schema + "`");
  REQUIRE_VALUE(rows, rows.error());
  REQUIRE(rows->rows.size() == 2);
  CHECK(rows->rows[0][1] == std::optional<std::string>("a"));
  CHECK_FALSE(rows->rows[1][1].has_value());
}

TEST_CASE("tandem translate --config types expressions with the source's own tables") {
  Databases db("snaptr");
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE orders (id integer PRIMARY KEY, qty integer NOT NULL, price numeric(8,2))");
  const auto config = db.config("public.orders", 1000, 1);
  const std::string cmd = "printf 'SELECT qty / 2, price / 2 FROM orders ORDER BY qty;' | " +
                          std::string(TANDEM_BINARY) + " translate --config " + config.string();
  auto typed = tandem::it::run_command({"/bin/sh", "-c", cmd}, 60s);
  REQUIRE_MESSAGE(typed.exit_code == 0, typed.err);
  CHECK_MESSAGE(typed.out.find("(`qty` DIV 2)") != std::string::npos, typed.out);
  CHECK(typed.out.find("(`price` / 2)") != std::string::npos);
  CHECK(typed.out.find("ORDER BY `qty`\"") != std::string::npos);  // NOT NULL: no NULL-ordering key
  // Without the source's tables the same division cannot be typed and is refused.
  auto untyped = tandem::it::run_command(
      {"/bin/sh", "-c", "printf 'SELECT qty / 2 FROM orders;' | " + std::string(TANDEM_BINARY) + " translate"}, 60s);
  CHECK(untyped.out.find("cannot tell whether '/' divides integers") != std::string::npos);
}

TEST_CASE("a second process joins a running snapshot: chunks are shared by lease, each copied once") {
  Databases db("snapjoin");
  auto init = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "3", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  const auto config = db.config("public.pgbench_accounts", 1000, 1, 0.02);
  const pid_t leader = spawn_tandem({"snapshot", "--config", config.string()});
  auto my = db.mysql();
  bool started = false;
  for (int i = 0; i < 300 && !started; ++i) {
    std::this_thread::sleep_for(20ms);
    auto done = my.query("SELECT COALESCE(SUM(done), 0) FROM tandem_meta.snapshot_chunks");
    started = done.has_value() && !done->rows.empty() && std::stoi(done->rows[0][0].value_or("0")) >= 3;
  }
  REQUIRE_MESSAGE(started, "the leader did not start copying within 6 s");
  auto joiner = snapshot(config, {"--join"});
  int status = 0;
  ::waitpid(leader, &status, 0);
  REQUIRE_MESSAGE(joiner.exit_code == 0, joiner.out << joiner.err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto owners = my.query(
      "SELECT COUNT(DISTINCT copied_by), COUNT(*), SUM(done), SUM(rows_copied) FROM tandem_meta.snapshot_chunks");
  REQUIRE(owners.has_value());
  MESSAGE("chunks copied by " << *owners->rows[0][0] << " workers");
  CHECK(std::stoi(*owners->rows[0][0]) >= 2);
  CHECK(*owners->rows[0][1] == *owners->rows[0][2]);
  CHECK(*owners->rows[0][3] == "300000");
  require_same_rows(db, "pgbench_accounts", "aid");
}

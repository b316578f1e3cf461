// The switch between mirror.mode "wal" and "proxy": live, through POST /api/v1/mirror/mode, with
// pgbench's sessions (their statements prepared before the switch) writing throughout, and at a
// restart, with a journal the proxy mirror could not apply before it stopped. Both sides are
// validated equal row for row, pgbench_history's timestamps included.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

#include "support/http_client.hpp"
#include "support/migration_db.hpp"
#include "support/mirror_support.hpp"
#include "support/tandem_process.hpp"

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
using tandem::it::status_text;
using tandem::it::TandemProcess;
using tandem::it::wait_for;

tandem::it::HttpResponse switch_mode(const TandemProcess& t, const std::string& query) {
  const tandem::it::HttpHeaders auth = {{"Authorization", "Bearer " + t.admin_token()}};
  auto r = tandem::it::http_request(t.admin_port(), "POST", "/api/v1/mirror/mode" + query, auth, {}, 90s);
  REQUIRE_MESSAGE(r.has_value(), r.error());
  return *r;
}

bool running_in(const TandemProcess& t, const std::string& mode) {
  return status_text(t, "migration.mirror.mode") == mode && mirror_state(t) == "running";
}

// A migration of its own (pgbench tables, snapshot taken), and `tandem serve` running the mirror
// in mode "wal".
struct RunningInWal {
  Databases db;
  std::filesystem::path config;
  TandemProcess tandem;
  explicit RunningInWal(const std::string& name)
      : db(name), config(prepared_databases(db)), tandem(mirror_options(db, db.mysql_url(), "wal")) {
    REQUIRE_MESSAGE(wait_for([&] { return running_in(tandem, "wal"); }, 30s), tandem.log_tail(60));
  }
};

// A migration of its own whose MySQL is reached through a forwarder that can cut it, with a
// state directory that outlives one `tandem serve`: for restarts with a journal left behind.
struct BehindForwarder {
  Databases db;
  std::filesystem::path config;
  Forwarder forwarder{mysql_port()};
  tandem::it::TempDir state;
  explicit BehindForwarder(const std::string& name) : db(name), config(prepared_databases(db)) {}
  tandem::it::TandemOptions options(const std::string& mode) const {
    auto o = mirror_options(db, "mysql://root@127.0.0.1:" + std::to_string(forwarder.port()) + "/" + db.name, mode);
    o.state_dir = state.path() / "state";
    o.ready_limit = 60s;  // mode "proxy" serves once the slot is drained
    return o;
  }
};

// A first `tandem serve` in `mode` on b's state directory: once its mirror runs, MySQL is cut off,
// `body` runs, and the process stops (SIGTERM: its journal is synced).
void first_run_with_mysql_cut(BehindForwarder& b, const std::string& mode,
                              const std::function<void(TandemProcess&)>& body) {
  TandemProcess first(b.options(mode));
  INFO("first: " << first.log_tail(60));
  REQUIRE(wait_for([&] { return running_in(first, mode); }, 30s));
  b.forwarder.cut();
  body(first);
  first.send_signal(SIGTERM);
  CHECK(first.wait_exit(30s).exited);
}

// Something was journaled, and everything journaled is applied.
bool journal_applied(const TandemProcess& t) {
  const double last = status_number(t, "migration.mirror.journal.last_seq");
  return last >= 1 && status_number(t, "migration.mirror.journal.applied_seq") == last;
}

// pgbench_branches.filler of branch 1, on MySQL.
std::string branch_filler(const Databases& db) {
  auto my = db.mysql(db.name);
  auto r = my.query("SELECT filler FROM pgbench_branches WHERE bid = 1");
  REQUIRE(r.has_value());
  REQUIRE(!r->rows.empty());
  return r->rows[0][0].value_or("");
}

// pgbench through the proxy while the mirror switches wal -> proxy -> wal, then validated.
// `tls`: PostgreSQL reached over TLS, so that sessions stay on the coroutine relay.
void switch_under_load(bool tls) {
  Databases db(tls ? "mir_switch_tls" : "mir_switch");
  const auto config = prepared_databases(db);
  auto options = mirror_options(db, db.mysql_url(), "wal");
  if (tls) {
    const std::string plain = "sslmode=disable";
    options.source_url.replace(options.source_url.find(plain), plain.size(), "sslmode=require");
  }
  TandemProcess tandem(options);
  INFO("tandem log: " << tandem.log_tail(60));
  REQUIRE(wait_for([&] { return running_in(tandem, "wal"); }, 30s));

  // Prepared statements: every session prepares its statements before the switch, so the proxy
  // mirror must learn them (and prepare its rewritten writes again) to capture their row images.
  tandem::it::CommandResult prepared, simple;
  std::thread writer([&] { prepared = pgbench_through(tandem, db, "prepared", 30); });
  std::thread writer2([&] { simple = pgbench_through(tandem, db, "simple", 30); });
  std::this_thread::sleep_for(5s);

  auto to_proxy = switch_mode(tandem, "?to=proxy&hold_seconds=10");
  CHECK_MESSAGE(to_proxy.status == 200, to_proxy.body);
  MESSAGE("to proxy: " << to_proxy.body);
  CHECK(to_proxy.body.find("\"mode\":\"proxy\"") != std::string::npos);
  CHECK(wait_for([&] { return running_in(tandem, "proxy"); }, 30s));
  // The sessions that were open all along now journal their writes.
  CHECK(wait_for([&] { return status_number(tandem, "migration.mirror.journal.last_seq") > 100; }, 20s));
  std::this_thread::sleep_for(4s);

  auto to_wal = switch_mode(tandem, "?to=wal&hold_seconds=10");
  CHECK_MESSAGE(to_wal.status == 200, to_wal.body);
  MESSAGE("to wal: " << to_wal.body);
  CHECK(wait_for([&] { return running_in(tandem, "wal"); }, 60s));

  // And once more both ways: the sessions' filters, kept in "wal", journal again.
  std::this_thread::sleep_for(2s);
  const double before = status_number(tandem, "migration.mirror.journal.last_seq");
  auto again = switch_mode(tandem, "?to=proxy&hold_seconds=10");
  CHECK_MESSAGE(again.status == 200, again.body);
  CHECK(wait_for([&] { return running_in(tandem, "proxy"); }, 30s));
  CHECK(wait_for([&] { return status_number(tandem, "migration.mirror.journal.last_seq") > before + 100; }, 20s));
  auto back = switch_mode(tandem, "?to=wal&hold_seconds=10");
  CHECK_MESSAGE(back.status == 200, back.body);
  CHECK(wait_for([&] { return running_in(tandem, "wal"); }, 60s));
  const double journaled = status_number(tandem, "migration.mirror.journal.last_seq");
  writer.join();
  writer2.join();
  REQUIRE_MESSAGE(prepared.exit_code == 0, prepared.err);
  REQUIRE_MESSAGE(simple.exit_code == 0, simple.err);
  CHECK(prepared.out.find("number of failed transactions: 0") != std::string::npos);
  CHECK(simple.out.find("number of failed transactions: 0") != std::string::npos);
  // Back in "wal", nothing more is journaled.
  CHECK(status_number(tandem, "migration.mirror.journal.last_seq") == journaled);
  // Nothing was refused or diverged on the way.
  CHECK(!tandem.metric("tandem_mirror_refused_statements").has_value());
  CHECK(!tandem.metric("tandem_mirror_diverged_statements").has_value());
  require_validated_equal(config);
}

}  // namespace

TEST_CASE("mirror switch wal -> proxy -> wal under pgbench (prepared and simple): nothing lost or applied twice") {
  switch_under_load(false);
}

TEST_CASE("mirror switch with the source over TLS (sessions on the coroutine relay)") { switch_under_load(true); }

TEST_CASE("mirror switch: a transaction left open keeps the mirror as it was; bad requests say why") {
  RunningInWal w("mir_switch_open");
  auto& db = w.db;
  auto& tandem = w.tandem;
  const auto& config = w.config;
  INFO("tandem log: " << tandem.log_tail(60));

  auto unauthorized = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/mode?to=proxy");
  REQUIRE(unauthorized.has_value());
  CHECK(unauthorized->status == 401);
  auto same = switch_mode(tandem, "?to=wal");
  CHECK(same.status == 409);
  CHECK(same.body.find("already runs in mode wal") != std::string::npos);
  auto bogus = switch_mode(tandem, "?to=mysql");
  CHECK(bogus.status == 400);
  auto missing = switch_mode(tandem, "");
  CHECK(missing.status == 400);
  auto bad_hold = switch_mode(tandem, "?to=proxy&hold_seconds=soon");
  CHECK(bad_hold.status == 400);

  auto open = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(open, "BEGIN");
  exec_pg(open, "UPDATE pgbench_branches SET filler = 'open' WHERE bid = 1");
  // Another session, idle, is held during the attempt and goes on after it.
  auto idle = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  // The switch waits on a thread of its own: the admin port answers meanwhile.
  std::atomic<bool> attempt_done{false};
  std::expected<tandem::it::HttpResponse, std::string> attempt_answer;
  std::thread attempt([&] {
    const tandem::it::HttpHeaders token = {{"Authorization", "Bearer " + tandem.admin_token()}};
    attempt_answer = tandem::it::http_request(tandem.admin_port(), "POST",
                                              "/api/v1/mirror/mode?to=proxy&hold_seconds=3", token, {}, 90s);
    attempt_done = true;
  });
  std::this_thread::sleep_for(500ms);
  auto meanwhile = tandem::it::http_get(tandem.admin_port(), "/api/v1/status");
  CHECK(meanwhile.has_value());
  // Answered while the switch still waits (it waits 3 s): not just after it.
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(attempt_done.load());
  attempt.join();
  REQUIRE_MESSAGE(attempt_answer.has_value(), attempt_answer.error());
  const auto& refused = *attempt_answer;
  CHECK(refused.status == 409);
  CHECK(refused.body.find("1 session(s) did not reach a transaction boundary within 3") != std::string::npos);
  CHECK(refused.body.find("stays in mode wal") != std::string::npos);
  CHECK(tandem.metric("tandem_mirror_switches", {{"to", "proxy"}, {"result", "refused"}}).value_or(0) == 1);
  CHECK(status_text(tandem, "migration.mirror.last_switch.detail").find("did not reach") != std::string::npos);
  exec_pg(idle, "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 2");
  exec_pg(open, "COMMIT");
  CHECK(wait_for([&] { return running_in(tandem, "wal"); }, 30s));

  // With the transaction over, the switch goes through.
  exec_pg(open, "BEGIN");
  exec_pg(open, "UPDATE pgbench_branches SET filler = 'after' WHERE bid = 1");
  std::thread committer([&] {
    std::this_thread::sleep_for(500ms);
    exec_pg(open, "COMMIT");
  });
  auto waited = switch_mode(tandem, "?to=proxy&hold_seconds=10");
  committer.join();
  CHECK_MESSAGE(waited.status == 200, waited.body);
  CHECK(waited.body.find("restart starts in the config's mirror.mode") != std::string::npos);
  CHECK(tandem.metric("tandem_mirror_switches", {{"to", "proxy"}, {"result", "switched"}}).value_or(0) == 1);
  CHECK(status_number(tandem, "migration.mirror.last_switch.held_seconds") > 0);
  CHECK(tandem.metric("tandem_mirror_switch_hold_seconds").value_or(0) > 0);
  CHECK(wait_for([&] { return running_in(tandem, "proxy"); }, 30s));
  exec_pg(idle, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 5, now())");
  require_validated_equal(config);
}

TEST_CASE("restarted in mode wal after the proxy mirror stopped with its journal not applied: nothing is lost") {
  BehindForwarder b("mir_switch_restart");
  auto& db = b.db;
  auto& forwarder = b.forwarder;
  first_run_with_mysql_cut(b, "proxy", [&](TandemProcess& first) {
    auto pg = db.pg();
    const auto cut_at = pg.query_value("SELECT pg_current_wal_lsn()::text");
    auto load = pgbench_through(first, db, "prepared", 25);
    REQUIRE_MESSAGE(load.exit_code == 0, load.err);
    CHECK(status_number(first, "migration.mirror.lag_transactions") > 0);
    // The safety-net slot moves behind the journal (every 10 s, to where PostgreSQL was 10 s
    // before): what the journal holds from just after the cut is then in the journal alone.
    REQUIRE(wait_for(
        [&] {
          return pg.query_value("SELECT confirmed_flush_lsn > '" + cut_at +
                                "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + db.name + "'") == "t";
        },
        40s));
  });
  forwarder.restore();
  TandemProcess second(b.options("wal"));
  INFO("tandem log: " << second.log_tail(60));
  REQUIRE(wait_for([&] { return running_in(second, "wal"); }, 60s));
  auto more = pgbench_through(second, db, "simple", 3);
  REQUIRE_MESSAGE(more.exit_code == 0, more.err);
  require_validated_equal(b.config);
}

TEST_CASE("mirror switch to proxy: what the slot holds from before the switch is applied before the journal") {
  // Paused, the WAL mirror leaves a change in the slot; after the switch the same row changes
  // again through the journal. The slot's older change must not land last.
  RunningInWal w("mir_switch_order");
  auto& db = w.db;
  auto& tandem = w.tandem;
  const auto& config = w.config;
  INFO("tandem log: " << tandem.log_tail(60));
  const tandem::it::HttpHeaders auth = {{"Authorization", "Bearer " + tandem.admin_token()}};
  auto paused = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/pause", auth);
  REQUIRE(paused.has_value());
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "paused"; }, 20s));

  auto client = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(client, "UPDATE pgbench_branches SET filler = 'from the slot' WHERE bid = 1");
  auto to_proxy = switch_mode(tandem, "?to=proxy");
  REQUIRE_MESSAGE(to_proxy.status == 200, to_proxy.body);
  exec_pg(client, "UPDATE pgbench_branches SET filler = 'from the journal' WHERE bid = 1");
  REQUIRE(wait_for([&] { return status_number(tandem, "migration.mirror.journal.last_seq") >= 1; }, 10s));

  auto resumed = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/resume", auth);
  REQUIRE(resumed.has_value());
  REQUIRE(wait_for([&] { return running_in(tandem, "proxy"); }, 30s));
  REQUIRE(wait_for([&] { return journal_applied(tandem); }, 30s));
  CHECK(branch_filler(db).starts_with("from the journal"));
  require_validated_equal(config);
}

namespace {

// COPY ... FROM STDIN with the extended protocol, as PQexecParams sends it: Parse, Bind,
// Describe, Execute, Sync, then the data, CopyDone and another Sync. PostgreSQL ignores the
// first Sync (it arrives in copy-in mode) and answers one ReadyForQuery.
void extended_copy(tandem::it::PgConnection& c, const std::string& rows) {
  tandem::it::PgResult started(PQexecParams(c.raw(), "COPY pgbench_tellers (tid, bid, tbalance, filler) FROM STDIN", 0,
                                            nullptr, nullptr, nullptr, nullptr, 0));
  REQUIRE_MESSAGE(started.status() == PGRES_COPY_IN, PQerrorMessage(c.raw()));
  REQUIRE(PQputCopyData(c.raw(), rows.data(), static_cast<int>(rows.size())) == 1);
  REQUIRE(PQputCopyEnd(c.raw(), nullptr) == 1);
  tandem::it::PgResult done(PQgetResult(c.raw()));
  REQUIRE_MESSAGE(done.status() == PGRES_COMMAND_OK, PQerrorMessage(c.raw()));
  while (PGresult* more = PQgetResult(c.raw())) PQclear(more);
}

}  // namespace

TEST_CASE("mirror switch after a COPY sent with the extended protocol: the session is at rest, the journal flows") {
  RunningInWal w("mir_switch_copy");
  auto& db = w.db;
  auto& tandem = w.tandem;
  const auto& config = w.config;
  INFO("tandem log: " << tandem.log_tail(60));
  auto copier = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  extended_copy(copier, "1001\t1\t0\t\\N\n1002\t1\t5\t\\N\n");

  // The copier is idle: the switch does not wait for it.
  auto to_proxy = switch_mode(tandem, "?to=proxy&hold_seconds=3");
  REQUIRE_MESSAGE(to_proxy.status == 200, to_proxy.body);
  REQUIRE(wait_for([&] { return running_in(tandem, "proxy"); }, 30s));

  // In "proxy", the same kind of COPY must not hold back the journaling of later commits.
  extended_copy(copier, "1003\t1\t7\t\\N\n");
  // The session goes on; its next writes are captured as themselves.
  copier.exec_params("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = 1003", {"4"});
  exec_pg(copier, "UPDATE pgbench_tellers SET filler = 'simple' WHERE tid = 1002");
  auto other = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(other, "UPDATE pgbench_branches SET filler = 'after the copy' WHERE bid = 1");
  CHECK(wait_for([&] { return status_number(tandem, "migration.mirror.journal.last_seq") >= 2; }, 10s));
  CHECK(wait_for([&] { return journal_applied(tandem); }, 20s));
  auto back = switch_mode(tandem, "?to=wal&hold_seconds=3");
  CHECK_MESSAGE(back.status == 200, back.body);
  CHECK(wait_for([&] { return running_in(tandem, "wal"); }, 30s));
  require_validated_equal(config);
}

TEST_CASE("mirror switch: statements prepared in a pipeline before the switch are known as PostgreSQL took them") {
  // P("", read) Sync P("", write) Sync in one pipeline: the first ReadyForQuery must not make the
  // proxy forget the second Parse, which is what the unnamed statement is after it.
  RunningInWal w("mir_switch_pipe");
  auto& db = w.db;
  auto& tandem = w.tandem;
  const auto& config = w.config;
  INFO("tandem log: " << tandem.log_tail(60));
  auto c = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  REQUIRE(PQenterPipelineMode(c.raw()) == 1);
  REQUIRE(PQsendPrepare(c.raw(), "", "SELECT 1", 0, nullptr) == 1);
  REQUIRE(PQpipelineSync(c.raw()) == 1);
  REQUIRE(PQsendPrepare(c.raw(), "", "UPDATE pgbench_branches SET filler = $1 WHERE bid = 1", 1, nullptr) == 1);
  REQUIRE(PQpipelineSync(c.raw()) == 1);
  int syncs = 0;
  while (syncs < 2) {
    PGresult* r = PQgetResult(c.raw());
    if (!r) continue;  // the end of one query's results
    const auto status = PQresultStatus(r);
    PQclear(r);
    if (status == PGRES_PIPELINE_SYNC)
      ++syncs;
    else
      REQUIRE(status == PGRES_COMMAND_OK);
  }
  REQUIRE(PQexitPipelineMode(c.raw()) == 1);

  auto to_proxy = switch_mode(tandem, "?to=proxy");
  REQUIRE_MESSAGE(to_proxy.status == 200, to_proxy.body);
  const char* value = "from the pipeline";
  tandem::it::PgResult updated(PQexecPrepared(c.raw(), "", 1, &value, nullptr, nullptr, 0));
  REQUIRE_MESSAGE(updated.status() == PGRES_COMMAND_OK, PQerrorMessage(c.raw()));
  CHECK(!tandem.metric("tandem_mirror_refused_statements").has_value());
  REQUIRE(wait_for([&] { return journal_applied(tandem); }, 30s));
  CHECK(branch_filler(db).starts_with("from the pipeline"));
  require_validated_equal(config);
}

TEST_CASE("restarted in mode wal with DDL in the journal left: writes made since the restart are not skipped") {
  // Applying the journal's DDL moves the slot ahead (older shapes must not be replayed); writes
  // made through the restarted proxy, which only the slot has, must stay ahead of that point.
  BehindForwarder b("mir_switch_ddl");
  auto& db = b.db;
  auto& forwarder = b.forwarder;
  first_run_with_mysql_cut(b, "proxy", [&](TandemProcess& first) {
    auto c = tandem::it::PgConnection::connect_or_throw(first.conninfo("postgres", db.name));
    exec_pg(c, "UPDATE pgbench_branches SET filler = 'before the DDL' WHERE bid = 1");
    exec_pg(c, "ALTER TABLE pgbench_tellers ADD COLUMN note text");
    exec_pg(c, "UPDATE pgbench_tellers SET note = 'journaled' WHERE tid = 1");
    REQUIRE(wait_for([&] { return status_number(first, "migration.mirror.journal.last_seq") >= 3; }, 10s));
  });
  TandemProcess second(b.options("wal"));
  INFO("tandem log: " << second.log_tail(60));
  // MySQL still away: the journal waits, and this write is only in the slot.
  auto c = tandem::it::PgConnection::connect_or_throw(second.conninfo("postgres", db.name));
  exec_pg(c, "UPDATE pgbench_branches SET filler = 'after the restart' WHERE bid = 1");
  forwarder.restore();
  REQUIRE(wait_for([&] { return running_in(second, "wal"); }, 60s));
  require_validated_equal(b.config);
  CHECK(branch_filler(db).starts_with("after the restart"));
}

namespace {

bool record_kept(const BehindForwarder& b) {
  return std::filesystem::exists(b.state.path() / "state" / "mirror_switch");
}

std::string teller_note(const Databases& db) {
  auto my = db.mysql(db.name);
  auto r = my.query("SELECT note FROM pgbench_tellers WHERE tid = 1");
  if (!r || r->rows.empty()) return "";
  return r->rows[0][0].value_or("");
}

// A switch from `from` not finished when the process stops: MySQL is away from the start,
// `before` runs (a client connected through the proxy), and the state directory keeps the switch
// record. Then MySQL is back and a second process starts in `restart_mode`; once it runs, `after`
// checks MySQL, the record must be gone, and both sides validate equal. (SIGTERM rather than -9
// so that the journal's records are surely synced: the restart sees the same state files.)
void restart_mid_switch(const std::string& name, const std::string& from, const std::string& restart_mode,
                        const std::function<void(TandemProcess&, tandem::it::PgConnection&)>& before,
                        const std::function<void(const Databases&)>& after,
                        const std::function<void(const Databases&)>& between = nullptr) {
  BehindForwarder b(name + "_" + restart_mode);
  first_run_with_mysql_cut(b, from, [&](TandemProcess& first) {
    auto c = tandem::it::PgConnection::connect_or_throw(first.conninfo("postgres", b.db.name));
    before(first, c);
    CHECK(record_kept(b));
    // No switch back until this one is finished.
    auto again = switch_mode(first, "?to=" + from);
    CHECK_MESSAGE(again.status == 409, again.body);
  });
  CHECK(record_kept(b));
  if (between) between(b.db);
  b.forwarder.restore();
  TandemProcess second(b.options(restart_mode));
  INFO("second: " << second.log_tail(60));
  REQUIRE(wait_for([&] { return running_in(second, restart_mode); }, 60s));
  after(b.db);
  CHECK(wait_for([&] { return !record_kept(b); }, 30s));
  require_validated_equal(b.config);
}

// To "wal", with the journal not applied and DDL in it, then a write only the slot has. The
// restart must not let the journal's DDL move the slot past the switch point, ahead of that write.
void restart_mid_switch_to_wal(const std::string& restart_mode) {
  restart_mid_switch(
      "mir_mid_wal", "proxy", restart_mode,
      [](TandemProcess& first, tandem::it::PgConnection& c) {
        exec_pg(c, "UPDATE pgbench_branches SET filler = 'journaled' WHERE bid = 1");
        exec_pg(c, "ALTER TABLE pgbench_tellers ADD COLUMN note text");
        exec_pg(c, "UPDATE pgbench_tellers SET note = 'journaled' WHERE tid = 1");
        REQUIRE(wait_for([&] { return status_number(first, "migration.mirror.journal.last_seq") >= 3; }, 10s));
        auto to_wal = switch_mode(first, "?to=wal");
        REQUIRE_MESSAGE(to_wal.status == 200, to_wal.body);
        exec_pg(c, "UPDATE pgbench_branches SET filler = 'after the switch' WHERE bid = 1");
      },
      [](const Databases& db) {
        CHECK(wait_for([&] { return branch_filler(db).starts_with("after the switch"); }, 30s));
        CHECK(teller_note(db) == "journaled");
      });
}

// To "proxy", with a write that only the slot has from before the switch, then DDL and a write
// journaled after it. The restart must drain the slot up to the switch point before it applies
// the journal's DDL (which moves the slot ahead).
void restart_mid_switch_to_proxy(const std::string& restart_mode) {
  restart_mid_switch(
      "mir_mid_proxy", "wal", restart_mode,
      [](TandemProcess& first, tandem::it::PgConnection& c) {
        exec_pg(c, "UPDATE pgbench_branches SET filler = 'from the slot' WHERE bid = 1");
        auto to_proxy = switch_mode(first, "?to=proxy");
        REQUIRE_MESSAGE(to_proxy.status == 200, to_proxy.body);
        exec_pg(c, "ALTER TABLE pgbench_tellers ADD COLUMN note text");
        exec_pg(c, "UPDATE pgbench_tellers SET note = 'journaled' WHERE tid = 1");
        REQUIRE(wait_for([&] { return status_number(first, "migration.mirror.journal.last_seq") >= 2; }, 10s));
      },
      [](const Databases& db) {
        CHECK(wait_for([&] { return teller_note(db) == "journaled"; }, 30s));
        CHECK(branch_filler(db).starts_with("from the slot"));
      });
}

}  // namespace

TEST_CASE("restarted mid-switch to wal (journal with DDL not applied), in mode wal: the slot keeps what came after") {
  restart_mid_switch_to_wal("wal");
}

TEST_CASE("restarted mid-switch to wal (journal with DDL not applied), in mode proxy: the slot keeps what came after") {
  restart_mid_switch_to_wal("proxy");
}

TEST_CASE(
    "restarted mid-switch to proxy (slot not drained, DDL journaled), in mode wal: the slot's older change first") {
  restart_mid_switch_to_proxy("wal");
}

TEST_CASE(
    "restarted mid-switch to proxy (slot not drained, DDL journaled), in mode proxy: the slot's older change first") {
  restart_mid_switch_to_proxy("proxy");
}

TEST_CASE("restarted mid-switch to proxy with MySQL's applied position past the marker: the drain still ends") {
  // MySQL stored a position past the marker, which PostgreSQL never confirmed (the process died
  // first): the stream then starts past the marker and never shows it.
  restart_mid_switch(
      "mir_mid_past", "wal", "proxy",
      [](TandemProcess& first, tandem::it::PgConnection& c) {
        auto to_proxy = switch_mode(first, "?to=proxy");
        REQUIRE_MESSAGE(to_proxy.status == 200, to_proxy.body);
        exec_pg(c, "UPDATE pgbench_branches SET filler = 'journaled past the marker' WHERE bid = 1");
        REQUIRE(wait_for([&] { return status_number(first, "migration.mirror.journal.last_seq") >= 1; }, 10s));
      },
      [](const Databases& db) {
        CHECK(wait_for([&] { return branch_filler(db).starts_with("journaled past the marker"); }, 30s));
      },
      [](const Databases& db) {
        auto pg = db.pg();
        const auto now = pg.query_value("SELECT pg_current_wal_lsn()::text");
        auto my = db.mysql(db.name);
        // As the applier makes it, should the first process not have reached MySQL before the cut.
        for (const char* ddl :
             {"CREATE DATABASE IF NOT EXISTS tandem_meta",
              "CREATE TABLE IF NOT EXISTS tandem_meta.apply_state (name VARCHAR(64) PRIMARY KEY, position VARCHAR(32) "
              "NOT NULL, transactions BIGINT NOT NULL DEFAULT 0, applied_at DATETIME(6)) ENGINE=InnoDB"}) {
          auto made = my.query(ddl);
          REQUIRE_MESSAGE(made.has_value(), made.error());
        }
        auto r =
            my.query("INSERT INTO tandem_meta.apply_state (name, position, transactions, applied_at) VALUES ('wal', '" +
                     now + "', 0, NOW(6)) ON DUPLICATE KEY UPDATE position = VALUES(position)");
        REQUIRE_MESSAGE(r.has_value(), r.error());
      });
}

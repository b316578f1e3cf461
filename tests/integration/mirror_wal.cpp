// `tandem serve` with mirror.mode = "wal": pgbench TPC-B through the proxy reaches MySQL exactly
// (validated row for row, history timestamps included), through a pause, a MariaDB outage and a
// kill -9 of the proxy.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
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
using tandem::it::pg_tool;
using tandem::it::pgbench_through;
using tandem::it::prepared_databases;
using tandem::it::require_validated_equal;
using tandem::it::snapshot;
using tandem::it::status_number;
using tandem::it::TandemOptions;
using tandem::it::TandemProcess;
using tandem::it::wait_for;

}  // namespace

TEST_CASE("mirror.mode = wal: TPC-B through the proxy (simple, extended, prepared) reaches MySQL exactly") {
  Databases db("mir_wal");
  const auto config = prepared_databases(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url()));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 20s));
  for (const char* mode : {"simple", "extended", "prepared"}) {
    auto run = pgbench_through(tandem, db, mode, tandem::it::kTpcbSecondsPerProtocol);
    INFO(mode);
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    CHECK(run.out.find("number of failed transactions: 0") != std::string::npos);
  }
  // An aborted transaction, a rolled-back savepoint and a failed statement leave no trace.
  auto client = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(client, "BEGIN; UPDATE pgbench_branches SET filler = 'aborted' WHERE bid = 1; ROLLBACK");
  exec_pg(client,
          "BEGIN; UPDATE pgbench_branches SET filler = 'kept' WHERE bid = 1; SAVEPOINT s; "
          "UPDATE pgbench_tellers SET filler = 'rolled back' WHERE tid = 1; ROLLBACK TO SAVEPOINT s; COMMIT");
  tandem::it::PgResult failed(PQexec(client.raw(), "INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)"));
  CHECK_FALSE(failed.ok());
  require_validated_equal(config);
  auto my = db.mysql(db.name);
  auto branch = my.query("SELECT filler FROM pgbench_branches WHERE bid = 1");
  auto teller = my.query("SELECT COALESCE(filler, '') FROM pgbench_tellers WHERE tid = 1");
  REQUIRE(branch.has_value());
  REQUIRE(teller.has_value());
  CHECK(branch->rows.at(0).at(0).value_or("").starts_with("kept"));
  CHECK_FALSE(teller->rows.at(0).at(0).value_or("").starts_with("rolled back"));
  CHECK(tandem.metric("tandem_mirror_state", {{"mode", "wal"}, {"state", "running"}}) == 1.0);
  CHECK(tandem.metric("tandem_apply_transactions").value_or(0) > 100);
}

TEST_CASE("mirror pause and resume: changes wait in the slot, then arrive; the operator needs the token") {
  Databases db("mir_pause");
  prepared_databases(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url()));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 20s));
  auto refused = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/pause");
  REQUIRE(refused.has_value());
  CHECK(refused->status == 401);
  const tandem::it::HttpHeaders auth = {{"Authorization", "Bearer " + tandem.admin_token()}};
  auto paused = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/pause", auth);
  REQUIRE(paused.has_value());
  CHECK(paused->status == 200);
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "paused"; }, 20s));

  auto client = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  exec_pg(client, "UPDATE pgbench_branches SET filler = 'while paused' WHERE bid = 1");
  auto my = db.mysql(db.name);
  auto filler = [&] {
    auto r = my.query("SELECT filler FROM pgbench_branches WHERE bid = 1");
    return r.has_value() && !r->rows.empty() && r->rows[0][0] ? *r->rows[0][0] : std::string();
  };
  std::this_thread::sleep_for(1500ms);
  CHECK(filler().find("while paused") == std::string::npos);

  auto resumed = tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/resume", auth);
  REQUIRE(resumed.has_value());
  CHECK(resumed->status == 200);
  CHECK(wait_for([&] { return filler().find("while paused") == 0; }, 20s));
}

TEST_CASE("mirror.mode = wal: the lag in transactions grows while paused and falls once they are applied") {
  Databases db("mir_lag_tx");
  prepared_databases(db);
  TandemProcess tandem(mirror_options(db, db.mysql_url()));
  INFO("tandem log: " << tandem.log_tail(60));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 20s));
  auto lag = [&] { return status_number(tandem, "migration.mirror.lag_transactions"); };
  // Known once the follower has passed a position PostgreSQL had.
  REQUIRE(wait_for([&] { return lag() >= 0; }, 20s));
  const tandem::it::HttpHeaders auth = {{"Authorization", "Bearer " + tandem.admin_token()}};
  REQUIRE(tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/pause", auth).has_value());
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "paused"; }, 20s));

  auto client = tandem::it::PgConnection::connect_or_throw(tandem.conninfo("postgres", db.name));
  constexpr int kWrites = 30;
  for (int i = 0; i < kWrites; ++i)
    exec_pg(client, "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = " + std::to_string(i % 10 + 1));
  // At least these: other databases' writes on the same server count too (an upper estimate).
  CHECK(wait_for([&] { return lag() >= kWrites; }, 10s));
  CHECK(tandem.metric("tandem_mirror_lag_transactions").value_or(0) >= kWrites);

  REQUIRE(tandem::it::http_post(tandem.admin_port(), "/api/v1/mirror/resume", auth).has_value());
  CHECK(wait_for([&] { return lag() >= 0 && lag() < kWrites; }, 30s));
}

TEST_CASE("MariaDB unreachable for 20 s mid-run: clients are unaffected, the mirror retries and catches up") {
  Databases db("mir_down");
  const auto config = prepared_databases(db);
  Forwarder forwarder(mysql_port());
  const std::string via_forwarder = "mysql://root@127.0.0.1:" + std::to_string(forwarder.port()) + "/" + db.name;
  TandemProcess tandem(mirror_options(db, via_forwarder));
  REQUIRE(wait_for([&] { return mirror_state(tandem) == "running"; }, 20s));

  tandem::it::CommandResult load;
  std::thread writer([&] { load = pgbench_through(tandem, db, "prepared", 30); });
  std::this_thread::sleep_for(4s);
  forwarder.cut();
  CHECK(wait_for([&] { return mirror_state(tandem) == "retrying"; }, 15s));
  std::this_thread::sleep_for(16s);
  // The lag keeps growing while MySQL is away: the follower stopped about 16 s ago, with the
  // clients' WAL written since.
  CHECK(tandem.metric("tandem_apply_lag_seconds").value_or(0) >= 12);
  CHECK(tandem.metric("tandem_apply_lag_bytes").value_or(0) > 100'000);
  forwarder.restore();
  writer.join();
  // The clients never noticed.
  REQUIRE_MESSAGE(load.exit_code == 0, load.err);
  CHECK(load.out.find("number of failed transactions: 0") != std::string::npos);
  CHECK(wait_for([&] { return mirror_state(tandem) == "running"; }, 60s));
  CHECK(tandem.metric("tandem_mirror_errors").value_or(0) >= 1);
  INFO("tandem log: " << tandem.log_tail(60));
  require_validated_equal(config);
  // Caught up, the lag is PostgreSQL's replay lag again.
  CHECK(wait_for([&] { return tandem.metric("tandem_apply_lag_seconds").value_or(99) < 5; }, 30s));
}

TEST_CASE("tandem serve killed with -9 mid-run: restarted, the mirror resumes with nothing lost or applied twice") {
  Databases db("mir_kill");
  const auto config = prepared_databases(db);
  {
    TandemProcess first(mirror_options(db, db.mysql_url()));
    REQUIRE(wait_for([&] { return mirror_state(first) == "running"; }, 20s));
    std::thread writer([&] { (void)pgbench_through(first, db, "extended", 8); });
    std::this_thread::sleep_for(4s);
    first.send_signal(SIGKILL);
    (void)first.wait_exit(10s);
    writer.join();  // its clients lost the proxy; transactions they had committed are on PostgreSQL
  }
  TandemProcess second(mirror_options(db, db.mysql_url()));
  REQUIRE(wait_for([&] { return mirror_state(second) == "running"; }, 20s));
  auto more = pgbench_through(second, db, "simple", 3);
  REQUIRE_MESSAGE(more.exit_code == 0, more.err);
  require_validated_equal(config);
}

TEST_CASE("mirror.mode = wal and proxy need a target") {
  tandem::it::TempDir dir;
  const auto path = dir.path() / "t.toml";
  for (const char* mode : {"wal", "proxy"}) {
    {
      std::ofstream out(path);
      out << "[source]\nurl = \"postgresql://postgres@127.0.0.1:1/x\"\n[mirror]\nmode = \"" << mode
          << "\"\n[admin]\nlisten = \"127.0.0.1:" << tandem::it::free_port()
          << "\"\n[proxy]\nlisten = \"127.0.0.1:" << tandem::it::free_port() << "\"\n";
    }
    auto w = tandem::it::run_command({TANDEM_BINARY, "serve", "--config", path.string()}, 30s);
    INFO(mode);
    CHECK(w.exit_code != 0);
    CHECK_MESSAGE(w.err.find("mirror.mode = \"" + std::string(mode) + "\" needs target.url") != std::string::npos,
                  w.err);
  }
}

TEST_CASE("with the mirror off, pause and resume answer 409 and say why") {
  TandemProcess tandem;
  const tandem::it::HttpHeaders auth = {{"Authorization", "Bearer " + tandem.admin_token()}};
  for (const char* path : {"/api/v1/mirror/pause", "/api/v1/mirror/resume"}) {
    auto r = tandem::it::http_post(tandem.admin_port(), path, auth);
    REQUIRE(r.has_value());
    CHECK(r->status == 409);
    CHECK(r->body.find("mirror.mode is off") != std::string::npos);
  }
  auto get = tandem::it::http_get(tandem.admin_port(), "/api/v1/mirror/pause");
  REQUIRE(get.has_value());
  CHECK(get->status == 405);
}

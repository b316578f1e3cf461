// `tandem validate` against real servers: identical data of every supported type compares equal
// chunk by chunk; every kind of injected difference is found with its key and class, in full mode
// always and in sample mode exactly when its chunk is drawn; repair leaves both sides equal; a
// validation while pgbench writes and the WAL applier follows reports no false difference.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/migration_db.hpp"
#include "tests/common/expected_checks.hpp"

namespace {

using namespace std::chrono_literals;
using tandem::it::Databases;
using tandem::it::exec_pg;
using tandem::it::kTypedTable;
using tandem::it::pg_tool;
using tandem::it::snapshot;
using tandem::it::spawn_tandem;

struct Validation {
  tandem::it::CommandResult run;
  boost::json::object report;
};

Validation validate(const Databases& db, const std::filesystem::path& config, const std::vector<std::string>& extra) {
  const auto report_path = db.dir / "report.json";
  std::filesystem::remove(report_path);
  std::vector<std::string> argv = {TANDEM_BINARY,   "validate", "--config",
                                   config.string(), "--report", report_path.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Validation v{tandem::it::run_command(argv, 300s), {}};
  std::ifstream in(report_path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    v.report = boost::json::parse(text.str()).as_object();
  }
  return v;
}

const boost::json::object& table_report(const Validation& v, const std::string& table) {
  for (const auto& t : v.report.at("tables").as_array())
    if (t.as_object().at("table").as_string() == table) return t.as_object();
  FAIL("no report for " << table);
  static boost::json::object none;
  return none;
}

// "class id=N [columns]" for every key listed in the report of `table`.
std::set<std::string> found(const Validation& v, const std::string& table, const std::string& key_column) {
  std::set<std::string> out;
  for (const auto& k : table_report(v, table).at("keys").as_array()) {
    const auto& o = k.as_object();
    std::string s = std::string(o.at("class").as_string()) + " " + std::string(o.at("key").at(key_column).as_string());
    if (o.contains("columns"))
      for (const auto& c : o.at("columns").as_array()) s += " " + std::string(c.as_string());
    out.insert(s);
  }
  return out;
}

std::uint64_t number(const boost::json::value& v) { return static_cast<std::uint64_t>(v.to_number<double>()); }

void exec_my(tandem::it::MysqlConnection& my, const std::string& sql) {
  auto r = my.query(sql);
  REQUIRE_VALUE(r, sql << ": " << r.error());
}

// Extremes beyond the typed table: floats across the whole double range, text keys that differ
// only in case, trailing blanks and code points beyond the BMP, and a composite key.
const char* kMoreTypes = R"SQL(
CREATE TABLE floats (id serial PRIMARY KEY, d double precision, r real);
INSERT INTO floats (d, r)
  SELECT (random() - 0.5) * 10 ^ (random() * 600 - 300), (random() - 0.5) * 10 ^ (random() * 70 - 35)
  FROM generate_series(1, 3000);
INSERT INTO floats (d, r) VALUES (1e15, 1e15), (1e-5, 1e-5), (0.0001, 0.0001), (123456789012345.6, 1), (1e-310, 1e-40),
  (5e-324, 1.4e-45), (1.7976931348623157e308, 3.4028235e38), ('-0', '-0'), (0.1, 0.1), (-2.5e-300, -1e-30);
CREATE TABLE words (w text PRIMARY KEY, n integer);
INSERT INTO words VALUES ('a', 1), ('A', 2), ('a ', 3), ('b', 4), ('ä', 5), ('😀', 6), ('Z', 7), ('', 8), ('a b', 9),
  ('zz', 10), ('𝄞', 11), ('ß', 12);
INSERT INTO words SELECT 'w' || g, g FROM generate_series(1, 400) g;
CREATE TABLE pairs (region text, id integer, amount numeric(12, 3), PRIMARY KEY (region, id));
INSERT INTO pairs SELECT (ARRAY['north', 'South', 'east', 'wëst'])[1 + g % 4], g, g * 1.5 FROM generate_series(1, 1200) g;
CREATE TABLE bignum (k numeric(20,0) PRIMARY KEY, v text);
INSERT INTO bignum VALUES (10000000000000000001, 'a'), (10000000000000000002, 'b'), (10000000000000000003, 'c');
)SQL";

}  // namespace

TEST_CASE("identical data of every supported type compares equal, every chunk's hash identical on both engines") {
  Databases db("val_eq");
  auto pg = db.pg();
  exec_pg(pg, kTypedTable);
  exec_pg(pg, kMoreTypes);
  const auto config = db.config("public.*", 150, 2);
  auto copied = snapshot(config);
  REQUIRE_MESSAGE(copied.exit_code == 0, copied.out << copied.err);

  auto v = validate(db, config, {"--full"});
  INFO(v.run.out << v.run.err);
  CHECK(v.run.exit_code == 0);
  REQUIRE(v.report.contains("tables"));
  CHECK(v.report.at("result").as_string() == "equal");
  CHECK(v.report.at("mode").as_string() == "full");
  for (const auto& t : v.report.at("tables").as_array()) {
    const auto& o = t.as_object();
    INFO(o.at("table").as_string());
    // Equal canonical bytes, not just equal after the row-level comparison.
    CHECK(number(o.at("chunks_mismatched")) == 0);
    CHECK(number(o.at("format_only")) == 0);
    CHECK(number(o.at("chunks_checked")) == number(o.at("chunks_total")));
  }
  CHECK(number(table_report(v, "public.all_types").at("rows_checked")) == 2000);
  CHECK(number(table_report(v, "public.floats").at("rows_checked")) == 3010);
  CHECK(number(table_report(v, "public.words").at("rows_checked")) == 412);
  CHECK(number(table_report(v, "public.words").at("chunks_total")) == 3);
  CHECK(number(table_report(v, "public.pairs").at("chunks_total")) == 9);

  // The result is kept for the cutover gate.
  auto my = db.mysql();
  auto runs = my.query("SELECT result, mode, rows_checked FROM tandem_meta.validation_runs ORDER BY id DESC LIMIT 1");
  REQUIRE(runs.has_value());
  REQUIRE(runs->rows.size() == 1);
  CHECK(runs->rows[0][0] == std::optional<std::string>("equal"));
  CHECK(runs->rows[0][1] == std::optional<std::string>("full"));
}

TEST_CASE("every kind of injected difference is found with its key and class; sampling finds exactly the drawn ones") {
  Databases db("val_diff");
  auto pg = db.pg();
  exec_pg(pg, kTypedTable);
  exec_pg(pg, kMoreTypes);
  // Every row gets row 1's values, so each column can be changed anywhere.
  exec_pg(pg,
          "UPDATE all_types a SET (si, bi, num, num_free, r, d, b, t, vc, c, by, dt, tm, ts, tz, iv, u, j, jb, ia, ta, "
          "m, ip) = (SELECT si, bi, num, num_free, r, d, b, t, vc, c, by, dt, tm, ts, tz, iv, u, j, jb, ia, ta, m, ip "
          "FROM all_types WHERE id = 1) WHERE a.id > 4");
  exec_pg(pg, "UPDATE all_types SET num_free = 15 WHERE id = 350");
  exec_pg(pg, "UPDATE all_types SET d = 0.30000000000000004 WHERE id = 450");
  exec_pg(pg, "UPDATE all_types SET t = 'Hello' WHERE id = 550");
  exec_pg(pg, "UPDATE all_types SET vc = '' WHERE id = 600");
  exec_pg(pg, "UPDATE all_types SET vc = NULL WHERE id = 610");
  const auto config = db.config("public.all_types, public.words, public.bignum", 100, 2);
  auto copied = snapshot(config);
  REQUIRE_MESSAGE(copied.exit_code == 0, copied.out << copied.err);

  auto my = db.mysql(db.name);
  const std::map<int, std::pair<std::string, std::string>> changes = {
      {100, {"si", "si = si + 1"}},
      {200, {"bi", "bi = bi + 1"}},
      {300, {"num", "num = num + 0.0000000001"}},
      {350, {"num_free", "num_free = 150"}},  // a trailing zero that changes the value
      {400, {"r", "r = r * 2"}},
      {450, {"d", "d = 0.3"}},  // one unit in the last place
      {500, {"b", "b = NOT b"}},
      {550, {"t", "t = 'hello'"}},  // case only
      {600, {"vc", "vc = NULL"}},   // empty string on the source
      {610, {"vc", "vc = ''"}},     // NULL on the source
      {650, {"c", "c = 'ac'"}},
      {700, {"by", "`by` = X'00ff01'"}},
      {750, {"dt", "dt = dt + INTERVAL 1 DAY"}},
      {800, {"tm", "tm = '23:59:59.999998'"}},
      {850, {"ts", "ts = ts + INTERVAL 1 MICROSECOND"}},
      {900, {"tz", "tz = tz - INTERVAL 1 MICROSECOND"}},
      {950, {"iv", "iv = '1 year 2 mons 3 days 04:05:07'"}},
      {1000, {"u", "u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"}},
      {1050, {"j", "j = '{\"a\": [1, 2, {\"b\": 0}]}'"}},
      {1100, {"jb", "jb = '{\"k\": \"v\", \"n\": 1.26}'"}},
      {1150, {"ia", "ia = '[1,null,4]'"}},
      {1200, {"ta", "ta = '[\"x\",\"y  z\"]'"}},
      {1250, {"m", "m = 'ok'"}},
      {1300, {"ip", "ip = '192.168.0.2'"}},
  };
  for (const auto& [id, change] : changes)
    exec_my(my, "UPDATE all_types SET " + change.second + " WHERE id = " + std::to_string(id));
  exec_my(my, "DELETE FROM all_types WHERE id = 1400");                                  // missing on the target
  exec_my(my, "INSERT INTO all_types (id, t) VALUES (5000, 'extra')");                   // extra on the target
  exec_my(my, "UPDATE all_types SET id = 6000 WHERE id = 1500");                         // a changed key
  exec_my(my, "UPDATE all_types SET jb = '{\"n\":1.250,\"k\":\"v\"}' WHERE id = 1600");  // same value, other text
  exec_my(my, "UPDATE words SET w = 'B' WHERE w = 'b'");  // a text key changed in case only
  // Keys a double cannot tell apart: only the changed one is reported, and repair keeps all three.
  exec_my(my, "UPDATE bignum SET v = 'changed' WHERE k = 10000000000000000002");
  auto changed = my.query("SELECT COUNT(*) FROM bignum WHERE v = 'changed'");
  REQUIRE(changed.has_value());
  REQUIRE(changed->rows[0][0] == std::optional<std::string>("1"));

  std::map<int, std::string> expected;  // id -> "class id [column]"
  for (const auto& [id, change] : changes) expected[id] = "different " + std::to_string(id) + " " + change.first;
  expected[1400] = "missing_on_target 1400";
  expected[5000] = "extra_on_target 5000";
  expected[1500] = "missing_on_target 1500";
  expected[6000] = "extra_on_target 6000";

  auto full = validate(db, config, {"--full"});
  INFO(full.run.out << full.run.err);
  CHECK(full.run.exit_code == 1);
  std::set<std::string> want;
  for (const auto& [id, s] : expected) want.insert(s);
  CHECK(found(full, "public.all_types", "id") == want);
  CHECK(found(full, "public.words", "w") == std::set<std::string>{"extra_on_target B", "missing_on_target b"});
  CHECK(found(full, "public.bignum", "k") == std::set<std::string>{"different 10000000000000000002 v"});
  const auto& counts = table_report(full, "public.all_types").at("mismatches").as_object();
  CHECK(number(counts.at("different")) == changes.size());
  CHECK(number(counts.at("missing_on_target")) == 2);
  CHECK(number(counts.at("extra_on_target")) == 2);
  CHECK(number(table_report(full, "public.all_types").at("format_only")) == 1);  // id 1600's JSON

  // Sampling: keys 1..2000 in chunks of 100 (chunk k holds ids 100k..100k+99; chunk 0 ids 1..99,
  // chunk 20 everything from 2000 on). A difference is found exactly when its chunk is drawn.
  bool some_missed = false, some_found = false;
  for (const char* seed : {"1", "2", "3"}) {
    auto sample = validate(db, config, {"--sample", "25", "--seed", seed});
    INFO("seed " << seed << ": " << sample.run.out << sample.run.err);
    REQUIRE(sample.report.contains("tables"));
    CHECK(number(sample.report.at("seed")) == std::stoull(seed));
    std::set<std::uint64_t> drawn;
    for (const auto& c : table_report(sample, "public.all_types").at("sampled_chunks").as_array())
      drawn.insert(number(c));
    CHECK(number(table_report(sample, "public.all_types").at("chunks_checked")) == drawn.size());
    std::set<std::string> want_sampled;
    for (const auto& [id, s] : expected)
      if (drawn.count(std::min<std::uint64_t>(static_cast<std::uint64_t>(id) / 100, 20))) want_sampled.insert(s);
    CHECK(found(sample, "public.all_types", "id") == want_sampled);
    CHECK(sample.run.exit_code == (want_sampled.empty() && found(sample, "public.words", "w").empty() &&
                                           found(sample, "public.bignum", "k").empty()
                                       ? 0
                                       : 1));
    some_missed |= want_sampled.size() < want.size();
    some_found |= !want_sampled.empty();
    // The same seed draws the same chunks.
    auto again = validate(db, config, {"--sample", "25", "--seed", seed});
    CHECK(table_report(again, "public.all_types").at("sampled_chunks") ==
          table_report(sample, "public.all_types").at("sampled_chunks"));
  }
  CHECK(some_missed);
  CHECK(some_found);

  // Repair copies the differing keys again and checks them; a new full run finds nothing.
  auto repaired = validate(db, config, {"--full", "--repair"});
  INFO(repaired.run.out << repaired.run.err);
  CHECK(repaired.run.exit_code == 0);
  CHECK(number(table_report(repaired, "public.all_types").at("repaired")) == want.size());
  auto after = validate(db, config, {"--full"});
  CHECK(after.run.exit_code == 0);
  CHECK(number(after.report.at("mismatches")) == 0);
  auto bignum = my.query("SELECT COUNT(*), SUM(v = 'b') FROM bignum");
  REQUIRE(bignum.has_value());
  CHECK(bignum->rows[0][0] == std::optional<std::string>("3"));
  CHECK(bignum->rows[0][1] == std::optional<std::string>("1"));
  auto row = my.query("SELECT COUNT(*) FROM all_types WHERE id IN (5000, 6000) OR (id = 1500 AND t IS NOT NULL)");
  REQUIRE(row.has_value());
  CHECK(row->rows[0][0] == std::optional<std::string>("1"));
}

TEST_CASE("live: validating while pgbench writes and the WAL applier follows reports no false difference") {
  Databases db("val_live");
  auto init = tandem::it::run_command({pg_tool("pgbench"), "-i", "-q", "-s", "2", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  auto pg = db.pg();
  exec_pg(pg, "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY");
  exec_pg(pg,
          "CREATE TABLE quiet (id integer PRIMARY KEY, v text); "
          "INSERT INTO quiet SELECT g, 'v' || g FROM generate_series(1, 1000) g");
  const auto config = db.config("public.*", 2000, 2);
  auto copied = snapshot(config);
  REQUIRE_MESSAGE(copied.exit_code == 0, copied.out << copied.err);
  // A real difference on a table nobody writes: it must still be reported.
  auto my = db.mysql(db.name);
  exec_my(my, "UPDATE quiet SET v = 'tampered' WHERE id = 42");

  const pid_t follower = spawn_tandem({"backfill", "--config", config.string()});
  // Live mode needs the applier following: wait until its replication connection is up.
  for (int i = 0; i < 100; ++i) {
    tandem::it::PgResult active(PQexec(
        db.admin.raw(), ("SELECT 1 FROM pg_replication_slots WHERE active AND slot_name = '" + db.name + "'").c_str()));
    if (active.row_count() == 1) break;
    std::this_thread::sleep_for(100ms);
  }
  std::atomic<bool> load_done{false};
  tandem::it::CommandResult load;
  std::thread writer([&] {
    load = tandem::it::run_command({pg_tool("pgbench"), "-n", "-c", "4", "-j", "2", "-T", "20", db.pg_url()}, 120s);
    load_done = true;
  });
  std::this_thread::sleep_for(2s);
  int runs = 0;
  std::uint64_t rechecked = 0;
  while (!load_done || runs < 2) {
    auto v = validate(db, config, {"--full"});
    INFO("run " << runs << ": " << v.run.out << v.run.err);
    REQUIRE(v.report.contains("tables"));
    CHECK(v.report.at("live").as_bool());
    CHECK(v.run.exit_code == 1);
    CHECK(found(v, "public.quiet", "id") == std::set<std::string>{"different 42 v"});
    for (const char* t :
         {"public.pgbench_accounts", "public.pgbench_branches", "public.pgbench_tellers", "public.pgbench_history"}) {
      CHECK_MESSAGE(number(table_report(v, t).at("mismatches").at("different")) == 0, t);
      CHECK_MESSAGE(number(table_report(v, t).at("mismatches").at("missing_on_target")) == 0, t);
      CHECK_MESSAGE(number(table_report(v, t).at("mismatches").at("extra_on_target")) == 0, t);
      rechecked += number(table_report(v, t).at("settled_by_recheck"));
    }
    ++runs;
  }
  writer.join();
  REQUIRE_MESSAGE(load.exit_code == 0, load.err);
  ::kill(follower, SIGTERM);
  int status = 0;
  ::waitpid(follower, &status, 0);
  MESSAGE(runs << " live validations; " << rechecked << " rows differed only while writes were in flight");
  CHECK(runs >= 2);
}

TEST_CASE("bad input: a table missing on MySQL, a bad sample, an unreachable target: exit 2, a clear message") {
  Databases db("val_bad");
  auto pg = db.pg();
  exec_pg(pg, "CREATE TABLE orders (id integer PRIMARY KEY)");
  const auto config = db.config("public.orders", 100, 1);
  auto missing = validate(db, config, {"--full"});
  CHECK(missing.run.exit_code == 2);
  CHECK_MESSAGE(missing.run.err.find("table public.orders does not exist on MySQL") != std::string::npos,
                missing.run.err);
  auto my = db.mysql();
  auto runs = my.query("SELECT result FROM tandem_meta.validation_runs ORDER BY id DESC LIMIT 1");
  REQUIRE(runs.has_value());
  REQUIRE(runs->rows.size() == 1);
  CHECK(runs->rows[0][0] == std::optional<std::string>("error"));  // a failed run never reads as a pass

  auto zero = validate(db, config, {"--sample", "0"});
  CHECK(zero.run.exit_code == 2);
  CHECK(zero.run.err.find("--sample must be a percentage") != std::string::npos);
  auto both = validate(db, config, {"--sample", "5", "--full"});
  CHECK(both.run.exit_code == 2);

  const auto bad = db.dir / "unreachable.toml";
  {
    std::ofstream out(bad);
    out << "[source]\nurl = \"" << db.pg_url() << "\"\n[target]\nurl = \"mysql://root@127.0.0.1:1/" << db.name
        << "\"\n[admin]\nlisten = \"127.0.0.1:" << db.admin_port << "\"\n";
  }
  auto unreachable = validate(db, bad, {"--full"});
  CHECK(unreachable.run.exit_code == 2);
  CHECK_MESSAGE(unreachable.run.err.find("target:") != std::string::npos, unreachable.run.err);
}

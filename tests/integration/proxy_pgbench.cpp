// pgbench through the proxy: initialisation (COPY, DDL, VACUUM) and TPC-B and select-only runs in
// each query mode must complete with transactions processed and none failed.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

// The integer after `label` in pgbench's report, if present.
std::optional<long long> report_number(const std::string& report, std::string_view label) {
  auto at = report.find(label);
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stoll(report.substr(at + label.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A database of its own so that parallel tests never see the pgbench tables; dropped afterwards.
struct ScratchDatabase {
  std::string name = unique_name("it_pgbench");
  ScratchDatabase() { PgConnection::connect_or_throw(direct_conninfo()).query("create database " + name); }
  ~ScratchDatabase() {
    auto conn = PgConnection::connect(direct_conninfo());
    if (conn) conn->exec("drop database if exists " + name + " with (force)");
  }
};

}  // namespace

TEST_CASE("pgbench initialises and runs TPC-B and select-only in simple, extended and prepared modes") {
  TandemProcess tandem;
  ScratchDatabase database;
  const std::vector<std::string> target = {"-h", "127.0.0.1", "-p", std::to_string(tandem.proxy_port()),
                                           "-U", "postgres"};
  const std::map<std::string, std::string> env = {{"PGCONNECT_TIMEOUT", "10"}};

  std::vector<std::string> init = {pg_program("pgbench"), "-i", "-s", "2"};
  init.insert(init.end(), target.begin(), target.end());
  init.push_back(database.name);
  CommandResult initialised = run_command(init, 180s, env);
  INFO(describe(init, initialised));
  REQUIRE(initialised.exit_code == 0);
  {
    auto check = PgConnection::connect_or_throw(tandem.conninfo("postgres", database.name));
    CHECK(check.query_value("select count(*) from pgbench_accounts") == "200000");
    CHECK(check.query_value("select count(*) from pgbench_branches") == "2");
  }

  for (const char* mode : {"simple", "extended", "prepared"}) {
    for (bool select_only : {false, true}) {
      std::vector<std::string> run = {pg_program("pgbench"), "-M", mode, "-c", "4", "-j", "2", "-T", "8"};
      if (select_only) run.push_back("-S");
      run.insert(run.end(), target.begin(), target.end());
      run.push_back(database.name);
      CommandResult result = run_command(run, 120s, env);
      INFO(describe(run, result));
      CAPTURE(mode);
      CAPTURE(select_only);
      CHECK(result.exit_code == 0);
      auto processed = report_number(result.out, "number of transactions actually processed: ");
      auto failed = report_number(result.out, "number of failed transactions: ");
      REQUIRE_MESSAGE(processed.has_value(), "no 'transactions actually processed' line");
      CHECK(*processed > 0);
      REQUIRE_MESSAGE(failed.has_value(), "no 'failed transactions' line");
      CHECK(*failed == 0);
      CHECK(result.err.find("error") == std::string::npos);
    }
  }
}

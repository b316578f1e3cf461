// Unit tests of the write capture: which statements of which transactions a session committed.
#include <doctest/doctest.h>

#include "protocol/pgwire/write_capture.hpp"

using namespace tandem::pgwire;

namespace {

// A simple Query whose statements all succeed with the given tags, then ReadyForQuery.
void simple(WriteCapture& c, const std::string& sql, const std::vector<std::string>& tags, char status) {
  c.on_query(sql);
  for (const auto& t : tags) c.on_command_complete(t);
  c.on_ready_for_query(status);
}

std::vector<std::string> sqls(const CapturedTransaction& t) {
  std::vector<std::string> out;
  for (const auto& s : t.statements) out.push_back(s.sql);
  return out;
}

void extended(WriteCapture& c, const std::string& name, const std::string& sql, std::vector<Value> params) {
  c.on_parse({name, sql, {23}});
  c.on_bind({"", name, {0}, std::move(params), {}});
  c.on_execute({"", 0});
}

}  // namespace

TEST_CASE("capture: autocommit writes are transactions of their own; reads are not captured") {
  WriteCapture c;
  simple(c, "INSERT INTO t VALUES (1)", {"INSERT 0 1"}, 'I');
  simple(c, "SELECT * FROM t", {"SELECT 1"}, 'I');
  simple(c, "UPDATE t SET v = 2", {"UPDATE 1"}, 'I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 2);
  CHECK(sqls(txs[0]) == std::vector<std::string>{"INSERT INTO t VALUES (1)"});
  CHECK(txs[0].statements[0].tag == "INSERT 0 1");
  CHECK(sqls(txs[1]) == std::vector<std::string>{"UPDATE t SET v = 2"});
  CHECK(c.take_committed().empty());
}

TEST_CASE("capture: explicit transactions commit at COMMIT; ROLLBACK and a failed COMMIT leave nothing") {
  WriteCapture c;
  simple(c, "BEGIN", {"BEGIN"}, 'T');
  simple(c, "INSERT INTO t VALUES (1)", {"INSERT 0 1"}, 'T');
  simple(c, "DELETE FROM t WHERE id = 2", {"DELETE 1"}, 'T');
  CHECK(c.take_committed().empty());
  simple(c, "COMMIT", {"COMMIT"}, 'I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.size() == 2);

  simple(c, "BEGIN; INSERT INTO t VALUES (3); ROLLBACK", {"BEGIN", "INSERT 0 1", "ROLLBACK"}, 'I');
  CHECK(c.take_committed().empty());

  simple(c, "BEGIN", {"BEGIN"}, 'T');
  simple(c, "INSERT INTO t VALUES (4)", {"INSERT 0 1"}, 'T');
  c.on_query("INSERT INTO t VALUES (1)");  // duplicate key
  c.on_error();
  c.on_ready_for_query('E');
  simple(c, "COMMIT", {"ROLLBACK"}, 'I');  // COMMIT of a failed transaction answers ROLLBACK
  CHECK(c.take_committed().empty());
}

TEST_CASE("capture: ROLLBACK TO SAVEPOINT undoes what followed it, also after an error; RELEASE keeps it") {
  WriteCapture c;
  simple(c, "BEGIN; INSERT INTO t VALUES ('a'); SAVEPOINT s1; INSERT INTO t VALUES ('b'); ROLLBACK TO SAVEPOINT s1",
         {"BEGIN", "INSERT 0 1", "SAVEPOINT", "INSERT 0 1", "ROLLBACK"}, 'T');
  simple(c, "SAVEPOINT \"Two\"", {"SAVEPOINT"}, 'T');
  c.on_query("INSERT INTO t VALUES ('dup')");
  c.on_error();
  c.on_ready_for_query('E');
  simple(c, "ROLLBACK TRANSACTION TO \"Two\"", {"ROLLBACK"}, 'T');
  simple(c, "SAVEPOINT s3; INSERT INTO t VALUES ('c'); RELEASE SAVEPOINT s3", {"SAVEPOINT", "INSERT 0 1", "RELEASE"},
         'T');
  simple(c, "COMMIT", {"COMMIT"}, 'I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(sqls(txs[0]) == std::vector<std::string>{"INSERT INTO t VALUES ('a')", "INSERT INTO t VALUES ('c')"});
}

TEST_CASE("capture: an error in a multi-statement query or a pipeline rolls back the implicit transaction") {
  WriteCapture c;
  c.on_query("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
  c.on_command_complete("INSERT 0 1");
  c.on_error();  // the second fails; the third never runs
  c.on_ready_for_query('I');
  CHECK(c.take_committed().empty());

  // Three pipelined executions and one Sync: one implicit transaction.
  extended(c, "", "INSERT INTO t VALUES ($1)", {std::string("10")});
  extended(c, "", "INSERT INTO t VALUES ($1)", {std::string("11")});
  extended(c, "", "INSERT INTO t VALUES ($1)", {std::string("12")});
  c.on_sync();
  c.on_command_complete("INSERT 0 1");
  c.on_error();
  c.on_ready_for_query('I');
  CHECK(c.take_committed().empty());

  extended(c, "", "INSERT INTO t VALUES ($1)", {std::string("20")});
  extended(c, "", "INSERT INTO t VALUES ($1)", {std::nullopt});
  c.on_sync();
  c.on_command_complete("INSERT 0 1");
  c.on_command_complete("INSERT 0 1");
  c.on_ready_for_query('I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 2);
  CHECK(txs[0].statements[0].parameters == std::vector<Value>{std::string("20")});
  CHECK(txs[0].statements[1].parameters == std::vector<Value>{std::nullopt});
  CHECK(txs[0].statements[0].parameter_types == std::vector<std::uint32_t>{23});
}

TEST_CASE("capture: named prepared statements across Syncs in an explicit transaction keep each execution's values") {
  WriteCapture c;
  simple(c, "BEGIN", {"BEGIN"}, 'T');
  c.on_parse({"upd", "UPDATE a SET v = v + $1 WHERE id = $2", {23, 23}});
  for (const char* id : {"1", "2"}) {
    c.on_bind({"", "upd", {0, 1}, {std::string("5"), std::string(id)}, {}});
    c.on_execute({"", 0});
    c.on_sync();
    c.on_command_complete("UPDATE 1");
    c.on_ready_for_query('T');
  }
  c.on_close({'S', "upd"});
  simple(c, "END", {"COMMIT"}, 'I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 2);
  CHECK(txs[0].statements[1].parameters[1] == std::optional<std::string>("2"));
  CHECK(txs[0].statements[1].parameter_formats == std::vector<std::int16_t>{0, 1});
}

TEST_CASE("capture: a suspended portal is recorded once; COPY FROM a server file and PREPARE TRANSACTION are flagged") {
  WriteCapture c;
  extended(c, "", "INSERT INTO t SELECT g FROM generate_series(1, 10) g RETURNING g", {});
  c.on_portal_suspended();
  c.on_execute({"", 0});
  c.on_sync();
  c.on_command_complete("INSERT 0 10");
  c.on_ready_for_query('I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.size() == 1);

  simple(c, "COPY t FROM '/srv/t.csv'", {"COPY 3"}, 'I');
  simple(c, "COPY (SELECT a FROM t) TO STDOUT", {"COPY 3"}, 'I');
  txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].unsupported.has_value());
  CHECK(txs[0].unsupported->find("COPY FROM a file or program on the server") != std::string::npos);

  // COPY FROM STDIN: the data the client sends once PostgreSQL asks for it is kept with it; not
  // when its transaction rolls back, nor for a table that is not mirrored.
  auto copy = [&](const char* sql, bool unmirrored, char status) {
    c.on_query(sql);
    REQUIRE(c.executing() != nullptr);
    c.executing()->copy_in = true;  // the filter marks it on CopyInResponse
    c.executing()->copy_unmirrored = unmirrored;
    c.on_copy_data("1\n2\n");
    c.on_copy_data("3\n");
    c.on_command_complete("COPY 3");
    c.on_ready_for_query(status);
  };
  copy("COPY t FROM STDIN", false, 'I');
  copy("COPY other FROM STDIN", true, 'I');
  simple(c, "BEGIN", {"BEGIN"}, 'T');
  copy("COPY t FROM STDIN", false, 'T');
  simple(c, "ROLLBACK", {"ROLLBACK"}, 'I');
  txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK_FALSE(txs[0].unsupported.has_value());
  REQUIRE(txs[0].statements.size() == 1);
  CHECK(txs[0].statements[0].copy_data == "1\n2\n3\n");
  CHECK(txs[0].statements[0].tag == "COPY 3");

  simple(c, "BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'x'", {"BEGIN", "INSERT 0 1", "PREPARE TRANSACTION"},
         'I');
  txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].unsupported.has_value());
}

TEST_CASE("capture: a write from a statement the proxy never saw prepared (SQL PREPARE) is flagged on itself") {
  WriteCapture c;
  // "upd" was prepared with SQL PREPARE, in a Query whose text the proxy does not keep as a
  // statement; its Bind names it.
  simple(c, "PREPARE upd AS UPDATE t SET v = $1", {"PREPARE"}, 'I');
  c.on_bind({"", "upd", {0}, {std::string("x")}, {}});
  c.on_execute({"", 0});
  c.on_sync();
  c.on_command_complete("UPDATE 2");
  c.on_ready_for_query('I');
  auto txs = c.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 1);
  CHECK(txs[0].statements[0].sql.empty());
  CHECK(txs[0].statements[0].unsupported.find("SQL PREPARE") != std::string::npos);
  REQUIRE(txs[0].unsupported.has_value());
  CHECK(*txs[0].unsupported == txs[0].statements[0].unsupported);
}

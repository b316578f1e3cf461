// Unit tests of reading an UPDATE's target table and assigned columns from the parse tree.
#include <doctest/doctest.h>

#include "protocol/sql/update_targets.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::sql;

namespace {

UpdateTargets targets_of(std::string_view sql) {
  auto t = update_targets(sql);
  REQUIRE_VALUE(t, sql << ": " << (t ? "" : t.error()));
  return *t;
}

using Columns = std::vector<std::string>;

}  // namespace

TEST_CASE("a plain UPDATE names its table and columns in order") {
  const auto t = targets_of("UPDATE accounts SET balance = balance - 10, Note = 'x' WHERE id = 7");
  CHECK(t.schema == "");
  CHECK(t.table == "accounts");
  CHECK(t.columns == Columns{"balance", "note"});
  CHECK(targets_of("update T set A=1;").columns == Columns{"a"});
  CHECK(targets_of("update T set A=1;").table == "t");
}

TEST_CASE("qualified and quoted names are folded as PostgreSQL does") {
  auto t = targets_of(R"(UPDATE Sales."Order Lines" AS ol SET "Qty" = 2, Price = 3, "we""ird" = 4)");
  CHECK(t.schema == "sales");
  CHECK(t.table == "Order Lines");
  CHECK(t.columns == Columns{"Qty", "price", "we\"ird"});
  t = targets_of(R"(UPDATE ONLY "Public".t SET x = 1)");
  CHECK(t.schema == "Public");
  CHECK(t.table == "t");
  t = targets_of("UPDATE mydb.s.t SET x = 1");
  CHECK(t.schema == "s");
  CHECK(t.table == "t");
}

TEST_CASE("multi-column assignments, DEFAULT and parameters") {
  CHECK(targets_of("UPDATE t SET (b, \"C\") = (1, 2), d = DEFAULT").columns == Columns{"b", "C", "d"});
  CHECK(targets_of("UPDATE t SET (a, b) = ROW($1, $2), c = $3 WHERE id = $4").columns == Columns{"a", "b", "c"});
  CHECK(targets_of("UPDATE t SET (a, b) = (SELECT x, y FROM u WHERE u.id = t.id)").columns == Columns{"a", "b"});
  CHECK(targets_of("UPDATE t SET (a, b) = (DEFAULT, $1)").columns == Columns{"a", "b"});
}

TEST_CASE("subscripted and field assignments report the column") {
  CHECK(targets_of("UPDATE t SET a[1] = 5, comp.field = 'x', arr[2:3] = '{1,2}'").columns ==
        Columns{"a", "comp", "arr"});
  CHECK(targets_of("UPDATE t SET a[1] = 5, a[2] = 6, (comp.f, comp.g) = (1, 2)").columns == Columns{"a", "comp"});
}

TEST_CASE("FROM, WHERE CURRENT OF, RETURNING and a WITH prefix") {
  auto t = targets_of("UPDATE t SET n = u.n FROM u JOIN v ON v.id = u.id WHERE t.id = u.id RETURNING t.*");
  CHECK(t.table == "t");
  CHECK(t.columns == Columns{"n"});
  CHECK(targets_of("UPDATE t SET n = 0 WHERE CURRENT OF c1").columns == Columns{"n"});
  t = targets_of(
      "WITH moved AS (DELETE FROM archive WHERE old RETURNING id), other AS (SELECT 1) "
      "UPDATE s.live SET restored = true, at = now() WHERE id IN (SELECT id FROM moved)");
  CHECK(t.schema == "s");
  CHECK(t.table == "live");
  CHECK(t.columns == Columns{"restored", "at"});
}

TEST_CASE("anything but a single UPDATE is an error") {
  auto e = update_targets("SELECT * FROM t");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().find("not an UPDATE statement (SelectStmt)") != std::string::npos);
  // An UPDATE inside a WITH whose statement is a SELECT is not the statement itself.
  CHECK_FALSE(update_targets("WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM u").has_value());
  CHECK_FALSE(update_targets("INSERT INTO t VALUES (1)").has_value());
  CHECK_FALSE(update_targets("EXPLAIN UPDATE t SET a = 1").has_value());

  e = update_targets("UPDATE SET WHERE");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().find("syntax error") == 0);
  e = update_targets("\x01\xff garbage (");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().find("syntax error") == 0);

  e = update_targets("UPDATE t SET a = 1; UPDATE t SET b = 2");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().find("several statements") != std::string::npos);

  CHECK_FALSE(update_targets("").has_value());
  CHECK_FALSE(update_targets(" ; ").has_value());
}

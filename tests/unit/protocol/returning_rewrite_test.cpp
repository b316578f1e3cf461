// Unit tests of the row-image rewrite: which statements get a RETURNING list, what it names, and
// how the tokeniser copes with comments, strings, dollar quotes and quoted identifiers.
#include <doctest/doctest.h>

#include "protocol/pgwire/returning_rewrite.hpp"

using namespace tandem::pgwire;

namespace {

const std::string kAdd = "\nRETURNING NULL AS \"tandem.image\", ";
const std::string kExtend = "\n, NULL AS \"tandem.image\", ";

// The rewritten text, or "<none>".
std::string sql_of(std::string_view statement) {
  auto r = rewrite_for_image(statement);
  return r ? r->sql : "<none>";
}

}  // namespace

TEST_CASE("image rewrite: pgbench's INSERT and UPDATE") {
  auto r = rewrite_for_image(
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, 4, CURRENT_TIMESTAMP);");
  REQUIRE(r);
  CHECK(r->kind == DmlKind::insert);
  CHECK(r->schema == "");
  CHECK(r->table == "pgbench_history");
  CHECK_FALSE(r->had_returning);
  CHECK(r->sql ==
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, 4, CURRENT_TIMESTAMP)\n"
        "RETURNING NULL AS \"tandem.image\", pgbench_history.*");

  r = rewrite_for_image("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
  REQUIRE(r);
  CHECK(r->kind == DmlKind::update);
  CHECK(r->table == "pgbench_accounts");
  CHECK(r->sql ==
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2\n"
        "RETURNING NULL AS \"tandem.image\", pgbench_accounts.*");

  r = rewrite_for_image("delete from t where id = 1");
  REQUIRE(r);
  CHECK(r->kind == DmlKind::remove);
  CHECK(r->sql == "delete from t where id = 1" + kAdd + "t.*");
  CHECK(sql_of("DELETE FROM t") == "DELETE FROM t" + kAdd + "t.*");
}

TEST_CASE("image rewrite: aliases name the target") {
  CHECK(sql_of("INSERT INTO t AS a (x) VALUES (1) ON CONFLICT (x) DO UPDATE SET x = a.x + 1") ==
        "INSERT INTO t AS a (x) VALUES (1) ON CONFLICT (x) DO UPDATE SET x = a.x + 1" + kAdd + "a.*");
  CHECK(sql_of("UPDATE t x SET v = 1") == "UPDATE t x SET v = 1" + kAdd + "x.*");
  CHECK(sql_of("UPDATE t AS x SET v = 1") == "UPDATE t AS x SET v = 1" + kAdd + "x.*");
  CHECK(sql_of("UPDATE t * AS x SET v = 1") == "UPDATE t * AS x SET v = 1" + kAdd + "x.*");
  CHECK(sql_of("UPDATE t \"X\" SET v = 1") == "UPDATE t \"X\" SET v = 1" + kAdd + "\"X\".*");
  CHECK(sql_of("DELETE FROM t x WHERE x.id = 1") == "DELETE FROM t x WHERE x.id = 1" + kAdd + "x.*");
  CHECK(sql_of("DELETE FROM t AS x") == "DELETE FROM t AS x" + kAdd + "x.*");

  auto r = rewrite_for_image("UPDATE ONLY t SET v = 1");
  REQUIRE(r);
  CHECK(r->table == "t");
  CHECK(r->sql == "UPDATE ONLY t SET v = 1" + kAdd + "t.*");
  CHECK(sql_of("UPDATE ONLY (t) SET v = 1") == "UPDATE ONLY (t) SET v = 1" + kAdd + "t.*");

  r = rewrite_for_image("DELETE FROM ONLY s.t USING u WHERE t.id = u.id");
  REQUIRE(r);
  CHECK(r->kind == DmlKind::remove);
  CHECK(r->schema == "s");
  CHECK(r->table == "t");
  CHECK(r->sql == "DELETE FROM ONLY s.t USING u WHERE t.id = u.id" + kAdd + "t.*");
}

TEST_CASE("image rewrite: schema-qualified and quoted names are folded as PostgreSQL does") {
  auto r = rewrite_for_image("INSERT INTO Public.\"Order Items\" VALUES (1)");
  REQUIRE(r);
  CHECK(r->schema == "public");
  CHECK(r->table == "Order Items");
  CHECK(r->sql == "INSERT INTO Public.\"Order Items\" VALUES (1)" + kAdd + "\"Order Items\".*");

  r = rewrite_for_image("UPDATE \"My\"\"Schema\".Orders SET v = 1");
  REQUIRE(r);
  CHECK(r->schema == "My\"Schema");
  CHECK(r->table == "orders");
  CHECK(r->sql == "UPDATE \"My\"\"Schema\".Orders SET v = 1" + kAdd + "Orders.*");

  r = rewrite_for_image("DELETE FROM db.Sales.\"Orders\" WHERE id = 1");
  REQUIRE(r);
  CHECK(r->schema == "sales");
  CHECK(r->table == "Orders");
  CHECK(r->sql == "DELETE FROM db.Sales.\"Orders\" WHERE id = 1" + kAdd + "\"Orders\".*");

  // A reserved word is a table name after a dot, but must be quoted to start a column reference.
  r = rewrite_for_image("INSERT INTO public.order VALUES (1)");
  REQUIRE(r);
  CHECK(r->table == "order");
  CHECK(r->sql == "INSERT INTO public.order VALUES (1)" + kAdd + "\"order\".*");

  // U&"..." identifiers are decoded.
  r = rewrite_for_image("INSERT INTO U&\"d\\0061t\\+000061\" VALUES (1)");
  REQUIRE(r);
  CHECK(r->table == "data");
  CHECK(r->sql == "INSERT INTO U&\"d\\0061t\\+000061\" VALUES (1)" + kAdd + "U&\"d\\0061t\\+000061\".*");
  r = rewrite_for_image("INSERT INTO U&\"d!0061ta\" UESCAPE '!' VALUES (1)");
  REQUIRE(r);
  CHECK(r->table == "data");
  CHECK(r->sql == "INSERT INTO U&\"d!0061ta\" UESCAPE '!' VALUES (1)" + kAdd + "U&\"d!0061ta\" UESCAPE '!'.*");

  // Identifiers longer than 63 bytes are truncated.
  r = rewrite_for_image("INSERT INTO " + std::string(70, 'A') + " VALUES (1)");
  REQUIRE(r);
  CHECK(r->table == std::string(63, 'a'));
}

TEST_CASE("image rewrite: an existing RETURNING list is extended") {
  auto r = rewrite_for_image("INSERT INTO t (a) VALUES (1) RETURNING id");
  REQUIRE(r);
  CHECK(r->had_returning);
  CHECK(r->sql == "INSERT INTO t (a) VALUES (1) RETURNING id" + kExtend + "t.*");

  r = rewrite_for_image("update t set v = 2 returning *;");
  REQUIRE(r);
  CHECK(r->had_returning);
  CHECK(r->sql == "update t set v = 2 returning *" + kExtend + "t.*");

  r = rewrite_for_image("DELETE FROM t x RETURNING x.id");
  REQUIRE(r);
  CHECK(r->had_returning);
  CHECK(r->sql == "DELETE FROM t x RETURNING x.id" + kExtend + "x.*");
}

TEST_CASE("image rewrite: 'returning' that is not the top-level keyword") {
  auto had = [](std::string_view s) {
    auto r = rewrite_for_image(s);
    REQUIRE(r);
    return r->had_returning;
  };
  CHECK_FALSE(had("INSERT INTO t VALUES ('returning')"));
  CHECK_FALSE(had("INSERT INTO t VALUES (E'it\\'s returning')"));
  CHECK_FALSE(had("INSERT INTO t VALUES (U&'returning')"));
  CHECK_FALSE(had("INSERT INTO t VALUES (1) -- returning x"));
  CHECK_FALSE(had("INSERT INTO t VALUES (1) /* returning x */"));
  CHECK_FALSE(had("INSERT INTO t VALUES ($$ returning $$)"));
  CHECK_FALSE(had("INSERT INTO t VALUES ($fn$ it's returning $ $fn$)"));
  CHECK_FALSE(had("UPDATE t SET v = (WITH d AS (DELETE FROM u RETURNING v) SELECT max(v) FROM d)"));
  CHECK_FALSE(had("UPDATE t SET \"returning\" = 1"));
  CHECK_FALSE(had("UPDATE t SET returning_id = 1, id_returning = 2"));
  CHECK_FALSE(had("UPDATE t SET v = t.returning"));
  CHECK_FALSE(had("INSERT INTO t SELECT 1 AS returning"));
  CHECK_FALSE(had("UPDATE t SET a[1] = (array[1])[1]"));
  CHECK(had("INSERT INTO t SELECT 1 AS returning RETURNING *"));
  CHECK(had("INSERT INTO t VALUES ('a''b') RETURNING \"returning\""));
  CHECK(had("UPDATE t SET v = $1 ReTuRnInG v"));
}

TEST_CASE("image rewrite: trailing comments and semicolons are cut, inner comments kept") {
  CHECK(sql_of("INSERT INTO t VALUES (1); -- done\n") == "INSERT INTO t VALUES (1)" + kAdd + "t.*");
  CHECK(sql_of("INSERT INTO t VALUES (1) -- done") == "INSERT INTO t VALUES (1)" + kAdd + "t.*");
  CHECK(sql_of("INSERT INTO t VALUES (1) /* c */ ;  \n") == "INSERT INTO t VALUES (1)" + kAdd + "t.*");
  CHECK(sql_of("INSERT INTO t VALUES (1);;") == "INSERT INTO t VALUES (1)" + kAdd + "t.*");
  CHECK(sql_of("  /* lead */ -- lead\n INSERT INTO t VALUES (1)") ==
        "  /* lead */ -- lead\n INSERT INTO t VALUES (1)" + kAdd + "t.*");
  CHECK(sql_of("INSERT INTO t VALUES (1) -- note\nRETURNING id -- last") ==
        "INSERT INTO t VALUES (1) -- note\nRETURNING id" + kExtend + "t.*");
  CHECK(sql_of("UPDATE t SET v = 1 WHERE id = 1--x") == "UPDATE t SET v = 1 WHERE id = 1" + kAdd + "t.*");
}

TEST_CASE("image rewrite: the tokeniser's quotes and comments") {
  // E'..' strings: \' does not end them.
  CHECK(sql_of("INSERT INTO t VALUES (E'it\\'s; -- not a comment')") ==
        "INSERT INTO t VALUES (E'it\\'s; -- not a comment')" + kAdd + "t.*");
  CHECK(sql_of("INSERT INTO t VALUES (e'\\\\')") == "INSERT INTO t VALUES (e'\\\\')" + kAdd + "t.*");
  // Standard strings: a backslash is an ordinary byte.
  CHECK(sql_of("INSERT INTO t VALUES ('a\\') -- x") == "INSERT INTO t VALUES ('a\\')" + kAdd + "t.*");
  // Nested block comments.
  CHECK(sql_of("DELETE FROM t /* a /* b */ returning c */ WHERE id = 1 /* x /* y */ z */") ==
        "DELETE FROM t /* a /* b */ returning c */ WHERE id = 1" + kAdd + "t.*");
  // Dollar quotes with a tag, holding quotes, semicolons and other dollar signs.
  CHECK(sql_of("INSERT INTO f VALUES ($fn$ returning ; ' \" $$ $fn$, $1)") ==
        "INSERT INTO f VALUES ($fn$ returning ; ' \" $$ $fn$, $1)" + kAdd + "f.*");
  // $1 is a parameter, not a dollar quote; words may hold $.
  CHECK(sql_of("UPDATE t SET a$b = $1, c = $2 WHERE d = $3") ==
        "UPDATE t SET a$b = $1, c = $2 WHERE d = $3" + kAdd + "t.*");
  // Quoted identifiers with doubled quotes and semicolons.
  CHECK(sql_of("INSERT INTO \"a\"\"b;\" VALUES (1)") == "INSERT INTO \"a\"\"b;\" VALUES (1)" + kAdd + "\"a\"\"b;\".*");
  CHECK(rewrite_for_image("INSERT INTO \"a\"\"b;\" VALUES (1)")->table == "a\"b;");
  // U&'..' strings.
  CHECK(sql_of("INSERT INTO t VALUES (U&'d\\0061t;')") == "INSERT INTO t VALUES (U&'d\\0061t;')" + kAdd + "t.*");
  // Non-ASCII words.
  auto r = rewrite_for_image("INSERT INTO Café VALUES (1)");
  REQUIRE(r);
  CHECK(r->table == "café");
  CHECK(r->sql == "INSERT INTO Café VALUES (1)" + kAdd + "Café.*");
}

TEST_CASE("image rewrite: anything but a plain INSERT, UPDATE or DELETE is left alone") {
  for (std::string_view s : {
           "",
           "   ",
           "-- only a comment",
           ";",
           "SELECT * FROM t",
           "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
           "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
           "CREATE TABLE t (id int)",
           "COPY t FROM STDIN",
           "EXPLAIN INSERT INTO t VALUES (1)",
           "INSERT",
           "INSERT INTO",
           "INSERT INTO t",
           "INSERT t VALUES (1)",
           "INSERT INTO t x VALUES (1)",
           "INSERT INTO t AS SELECT 1",
           "INSERT INTO s. (a) VALUES (1)",
           "UPDATE t",
           "UPDATE t SET",
           "UPDATE SET v = 1",
           "DELETE t",
           "DELETE FROM",
           "DELETE FROM t x y",
           "DELETE FROM where",
           "INSERT INTO \"\" VALUES (1)",
           "INSERT INTO t VALUES (1); DELETE FROM t",
           "INSERT INTO t VALUES ('unterminated)",
           "INSERT INTO t VALUES (1) /* unterminated",
           "INSERT INTO t VALUES ($$ unterminated)",
           "INSERT INTO \"unterminated VALUES (1)",
           "INSERT INTO t VALUES ((1)",
           "INSERT INTO t VALUES (1))",
       }) {
    CAPTURE(s);
    CHECK_FALSE(rewrite_for_image(s));
  }
}

TEST_CASE("statement shape: literal values are left out, everything the grammar reads is kept") {
  auto shape = [](std::string_view s) { return statement_shape(s).value_or("<none>"); };
  // The same statement with other values.
  CHECK(shape("UPDATE pgbench_accounts SET abalance = abalance + -4719 WHERE aid = 77112") ==
        shape("UPDATE pgbench_accounts SET abalance = abalance + -12 WHERE aid = 5"));
  CHECK(shape("INSERT INTO h (v, t) VALUES ('one', $x$a;b$x$)") ==
        shape("INSERT INTO h (v, t) VALUES ('it''s', $x$$x$)"));
  CHECK(shape("UPDATE t SET a = 1 -- first\nWHERE id = 1") == shape("UPDATE t SET a = 2 /* other */ WHERE id = 2"));
  // Other names, keywords or operators: another shape.
  CHECK(shape("UPDATE t SET a = 1") != shape("UPDATE t SET b = 1"));
  CHECK(shape("UPDATE t SET a = 1") != shape("UPDATE u SET a = 1"));
  CHECK(shape("UPDATE t SET a = a + 1") != shape("UPDATE t SET a = a - 1"));
  CHECK(shape("UPDATE t SET a = $1") != shape("UPDATE t SET a = $2"));
  // What the scanner reads differently: an integer against a numeric constant, string kinds,
  // a value next to a word or apart from it, numbers with letters.
  CHECK(shape("UPDATE t SET a = 2147483647") == shape("UPDATE t SET a = 0002147483647"));
  CHECK(shape("UPDATE t SET a = 2147483647") != shape("UPDATE t SET a = 2147483648"));
  CHECK(shape("UPDATE t SET a = 'x'") != shape("UPDATE t SET a = E'x'"));
  CHECK(shape("UPDATE t SET a = 'x'") != shape("UPDATE t SET a = $$x$$"));
  CHECK(shape("UPDATE t SET a = B'101'") != shape("UPDATE t SET a = B '101'"));
  CHECK(shape("UPDATE t SET a = 1e5") != shape("UPDATE t SET a = 1e6"));
  CHECK(shape("UPDATE t SET a = 1.5") == shape("UPDATE t SET a = 2.25"));
  CHECK(shape("UPDATE t SET a = 1.5") != shape("UPDATE t SET a = 1 . 5"));
  CHECK(shape("UPDATE t SET \"A\" = 1") != shape("UPDATE t SET a = 1"));
  CHECK(!statement_shape("UPDATE t SET a = 'open").has_value());
}

// Unit tests of a refused statement's fingerprint and the tables it names.
#include <doctest/doctest.h>

#include "protocol/sql/statement_identity.hpp"

using namespace tandem::sql;

namespace tandem::sql {
doctest::String toString(const NamedTable& t) { return (t.schema + "|" + t.name).c_str(); }
}  // namespace tandem::sql

namespace {
using Tables = std::vector<NamedTable>;
}

TEST_CASE("statements that differ only in literal values, blanks and case share a fingerprint") {
  const auto a = identify_statement("UPDATE items SET id = id + 10, note = id::text WHERE id = 1");
  const auto b = identify_statement("update items  set id = id + 99, note = id::text where id = 7;");
  CHECK(a.fingerprint.size() == 16);
  CHECK(a.fingerprint.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(identify_statement("INSERT INTO t VALUES ('x', 1)").fingerprint ==
        identify_statement("INSERT INTO t VALUES ('a much longer string', 2)").fingerprint);
}

TEST_CASE("statements that differ in shape or table have different fingerprints") {
  const auto a = identify_statement("UPDATE items SET note = 'x' WHERE id = 1");
  CHECK(a.fingerprint != identify_statement("UPDATE items SET v = 'x' WHERE id = 1").fingerprint);
  CHECK(a.fingerprint != identify_statement("UPDATE other SET note = 'x' WHERE id = 1").fingerprint);
  CHECK(a.fingerprint != identify_statement("DELETE FROM items WHERE id = 1").fingerprint);
}

TEST_CASE("the written or altered table comes first") {
  CHECK(identify_statement("UPDATE s.items SET note = o.v FROM other o WHERE o.id = items.id").tables ==
        Tables{{"s", "items"}, {"", "other"}});
  CHECK(identify_statement("INSERT INTO Logs SELECT * FROM \"Events\" e JOIN logs l USING (id)").tables ==
        Tables{{"", "logs"}, {"", "Events"}});
  CHECK(identify_statement("WITH x AS (SELECT id FROM src) DELETE FROM dst USING x WHERE dst.id = x.id").tables ==
        Tables{{"", "dst"}, {"", "x"}, {"", "src"}});
  CHECK(identify_statement("CREATE INDEX items_lower ON public.items (lower(note))").tables ==
        Tables{{"public", "items"}});
  CHECK(identify_statement("ALTER TABLE items ADD COLUMN n integer REFERENCES owners (id)").tables ==
        Tables{{"", "items"}, {"", "owners"}});
  CHECK(identify_statement("CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id)").tables == Tables{{"", "p"}});
  CHECK(identify_statement("DROP TABLE a, s.b CASCADE").tables == Tables{{"", "a"}, {"s", "b"}});
  CHECK(identify_statement("TRUNCATE items RESTART IDENTITY").tables == Tables{{"", "items"}});
}

TEST_CASE("statements that name no table, and text that does not parse") {
  CHECK(identify_statement("DROP SCHEMA app CASCADE").tables.empty());
  CHECK(identify_statement("SELECT 1").tables.empty());
  const auto bad = identify_statement("UPDATE items SET WHERE");
  CHECK(bad.tables.empty());
  CHECK(bad.fingerprint.size() == 16);
  CHECK(bad.fingerprint == identify_statement("UPDATE items SET WHERE").fingerprint);
  CHECK(bad.fingerprint != identify_statement("UPDATE items SET WHERE x").fingerprint);
}

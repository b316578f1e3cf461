// Unit tests of the validator's pure parts: chunk sums modulo 2^64, value equality of canonical
// texts, and the key predicates both engines run.
#include <doctest/doctest.h>

#include "migrator/validate/row_hash_sql.hpp"

using namespace tandem::migrator;
using namespace tandem::migrator::validate;
using tandem::sql::TypeClass;

namespace {

TableSchema orders() {
  TableSchema t;
  t.schema = "public";
  t.name = "orders";
  t.columns = {
      {"region", "text", true},           {"id", "integer", true}, {"placed", "timestamp with time zone", false},
      {"amount", "numeric(12,2)", false}, {"doc", "bytea", false}, {"status", "mood", false}};
  t.key = {"region", "id"};
  return t;
}

}  // namespace

TEST_CASE("chunk sums compare modulo 2^64: PostgreSQL's signed and MySQL's unsigned row hashes agree") {
  CHECK(sum_mod_2_64("0") == 0u);
  CHECK(sum_mod_2_64("18446744073709551615") == 18446744073709551615ull);
  CHECK(sum_mod_2_64("-1") == 18446744073709551615ull);
  // Two rows: PostgreSQL sees -1 and -2 (signed), MySQL 2^64-1 and 2^64-2 (unsigned).
  CHECK(sum_mod_2_64("-3") == sum_mod_2_64("36893488147419103229"));
  CHECK(sum_mod_2_64("18446744073709551616") == 0u);
  CHECK(sum_mod_2_64("12.0") == 12u);
  CHECK_FALSE(sum_mod_2_64("").has_value());
  CHECK_FALSE(sum_mod_2_64("-").has_value());
  CHECK_FALSE(sum_mod_2_64("12.5").has_value());
  CHECK_FALSE(sum_mod_2_64("1e5").has_value());
}

TEST_CASE("same_value: identical text, equal floats whatever their layout, equal JSON whatever its spacing") {
  using S = std::optional<std::string>;
  CHECK(same_value(TypeClass::text, S("a"), S("a")));
  CHECK_FALSE(same_value(TypeClass::text, S("a"), S("A")));
  CHECK_FALSE(same_value(TypeClass::text, S(""), std::nullopt));
  CHECK(same_value(TypeClass::text, std::nullopt, std::nullopt));
  CHECK(same_value(TypeClass::floating, S("1e+15"), S("1000000000000000")));
  CHECK(same_value(TypeClass::floating, S("2.0288149901017088e+16"), S("2.028814990101709e16")));
  CHECK_FALSE(same_value(TypeClass::floating, S("0.30000000000000004"), S("0.3")));
  CHECK_FALSE(same_value(TypeClass::floating, S("1x"), S("1")));
  CHECK(same_value(TypeClass::json, S(R"({"k": "v", "n": 1.25})"), S(R"({"n":1.250,"k":"v"})")));
  CHECK(same_value(TypeClass::json, S("[1, 2]"), S("[1,2]")));
  CHECK_FALSE(same_value(TypeClass::json, S("[1, 2]"), S("[2,1]")));
  CHECK_FALSE(same_value(TypeClass::json, S(R"({"a": null})"), S("{}")));
  CHECK_FALSE(same_value(TypeClass::json, S("not json"), S("not json ")));
  // JSON numbers compare by exact decimal value, never through a double.
  CHECK(same_value(TypeClass::json, S(R"({"n": 1.250, "m": 1e2})"), S(R"({"m": 100, "n": 1.25})")));
  CHECK(same_value(TypeClass::json, S("[-0]"), S("[0]")));
  CHECK_FALSE(same_value(TypeClass::json, S("[12345678901234567890123]"), S("[1.2345678901234568e22]")));
  CHECK_FALSE(same_value(TypeClass::json, S("[0.12345678901234567890]"), S("[0.12345678901234568]")));
  CHECK_FALSE(same_value(TypeClass::json, S("[9223372036854775807]"), S("[9223372036854775808]")));
  CHECK_FALSE(same_value(TypeClass::json, S(R"(["1"])"), S("[1]")));
  // Text that differs is never equal outside floats and JSON: 1.50 and 1.5 are trimmed in SQL.
  CHECK_FALSE(same_value(TypeClass::numeric, S("1.5"), S("1.50")));
}

TEST_CASE("key ranges are lexicographic, byte-ordered text on PostgreSQL, typed literals from canonical text") {
  TableSql t(orders(), tandem::sql::Dialect::mariadb, "shop");
  CHECK(t.pg_table() == "\"public\".\"orders\"");
  CHECK(t.mysql_table() == "`shop`.`orders`");
  KeyRange r{Key{"east", "10"}, Key{"west", "5"}};
  CHECK(t.range_predicate(Engine::postgres, r) ==
        "(((\"region\" COLLATE \"C\") > 'east') OR ((\"region\" COLLATE \"C\") = 'east' AND \"id\" >= '10'::integer)) "
        "AND (((\"region\" COLLATE \"C\") < 'west') OR ((\"region\" COLLATE \"C\") = 'west' AND \"id\" < "
        "'5'::integer))");
  CHECK(t.range_predicate(Engine::mysql, r) ==
        "((`region` > 'east') OR (`region` = 'east' AND `id` >= 10)) AND ((`region` < 'west') OR (`region` = 'west' "
        "AND `id` < 5))");
  CHECK(t.range_predicate(Engine::mysql, KeyRange{}) == "TRUE");
  CHECK(t.keys_predicate(Engine::mysql, {Key{"a", "1"}, Key{"b", "2"}}) ==
        "((`region` = 'a' AND `id` = 1) OR (`region` = 'b' AND `id` = 2))");
  CHECK(t.keys_predicate(Engine::postgres, {}) == "FALSE");
}

TEST_CASE("canonical forms: both engines print the same text for each type") {
  TableSql t(orders(), tandem::sql::Dialect::mariadb, "shop");
  CHECK(t.canonical(Engine::postgres, 2) == "to_char(\"placed\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')");
  CHECK(t.canonical(Engine::mysql, 2) == "DATE_FORMAT(`placed`, '%Y-%m-%d %H:%i:%s.%f')");
  CHECK(t.canonical(Engine::postgres, 3) == "trim_scale(\"amount\")::text");
  CHECK(t.canonical(Engine::postgres, 4) == "encode(\"doc\", 'hex')");
  CHECK(t.canonical(Engine::mysql, 4) == "LOWER(HEX(`doc`))");
  CHECK(t.canonical(Engine::postgres, 5) == "\"status\"::text");  // an enum: its label
  // NULL and empty are distinct: each column is length-prefixed, NULL is a bare N.
  const std::string row = t.row_text(Engine::postgres);
  CHECK(row.find("coalesce(octet_length(\"region\"::text)::text || ':' || \"region\"::text, 'N')") == 0);
  CHECK(t.row_text(Engine::mysql).find("CAST(`region` AS BINARY)") != std::string::npos);
  // A timestamptz key bound is given back to PostgreSQL in UTC, a bytea one in hex.
  TableSchema k;
  k.schema = "app";
  k.name = "events";
  k.columns = {{"at", "timestamp with time zone", true}, {"blob", "bytea", true}};
  k.key = {"at", "blob"};
  TableSql e(k, tandem::sql::Dialect::mariadb, "shop");
  CHECK(e.mysql_table() == "`app`.`events`");
  CHECK(e.key_literal(Engine::postgres, 0, "2024-01-02 03:04:05.000006") ==
        "'2024-01-02 03:04:05.000006+00'::timestamp with time zone");
  CHECK(e.key_literal(Engine::postgres, 1, "00ff") == "'\\x00ff'::bytea");
  CHECK(e.key_literal(Engine::mysql, 1, "00ff") == "X'00ff'");
  // Numbers go to MySQL unquoted: a quoted one would be compared as a double.
  CHECK(t.key_literal(Engine::mysql, 1, "10000000000000000001") == "10000000000000000001");
  CHECK(t.key_literal(Engine::mysql, 1, "1; DROP TABLE x") == "'1; DROP TABLE x'");
}

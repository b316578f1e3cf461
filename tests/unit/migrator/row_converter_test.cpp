// Unit tests of COPY text -> LOAD DATA text conversion.
#include <doctest/doctest.h>

#include "migrator/schema/schema_reader.hpp"
#include "migrator/snapshot/row_converter.hpp"

using namespace tandem::migrator;

TEST_CASE("COPY escapes are undone: tabs, newlines, backslashes, octal and hex bytes") {
  CHECK(unescape_copy_field("a\\tb\\nc\\\\d") == "a\tb\nc\\d");
  CHECK(unescape_copy_field("\\101\\x42") == "AB");
  CHECK(unescape_copy_field("plain") == "plain");
}

TEST_CASE("LOAD DATA escaping keeps NUL, tab, newline, CR and backslash as data") {
  std::string out;
  append_load_data_field(out, std::string("a\tb\nc\\d\re\0f", 11));
  CHECK(out == "a\\tb\\nc\\\\d\\re\\0f");
}

TEST_CASE("rows convert value by value to the mapped MySQL form; NULL stays \\N, empty stays empty") {
  RowConverter c(
      {"integer", "text", "boolean", "timestamp with time zone", "bytea", "integer[]", "uuid", "numeric(10,2)"});
  std::string out;
  REQUIRE(c.convert("1\tx\\ty\tt\t2024-01-01 02:00:00+02\t\\\\x00ff\t{1,2}\tA0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\t1.50",
                    out));
  CHECK(out ==
        std::string(
            "1\tx\\ty\t1\t2024-01-01 00:00:00.000000\t\\0\xff\t[1,2]\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t1.50\n"));
  out.clear();
  REQUIRE(c.convert("2\t\t\\N\t\\N\t\\N\t{}\t\\N\t\\N", out));
  CHECK(out == "2\t\t\\N\t\\N\t\\N\t[]\t\\N\t\\N\n");
}

TEST_CASE("values MySQL cannot hold are refused with the column named") {
  RowConverter c({"integer", "double precision", "date"});
  std::string out;
  auto nan = c.convert("1\tNaN\t2024-01-01", out);
  REQUIRE_FALSE(nan.has_value());
  CHECK(nan.error().find("column 2") != std::string::npos);
  auto inf = c.convert("1\t1.5\tinfinity", out);
  REQUIRE_FALSE(inf.has_value());
  CHECK(inf.error().find("column 3") != std::string::npos);
  CHECK_FALSE(c.convert("1\t2", out).has_value());
  CHECK_FALSE(c.convert("1\t2\t2024-01-01\t4", out).has_value());
}

TEST_CASE("table patterns: schema.table, schema.*, and bare names meaning public") {
  auto p = split_table_patterns(" public.* , app.orders,users ");
  REQUIRE(p.size() == 3);
  CHECK(p[2] == "public.users");
  CHECK(matches_table_pattern("public.*", "public", "x"));
  CHECK_FALSE(matches_table_pattern("public.*", "app", "x"));
  CHECK(matches_table_pattern("app.orders", "app", "orders"));
  CHECK_FALSE(matches_table_pattern("app.orders", "app", "order"));
}

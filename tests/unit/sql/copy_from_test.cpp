// Unit tests of reading COPY ... FROM STDIN for the proxy mirror: the statement's table, columns
// and format, and the refusal of what the mirror cannot read back.
#include <doctest/doctest.h>

#include "protocol/sql/copy_from.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::sql;

namespace {

CopyFrom parsed(const std::string& sql) {
  auto c = parse_copy_from(sql);
  REQUIRE_VALUE(c, (c ? "" : c.error()));
  return *c;
}

}  // namespace

TEST_CASE("COPY FROM STDIN: table, columns and options are read from the parse tree") {
  auto c = parsed("COPY public.\"Items\" (id, \"Note\") FROM STDIN");
  CHECK(c.schema == "public");
  CHECK(c.table == "Items");
  CHECK(c.columns == std::vector<std::string>{"id", "Note"});
  CHECK_FALSE(c.csv);
  CHECK(c.delimiter == '\t');
  CHECK(c.null_string == "\\N");

  c = parsed("copy t from stdin with (format csv, header true, delimiter ';', null 'NULL', quote '''')");
  CHECK(c.schema.empty());
  CHECK(c.columns.empty());
  CHECK(c.csv);
  CHECK(c.header);
  CHECK(c.delimiter == ';');
  CHECK(c.null_string == "NULL");
  CHECK(c.quote == '\'');
  CHECK(c.escape == '\'');  // the quote, unless set

  c = parsed("COPY t FROM STDIN CSV HEADER");  // the older syntax
  CHECK(c.csv);
  CHECK(c.header);
  CHECK(c.delimiter == ',');
  CHECK(c.null_string.empty());
  c = parsed("COPY t FROM STDIN (FORMAT text, HEADER off, FREEZE, ENCODING 'UTF8')");
  CHECK_FALSE(c.header);
  CHECK_FALSE(c.binary);
  c = parsed("COPY t (a, b) FROM STDIN WITH (FORMAT binary)");
  CHECK(c.binary);
  CHECK_FALSE(c.csv);
  CHECK(c.columns == std::vector<std::string>{"a", "b"});
}

TEST_CASE("COPY FROM STDIN: what the mirror cannot read back is refused, saying what") {
  const std::pair<const char*, const char*> refused[] = {
      {"COPY t TO STDOUT", "COPY TO"},
      {"COPY t FROM '/tmp/x'", "file or program"},
      {"COPY t FROM PROGRAM 'cat'", "file or program"},
      {"COPY t FROM STDIN (FORMAT binary, NULL 'x')", "FORMAT binary takes no"},
      {"COPY t FROM STDIN (FORMAT binary, HEADER)", "FORMAT binary takes no"},
      {"COPY t FROM STDIN WHERE id > 1", "WHERE"},
      {"COPY t FROM STDIN (FORMAT csv, FORCE_NULL (a))", "force_null"},
      {"COPY t FROM STDIN (ENCODING 'LATIN1')", "LATIN1"},
      {"COPY t FROM STDIN (HEADER match)", "HEADER match"},
      {"COPY t FROM STDIN (DELIMITER '::')", "one character"},
      {"COPY t FROM STDIN (QUOTE '\"')", "CSV only"},
      {"SELECT 1", "not a COPY"},
      {"COPY t FROM STDIN; COPY u FROM STDIN", "one COPY"},
  };
  for (const auto& [sql, reason] : refused) {
    auto c = parse_copy_from(sql);
    INFO(sql);
    REQUIRE_FALSE(c.has_value());
    CHECK_MESSAGE(c.error().find(reason) != std::string::npos, c.error());
  }
}

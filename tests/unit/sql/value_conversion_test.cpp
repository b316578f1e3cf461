// Unit tests of value conversions to MySQL's forms, quoting, and the session settings list.
#include <doctest/doctest.h>

#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"
#include "protocol/sql/value_conversion.hpp"

using namespace tandem::sql;

TEST_CASE("timestamptz values become UTC with microseconds, across day, month and year boundaries") {
  CHECK(timestamptz_to_utc("2024-01-02 03:04:05+02").value() == "2024-01-02 01:04:05.000000");
  CHECK(timestamptz_to_utc("2024-01-01 00:30:00+01").value() == "2023-12-31 23:30:00.000000");
  CHECK(timestamptz_to_utc("2024-02-28 23:00:00-05:30").value() == "2024-02-29 04:30:00.000000");
  CHECK(timestamptz_to_utc("2024-05-06 07:08:09.123456Z").value() == "2024-05-06 07:08:09.123456");
  CHECK(timestamptz_to_utc("2024-05-06T07:08:09.5+0100").value() == "2024-05-06 06:08:09.500000");
  CHECK(timestamptz_to_utc("2024-05-06").value() == "2024-05-06 00:00:00.000000");
  CHECK(timestamptz_to_utc("1969-12-31 23:00:00-02").value() == "1970-01-01 01:00:00.000000");
  CHECK_FALSE(timestamptz_to_utc("infinity").has_value());
  CHECK_FALSE(timestamptz_to_utc("2024-05-06 07:08:09 Europe/Paris").has_value());
}

TEST_CASE("parameters convert by the type they are stored as") {
  CHECK(to_mysql_value("boolean", "t").value() == "1");
  CHECK(to_mysql_value("boolean", "off").value() == "0");
  CHECK_FALSE(to_mysql_value("boolean", "maybe").has_value());
  CHECK(to_mysql_value("bytea", "\\x00ff").value() == std::string("\0\xff", 2));
  CHECK(to_mysql_value("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11").value() ==
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(to_mysql_value("integer[]", "{1,NULL,3}").value() == "[1,null,3]");
  CHECK(to_mysql_value("text[]", "{a,\"b,c\",\"d\\\"e\"}").value() == "[\"a\",\"b,c\",\"d\\\"e\"]");
  CHECK(to_mysql_value("timestamp with time zone", "2024-01-01 00:00:00+00").value() == "2024-01-01 00:00:00.000000");
  CHECK(to_mysql_value("", "as is").value() == "as is");
  CHECK(to_mysql_value("text", "it's").value() == "it's");
  CHECK_FALSE(array_to_json("{{1}}", TypeClass::integer).has_value());
  CHECK_FALSE(array_to_json("{1,x}", TypeClass::integer).has_value());
}

TEST_CASE("identifiers and literals are quoted for a NO_BACKSLASH_ESCAPES session") {
  CHECK(quote_identifier("a`b") == "`a``b`");
  CHECK(quote_string("it's \\ fine") == "'it''s \\ fine'");
  CHECK(quote_string("tab\tnl\n") == "'tab\tnl\n'");
  CHECK(quote_string(std::string("\x01x", 2)) == "CONVERT(X'0178' USING utf8mb4)");
  CHECK(hex_literal(std::string("\0\x10", 2)) == "X'0010'");
}

TEST_CASE("the session settings fix sql_mode, collation, time zone and isolation, per dialect") {
  auto maria = session_settings(Dialect::mariadb);
  auto mysql = session_settings(Dialect::mysql);
  REQUIRE(maria.size() == mysql.size());
  CHECK(maria[0].find("ANSI_QUOTES") != std::string::npos);
  CHECK(maria[0].find("NO_BACKSLASH_ESCAPES") != std::string::npos);
  CHECK(maria[1] == "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin");
  CHECK(mysql[1] == "SET NAMES utf8mb4 COLLATE utf8mb4_0900_bin");
  CHECK(maria[2] == "SET SESSION time_zone = '+00:00'");
}

// Unit tests of PostgreSQL and MySQL URL parsing.
#include <doctest/doctest.h>

#include "config/database_url.hpp"
#include "config/endpoint.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::config;

TEST_CASE("a PostgreSQL URL with every part") {
  auto u = parse_postgres_url(
      "postgresql://al%20ice:s%3Acret@db.internal:5433/my%2Fdb?sslmode=verify-full&sslrootcert=/"
      "ca.pem&connect_timeout=5");
  REQUIRE_VALUE(u, u.error());
  CHECK(u->user == "al ice");
  CHECK(u->password == "s:cret");
  CHECK(u->host == "db.internal");
  CHECK(u->port == 5433);
  CHECK(u->dbname == "my/db");
  CHECK(u->sslmode == "verify-full");
  CHECK(u->sslrootcert == "/ca.pem");
  REQUIRE(u->options.size() == 1);
  CHECK(u->options[0] == std::pair<std::string, std::string>{"connect_timeout", "5"});
}

TEST_CASE("IPv6 hosts, default port and no credentials") {
  auto u = parse_postgres_url("postgres://[::1]/app");
  REQUIRE(u.has_value());
  CHECK(u->host == "::1");
  CHECK(u->port == 5432);
  CHECK(u->user.empty());
  auto v = parse_postgres_url("postgres://[::1]:7777");
  REQUIRE(v.has_value());
  CHECK(v->port == 7777);
  CHECK(v->dbname.empty());
}

TEST_CASE("malformed URLs are refused with the reason") {
  CHECK(parse_postgres_url("mysql://h/d").error() == "unknown scheme 'mysql', expected postgresql://");
  CHECK(parse_postgres_url("just text").error().find("expected a URL") == 0);
  CHECK(parse_postgres_url("postgresql:///db").error() == "missing host");
  CHECK(parse_postgres_url("postgresql://h:0/db").error() == "port 0 is not a server port");
  CHECK(parse_postgres_url("postgresql://h:12x/db").error() == "invalid port '12x'");
  CHECK(parse_postgres_url("postgresql://[::1/db").error() == "unterminated [ in host");
  CHECK(parse_postgres_url("postgresql://u:%zz@h/db").error().find("invalid percent-escape") == 0);
  CHECK(parse_postgres_url("postgresql://u:%4@h/db").error().find("percent-escape") != std::string::npos);
  CHECK(parse_postgres_url("postgresql://h/db?sslmode=yes").error().find("invalid sslmode 'yes'") == 0);
}

TEST_CASE("redacted URLs never show the password") {
  auto u = parse_postgres_url("postgresql://app:hunter2@h:5432/db?sslmode=require");
  REQUIRE(u.has_value());
  const auto r = u->redacted();
  CHECK(r.find("hunter2") == std::string::npos);
  CHECK(r == "postgresql://app:***@h:5432/db?sslmode=require");
  auto m = parse_mysql_url("mysql://root:pw@127.0.0.1:3306/t");
  REQUIRE(m.has_value());
  CHECK(m->redacted() == "mysql://root:***@127.0.0.1:3306/t");
}

TEST_CASE("the libpq conninfo quotes values") {
  auto u = parse_postgres_url("postgresql://o%27neil:a%5Cb%20c@h:1/d");
  REQUIRE(u.has_value());
  CHECK(u->to_libpq_conninfo() == "host='h' port='1' user='o\\'neil' password='a\\\\b c' dbname='d' sslmode='prefer'");
}

TEST_CASE("MySQL URLs") {
  auto m = parse_mysql_url("mariadb://u@db:3307/shop?ssl_mode=REQUIRED");
  REQUIRE(m.has_value());
  CHECK(m->port == 3307);
  CHECK(m->database == "shop");
  CHECK(m->options.size() == 1);
  CHECK(parse_mysql_url("postgresql://h/d").error() == "unknown scheme 'postgresql', expected mysql://");
}

TEST_CASE("listen endpoints") {
  CHECK(parse_endpoint("127.0.0.1:6432")->to_string() == "127.0.0.1:6432");
  CHECK(parse_endpoint("[::1]:6432")->host == "::1");
  CHECK(parse_endpoint("localhost:0")->port == 0);
  CHECK(parse_endpoint(":6432").error() == "missing host in ':6432'");
  CHECK(parse_endpoint("::1:6432").error().find("IPv6 addresses need brackets") == 0);
  CHECK(parse_endpoint("host").error() == "expected host:port, got 'host'");
  CHECK(parse_endpoint("h:65536").error() == "port 65536 out of range");
}

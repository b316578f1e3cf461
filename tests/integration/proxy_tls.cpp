// TLS on both legs: clients to the proxy (with and without a certificate configured) and the proxy
// to PostgreSQL as chosen by source.url's sslmode.
#include <doctest/doctest.h>

#include <string>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::it;

namespace {

TandemOptions with_tls() {
  TandemOptions options;
  options.tls = true;
  return options;
}

}  // namespace

TEST_CASE("a proxy with a certificate accepts sslmode=require and the session uses TLS") {
  TandemProcess tandem(with_tls());
  auto conn = PgConnection::connect(tandem.conninfo("postgres", "postgres", "sslmode=require"));
  REQUIRE_VALUE(conn, conn.error());
  CHECK(conn->ssl_in_use());
  CHECK(conn->query_value("select 'over tls'") == "over tls");
  // Enough data to span many TLS records in both directions.
  CHECK(conn->query_value("select length(string_agg(md5(n::text), '')) from generate_series(1, 50000) n") == "1600000");
  PgResult big = conn->exec("select repeat('y', 5000000)");
  REQUIRE_MESSAGE(big.ok(), big.error_message());
  CHECK(PQgetlength(big.raw(), 0, 0) == 5000000);
}

TEST_CASE("a proxy with a certificate also accepts sslmode=disable in plain text") {
  TandemProcess tandem(with_tls());
  auto conn = PgConnection::connect(tandem.conninfo("postgres", "postgres", "sslmode=disable"));
  REQUIRE_VALUE(conn, conn.error());
  CHECK_FALSE(conn->ssl_in_use());
  CHECK(conn->query_value("select 1") == "1");
}

TEST_CASE("a proxy without a certificate refuses sslmode=require cleanly and serves prefer in plain text") {
  TandemProcess tandem;
  if (tandem.direct()) {
    MESSAGE("skipped in direct mode: PostgreSQL itself has TLS enabled");
    return;
  }
  auto refused = PgConnection::connect(tandem.conninfo("postgres", "postgres", "sslmode=require"));
  REQUIRE_FALSE(refused.has_value());
  CHECK_MESSAGE(refused.error().find("does not support SSL") != std::string::npos, refused.error());

  auto fallback = PgConnection::connect(tandem.conninfo("postgres", "postgres", "sslmode=prefer"));
  REQUIRE_VALUE(fallback, fallback.error());
  CHECK_FALSE(fallback->ssl_in_use());
  CHECK(fallback->query_value("select 'plain'") == "plain");
}

TEST_CASE("source.url sslmode decides whether the proxy reaches PostgreSQL over TLS") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: there is no proxy-to-PostgreSQL leg");
    return;
  }
  const std::string sql = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";
  for (auto [sslmode, expected] : {std::pair{"require", "t"}, std::pair{"disable", "f"}}) {
    CAPTURE(sslmode);
    TandemOptions options;
    options.source_url = with_url_param(servers().pg_url, "sslmode", sslmode);
    TandemProcess tandem(options);
    // The client leg is plain in both cases: only the backend leg changes.
    auto conn = PgConnection::connect(tandem.conninfo("postgres", "postgres", "sslmode=disable"));
    REQUIRE_VALUE(conn, conn.error());
    CAPTURE(sql);
    CHECK(conn->query_value(sql) == expected);
  }
}

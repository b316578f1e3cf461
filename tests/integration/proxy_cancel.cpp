// Query cancellation through the proxy: libpq's CancelRequest (sent to the proxy with the key the
// proxy handed out) stops the right backend query; a wrong key stops nothing.
#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

double cancels(const TandemProcess& tandem, const char* result) {
  if (tandem.direct()) return 0;
  return tandem.metric("tandem_cancel_requests_total", {{"result", result}}).value_or(-1);
}

// Sends libpq's cancel for the connection's running query; returns libpq's error text on failure.
std::string send_cancel(PgConnection& conn) {
  PGcancel* cancel = PQgetCancel(conn.raw());
  REQUIRE(cancel != nullptr);
  char error[256] = {};
  const bool sent = PQcancel(cancel, error, sizeof error) == 1;
  PQfreeCancel(cancel);
  return sent ? std::string() : std::string(error);
}

}  // namespace

TEST_CASE("PQcancel through the proxy cancels the running query with 57014 within a second") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  const double forwarded_before = cancels(tandem, "forwarded");

  conn.send_query("select pg_sleep(30)");
  std::this_thread::sleep_for(300ms);
  const auto cancelled_at = Clock::now();
  const std::string cancel_error = send_cancel(conn);
  REQUIRE_MESSAGE(cancel_error.empty(), "PQcancel failed: " << cancel_error);

  auto result = conn.finish_query(5s);
  const auto elapsed = Clock::now() - cancelled_at;
  REQUIRE_MESSAGE(result.has_value(), "the query was still running 5 s after the cancel");
  CHECK(result->status() == PGRES_FATAL_ERROR);
  CHECK_MESSAGE(result->sqlstate() == "57014", result->error_message());
  CHECK_MESSAGE(elapsed < 1s,
                "cancel took " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  CHECK(conn.query_value("select 'usable after cancel'") == "usable after cancel");

  if (!tandem.direct()) {
    CHECK(poll_until(2s, [&] { return cancels(tandem, "forwarded") >= forwarded_before + 1; }));
    CHECK(cancels(tandem, "forwarded") == forwarded_before + 1);
  }
}

TEST_CASE("a CancelRequest with a wrong key does not cancel the query") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  auto bystander = PgConnection::connect_or_throw(tandem.conninfo());
  const double forwarded_before = cancels(tandem, "forwarded");
  const double unknown_before = cancels(tandem, "unknown");

  conn.send_query("select pg_sleep(30)");
  std::this_thread::sleep_for(300ms);
  std::mt19937 random(std::random_device{}());
  {
    // The right pid with a made-up key, then a made-up pid: neither names this session.
    RawPgSocket wrong_key(tandem.proxy_port());
    REQUIRE(wrong_key.send(cancel_request_packet(conn.backend_pid(), static_cast<std::int32_t>(random()))));
    CHECK(wrong_key.wait_eof(5s));
    RawPgSocket wrong_pid(tandem.proxy_port());
    REQUIRE(wrong_pid.send(
        cancel_request_packet(bystander.backend_pid() ^ 0x40000000, static_cast<std::int32_t>(random()))));
    CHECK(wrong_pid.wait_eof(5s));
  }
  auto early = conn.next_result(1s);
  CHECK_MESSAGE(!early.has_value(), "the query ended after a wrong-key cancel: "
                                        << (early && *early ? early->error_message() : "no result"));

  const std::string cancel_error = send_cancel(conn);
  REQUIRE_MESSAGE(cancel_error.empty(), "PQcancel failed: " << cancel_error);
  auto result = conn.finish_query(5s);
  REQUIRE(result.has_value());
  CHECK_MESSAGE(result->sqlstate() == "57014", result->error_message());
  CHECK(bystander.query_value("select 1") == "1");

  if (!tandem.direct()) {
    CHECK(poll_until(2s, [&] { return cancels(tandem, "forwarded") >= forwarded_before + 1; }));
    CHECK(cancels(tandem, "forwarded") == forwarded_before + 1);
    CHECK(cancels(tandem, "unknown") == unknown_before + 2);
  }
}

TEST_CASE("cancelling one session leaves a concurrent session's query running") {
  TandemProcess tandem;
  auto target = PgConnection::connect_or_throw(tandem.conninfo());
  auto other = PgConnection::connect_or_throw(tandem.conninfo());
  target.send_query("select pg_sleep(30)");
  other.send_query("select pg_sleep(2), 'other finished'");
  std::this_thread::sleep_for(300ms);
  REQUIRE(send_cancel(target).empty());
  auto cancelled = target.finish_query(5s);
  REQUIRE(cancelled.has_value());
  CHECK(cancelled->sqlstate() == "57014");
  auto finished = other.finish_query(10s);
  REQUIRE(finished.has_value());
  CHECK_MESSAGE(finished->ok(), finished->error_message());
  CHECK(format_rows(finished->rows()) == format_rows({{"", "other finished"}}));
}

// Graceful shutdown on SIGTERM: new connections are refused at once, open sessions keep working
// until they leave or the grace period ends, and tandem exits 0 in bounded time.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

bool new_connection_refused(const TandemProcess& tandem) {
  return !PgConnection::connect(tandem.conninfo("postgres", "postgres", "connect_timeout=2")).has_value();
}

}  // namespace

TEST_CASE("after SIGTERM new connections are refused, an idle session is served until it leaves, then exit 0") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: needs tandem");
    return;
  }
  TandemOptions options;
  options.shutdown_grace_seconds = 5.0;
  TandemProcess tandem(options);
  std::optional<PgConnection> session = PgConnection::connect_or_throw(tandem.conninfo());
  CHECK(session->query_value("select 'before'") == "before");

  const auto signalled = Clock::now();
  tandem.send_signal(SIGTERM);
  CHECK_MESSAGE(poll_until(1s, [&] { return new_connection_refused(tandem); }),
                "new connections were still accepted 1 s after SIGTERM");
  CHECK(session->query_value("select 'during shutdown'") == "during shutdown");
  PgResult slow = session->exec("select pg_sleep(0.5), 'slow query finished'");
  CHECK_MESSAGE(slow.ok(), slow.error_message());
  CHECK(tandem.running());

  session.reset();
  const auto left = Clock::now();
  auto status = tandem.wait_exit(7s);
  INFO("log tail:\n" << tandem.log_tail());
  REQUIRE_MESSAGE(status.exited, "tandem still running 7 s after the last session left");
  CHECK(status.code == 0);
  CHECK(status.signal == 0);
  // The last session leaving ends the wait: tandem must not sit out the 5 s grace period.
  CHECK_MESSAGE(ms_since(left) < 2500, "exit came " << ms_since(left) << " ms after the last session left");
  CHECK(ms_since(signalled) < 7000);
}

TEST_CASE("after SIGTERM a session that stays is closed when the 2 s grace period ends, then exit 0") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: needs tandem");
    return;
  }
  TandemOptions options;
  options.shutdown_grace_seconds = 2.0;
  TandemProcess tandem(options);
  auto session = PgConnection::connect_or_throw(tandem.conninfo());
  CHECK(session.query_value("select 1") == "1");

  const auto signalled = Clock::now();
  tandem.send_signal(SIGTERM);
  std::this_thread::sleep_for(500ms);
  CHECK(new_connection_refused(tandem));
  CHECK(session.query_value("select 'within grace'") == "within grace");

  // Poll the session until the proxy closes it; it must happen around the end of the grace period.
  long long closed_after = -1;
  std::string hung;
  poll_until(
      6s,
      [&] {
        try {
          if (session.exec("select 1", 3s).ok()) return false;
        } catch (const std::runtime_error& e) {
          hung = e.what();
          return true;
        }
        closed_after = ms_since(signalled);
        return true;
      },
      100ms);
  CHECK_MESSAGE(hung.empty(), "the session hung instead of being served or closed: " << hung);
  CHECK_MESSAGE(closed_after >= 1500, "session closed after only " << closed_after << " ms");
  CHECK_MESSAGE(closed_after >= 0, "session still served 6 s after SIGTERM with a 2 s grace");
  CHECK(closed_after <= 4000);

  auto status = tandem.wait_exit(4s);
  INFO("log tail:\n" << tandem.log_tail());
  REQUIRE_MESSAGE(status.exited, "tandem still running");
  CHECK(status.code == 0);
  CHECK_MESSAGE(ms_since(signalled) <= 4500, "exited " << ms_since(signalled) << " ms after SIGTERM");
}

TEST_CASE("SIGTERM with no sessions exits 0 at once") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: needs tandem");
    return;
  }
  TandemProcess tandem;
  const auto signalled = Clock::now();
  auto status = tandem.stop_gracefully(5s);
  REQUIRE(status.exited);
  CHECK(status.code == 0);
  CHECK(ms_since(signalled) < 2000);
}

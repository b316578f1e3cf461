// Faults on the backend side: a backend killed mid-query, a terminated backend, and a source that is
// unreachable or silent. Clients must get an error promptly, never a hang. These tests make
// PostgreSQL restart all its backends, so nothing else may run beside them.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

long long elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// Sends SIGKILL to a PostgreSQL backend. The test may not own the server's processes (it runs as
// another OS user), so fall back to letting the server run `kill` itself as its own user.
void kill_backend(int pid) {
  if (::kill(pid, SIGKILL) == 0) return;
  REQUIRE_MESSAGE(errno == EPERM, "kill(" << pid << ") failed: " << std::strerror(errno));
  auto admin = PgConnection::connect_or_throw(direct_conninfo());
  PgResult result = admin.exec("copy (select 1) to program 'kill -9 " + std::to_string(pid) + "'");
  REQUIRE_MESSAGE(result.ok(), "kill via COPY TO PROGRAM failed: " << result.error_message());
}

// Waits until PostgreSQL accepts connections and queries again after a crash restart.
bool wait_for_postgres(std::chrono::seconds limit) {
  return poll_until(
      limit,
      [] {
        auto conn = PgConnection::connect(direct_conninfo());
        return conn && conn->exec("select 1").ok();
      },
      200ms);
}

// A TCP listener that completes handshakes (via the backlog) but never says a word.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("a backend killed with SIGKILL mid-query gives the client an error promptly") {
  TandemProcess tandem;
  auto conn = PgConnection::connect_or_throw(tandem.conninfo());
  const int pid = std::stoi(conn.query_value("select pg_backend_pid()"));
  conn.send_query("select pg_sleep(10)");
  std::this_thread::sleep_for(300ms);
  const auto killed_at = Clock::now();
  kill_backend(pid);

  auto result = conn.finish_query(5s);
  INFO("waited " << elapsed_ms(killed_at) << " ms");
  REQUIRE_MESSAGE(result.has_value(), "the client still had no answer 5 s after the backend was killed");
  CHECK(result->status() == PGRES_FATAL_ERROR);
  CHECK(elapsed_ms(killed_at) < 5000);
  CHECK_FALSE(conn.exec("select 1").ok());

  REQUIRE_MESSAGE(wait_for_postgres(60s), "PostgreSQL did not come back within 60 s of the crash");
  if (!tandem.direct()) REQUIRE_MESSAGE(tandem.running(), tandem.log_tail());
  std::string last_error;
  const bool reconnected = poll_until(
      10s,
      [&] {
        auto fresh = PgConnection::connect(tandem.conninfo());
        if (!fresh) {
          last_error = fresh.error();
          return false;
        }
        return fresh->query_value("select 'back'") == "back";
      },
      200ms);
  CHECK_MESSAGE(reconnected, "no new session through the proxy after the restart: " << last_error);
}

TEST_CASE("pg_terminate_backend from another session gives the client 57P01") {
  REQUIRE(wait_for_postgres(60s));
  TandemProcess tandem;
  auto victim = PgConnection::connect_or_throw(tandem.conninfo());
  auto admin = PgConnection::connect_or_throw(tandem.conninfo());
  victim.send_query("select pg_sleep(10)");
  std::this_thread::sleep_for(300ms);
  const auto terminated_at = Clock::now();
  CHECK(admin.query_value("select pg_terminate_backend(" + std::to_string(victim.backend_pid()) + ")") == "t");

  auto result = victim.finish_query(5s);
  REQUIRE_MESSAGE(result.has_value(), "no answer 5 s after pg_terminate_backend");
  CHECK(result->status() == PGRES_FATAL_ERROR);
  // libpq reports the connection loss that follows as the result; PostgreSQL's own FATAL (57P01)
  // is in the connection's accumulated error text. The proxy must relay it and add nothing.
  const std::string said = victim.error_message();
  CHECK_MESSAGE(said.find("terminating connection due to administrator command") != std::string::npos, said);
  CHECK_MESSAGE(said.find("tandem:") == std::string::npos, said);
  CHECK(elapsed_ms(terminated_at) < 5000);

  CHECK(admin.query_value("select 'admin unaffected'") == "admin unaffected");
  auto fresh = PgConnection::connect(tandem.conninfo());
  REQUIRE_VALUE(fresh, fresh.error());
  CHECK(fresh->query_value("select 1") == "1");
}

TEST_CASE("an unreachable source gives the client an ErrorResponse and counts a connect error") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: needs the proxy in front of a closed port");
    return;
  }
  TandemOptions options;
  options.source_url = with_url_port(servers().pg_url, free_port());
  TandemProcess tandem(options);
  const double errors_before = tandem.metric("tandem_backend_connect_errors_total").value_or(-1);

  const auto started = Clock::now();
  auto conn = PgConnection::connect(tandem.conninfo());
  CHECK_FALSE(conn.has_value());
  CHECK(elapsed_ms(started) < 5000);

  // The raw exchange shows that the proxy answered with an ErrorResponse rather than hanging up.
  RawPgSocket raw(tandem.proxy_port());
  REQUIRE(raw.send(startup_packet({{"user", "postgres"}, {"database", "postgres"}})));
  auto message = raw.read_message(5s);
  REQUIRE_MESSAGE(message.has_value(), "expected an ErrorResponse, got none");
  CHECK(message->type == 'E');
  auto fields = error_fields(message->body);
  CAPTURE(fields['M']);
  CHECK(!fields['C'].empty());
  CHECK(raw.wait_eof(5s));

  CHECK(poll_until(
      2s, [&] { return tandem.metric("tandem_backend_connect_errors_total").value_or(-1) >= errors_before + 2; }));
  const JsonValue status = tandem.status();
  const JsonValue* reported = status.find("backend.connect_errors");
  REQUIRE(reported != nullptr);
  REQUIRE(reported->is_number());
  CHECK(std::get<double>(reported->value) >= 2);
  CHECK(tandem.running());
}

TEST_CASE("a source that accepts TCP but never answers gives an error within the connect timeout") {
  if (direct_mode()) {
    MESSAGE("skipped in direct mode: needs the proxy in front of a silent server");
    return;
  }
  SilentServer silent;
  TandemOptions options;
  options.source_url = with_url_port(servers().pg_url, silent.port());
  options.extra_toml["proxy"].push_back("backend_connect_timeout_seconds = 1.0");
  TandemProcess tandem(options);

  const auto started = Clock::now();
  auto conn = PgConnection::connect(tandem.conninfo());
  CHECK_FALSE(conn.has_value());
  INFO("client waited " << elapsed_ms(started) << " ms");
  CHECK(elapsed_ms(started) < 6000);
  CHECK(tandem.running());
}

// Garbage from a client, before or after startup, gets an ErrorResponse and a closed connection,
// is counted as a protocol error, and leaves other sessions alone.
#include <doctest/doctest.h>

#include <string>

#include "support/pg_client.hpp"
#include "support/tandem_process.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::it;
using namespace std::chrono_literals;

namespace {

double protocol_errors(const TandemProcess& tandem) {
  return tandem.direct() ? 0 : tandem.metric("tandem_protocol_errors_total").value_or(-1);
}

// Expects an ErrorResponse (with `sqlstate` unless empty) followed by the connection closing.
// PostgreSQL itself closes some broken connections without a word, so in direct mode a bare EOF
// is accepted when `direct_may_be_silent`.
void expect_error_then_eof(RawPgSocket& raw, const TandemProcess& tandem, std::string_view sqlstate,
                           bool direct_may_be_silent) {
  auto message = raw.read_message(5s);
  if (!message && message.error() == RawPgSocket::ReadError::eof && tandem.direct() && direct_may_be_silent) {
    return;
  }
  REQUIRE_MESSAGE(
      message.has_value(),
      "expected an ErrorResponse, got " << (message.error() == RawPgSocket::ReadError::eof       ? "EOF"
                                            : message.error() == RawPgSocket::ReadError::timeout ? "nothing (timeout)"
                                                                                                 : "malformed bytes"));
  REQUIRE_MESSAGE(message->type == 'E', "expected 'E', got '" << message->type << "'");
  auto fields = error_fields(message->body);
  CAPTURE(fields['M']);
  if (!sqlstate.empty()) CHECK(fields['C'] == sqlstate);
  CHECK(raw.wait_eof(5s));
}

struct Garbage {
  std::string what;
  std::string bytes;
  std::string sqlstate;  // expected when the proxy answers
  bool direct_may_be_silent;
};

}  // namespace

TEST_CASE("garbage startup bytes get an ErrorResponse then EOF, and other sessions keep working") {
  TandemProcess tandem;
  auto bystander = PgConnection::connect_or_throw(tandem.conninfo());
  bystander.query("begin");
  bystander.query("create temp table bystander (x int)");

  const std::vector<Garbage> cases = {
      {"length 0x7fffffff", encode_int32(0x7fffffff) + encode_int32(196608) + "user", "", true},
      {"length below the minimum", encode_int32(3) + "abcd", "", true},
      {"protocol version 1234", startup_packet({{"user", "postgres"}}, 1234), "", false},
  };
  for (const auto& garbage : cases) {
    CAPTURE(garbage.what);
    const double errors_before = protocol_errors(tandem);
    RawPgSocket raw(tandem.proxy_port());
    REQUIRE(raw.send(garbage.bytes));
    expect_error_then_eof(raw, tandem, garbage.sqlstate, garbage.direct_may_be_silent);
    if (!tandem.direct() && garbage.what.starts_with("length")) {
      CHECK(poll_until(2s, [&] { return protocol_errors(tandem) > errors_before; }));
    }
    bystander.query("insert into bystander values (1)");
  }
  CHECK(bystander.query_value("select count(*) from bystander") == std::to_string(cases.size()));
  bystander.query("commit");
}

TEST_CASE("an unknown message type or a negative length after startup gets 08P01 then EOF") {
  TandemProcess tandem;
  auto bystander = PgConnection::connect_or_throw(tandem.conninfo());
  const std::vector<Garbage> cases = {
      {"unknown type byte", frontend_message('y', "abc"), "08P01", false},
      {"unknown type byte 0x01", frontend_message('\x01', ""), "08P01", false},
      {"negative length", std::string("Q") + encode_int32(-5) + "select 1", "08P01", true},
      {"length below 4", std::string("Q") + encode_int32(2) + "select 1", "08P01", true},
  };
  for (const auto& garbage : cases) {
    CAPTURE(garbage.what);
    const double errors_before = protocol_errors(tandem);
    RawPgSocket raw(tandem.proxy_port());
    auto started = raw.start_session_trust("postgres", "postgres", 5s);
    REQUIRE_VALUE(started, started.error());
    // A valid query first, so the garbage arrives in the middle of a working session.
    REQUIRE(raw.send(frontend_message('Q', std::string("select 1") + '\0')));
    auto ready = raw.read_until('Z', 5s);
    REQUIRE(ready.has_value());
    REQUIRE(ready->type == 'Z');

    REQUIRE(raw.send(garbage.bytes));
    expect_error_then_eof(raw, tandem, garbage.sqlstate, garbage.direct_may_be_silent);
    if (!tandem.direct()) {
      CHECK(poll_until(2s, [&] { return protocol_errors(tandem) > errors_before; }));
    }
    CHECK(bystander.query_value("select 'unaffected'") == "unaffected");
  }
}

TEST_CASE("a client that disconnects in the middle of a message does not disturb the proxy") {
  TandemProcess tandem;
  auto bystander = PgConnection::connect_or_throw(tandem.conninfo());
  {
    RawPgSocket raw(tandem.proxy_port());
    REQUIRE(raw.send(encode_int32(40) + encode_int32(196608) + "user"));
  }
  {
    RawPgSocket raw(tandem.proxy_port());
    REQUIRE(raw.start_session_trust("postgres", "postgres", 5s).has_value());
    REQUIRE(raw.send(std::string("Q") + encode_int32(1000) + "select"));
  }
  CHECK(bystander.query_value("select 'fine'") == "fine");
  auto fresh = PgConnection::connect(tandem.conninfo());
  REQUIRE_VALUE(fresh, fresh.error());
  CHECK(fresh->query_value("select 2") == "2");
}

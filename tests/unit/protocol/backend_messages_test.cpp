// Unit tests of the server messages Tandem encodes itself.
#include <doctest/doctest.h>

#include "protocol/pgwire/backend_messages.hpp"

using namespace tandem::pgwire;

TEST_CASE("ReadyForQuery and BackendKeyData have the exact wire form") {
  std::string out;
  encode_ready_for_query(out, 'I');
  CHECK(out == std::string("Z\0\0\0\5I", 6));
  out.clear();
  encode_backend_key_data(out, 0x01020304, 0xa0b0c0d0);
  CHECK(out == std::string("K\0\0\0\x0c\x01\x02\x03\x04\xa0\xb0\xc0\xd0", 13));
}

TEST_CASE("ErrorResponse carries severity, SQLSTATE and message, without stray NULs") {
  std::string out;
  encode_error_response(out, "FATAL", "08P01", std::string("bad\0thing", 9));
  const std::string body = std::string("SFATAL\0VFATAL\0C08P01\0Mbadthing\0\0", 32);
  CHECK(out.substr(0, 1) == "E");
  CHECK(static_cast<unsigned char>(out[4]) == body.size() + 4);
  CHECK(out.substr(5) == body);
}

TEST_CASE("AuthenticationSASL mechanism lists round-trip and reject malformed bodies") {
  std::string out;
  encode_authentication_sasl(out, {"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"});
  CHECK(out.substr(0, 1) == "R");
  auto mechanisms = decode_sasl_mechanisms(std::string_view(out).substr(9));
  REQUIRE(mechanisms.has_value());
  CHECK(*mechanisms == std::vector<std::string>{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"});
  CHECK_FALSE(decode_sasl_mechanisms(std::string("SCRAM", 5)).has_value());
  CHECK_FALSE(decode_sasl_mechanisms(std::string("A\0\0x", 4)).has_value());
}

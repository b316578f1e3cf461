// Unit tests of startup-phase packet decoding and encoding.
#include <doctest/doctest.h>

#include "protocol/pgwire/constants.hpp"
#include "protocol/pgwire/startup_packet.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::pgwire;

namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

}  // namespace

TEST_CASE("a StartupMessage round-trips with its parameters") {
  StartupMessage m{kProtocolVersion3, {{"user", "alice"}, {"database", "shop"}, {"application_name", "x y"}}};
  std::string wire;
  encode_startup_message(wire, m);
  CHECK(wire.substr(0, 4) == be32(static_cast<std::uint32_t>(wire.size())));
  auto decoded = decode_startup_packet(wire);
  REQUIRE_VALUE(decoded, decoded.error().message);
  const auto& got = std::get<StartupMessage>(*decoded);
  CHECK(got.protocol_version == kProtocolVersion3);
  CHECK(got.parameters == m.parameters);
}

TEST_CASE("SSLRequest, GSSENCRequest and CancelRequest are recognised byte for byte") {
  std::string ssl;
  encode_ssl_request(ssl);
  CHECK(ssl == be32(8) + be32(80877103));
  CHECK(std::holds_alternative<SslRequest>(*decode_startup_packet(ssl)));
  std::string gss;
  encode_gssenc_request(gss);
  CHECK(std::holds_alternative<GssEncRequest>(*decode_startup_packet(gss)));
  std::string cancel;
  encode_cancel_request(cancel, CancelRequest{4242, 0xdeadbeef});
  CHECK(cancel == be32(16) + be32(80877102) + be32(4242) + be32(0xdeadbeef));
  auto c = std::get<CancelRequest>(*decode_startup_packet(cancel));
  CHECK(c.process_id == 4242);
  CHECK(c.secret_key == 0xdeadbeef);
}

TEST_CASE("malformed startup packets are refused with the reason") {
  CHECK(decode_startup_packet("abc").error().message.find("shorter than 8") != std::string::npos);
  CHECK(decode_startup_packet(be32(9) + be32(kProtocolVersion3)).error().message.find("does not match") !=
        std::string::npos);
  CHECK(decode_startup_packet(std::string(10001, 'x')).error().message.find("longer than 10000") != std::string::npos);
  // Parameter list without its final terminator.
  const std::string body = be32(kProtocolVersion3) + std::string("user\0bob\0", 9);
  CHECK(decode_startup_packet(be32(static_cast<std::uint32_t>(body.size() + 4)) + body)
            .error()
            .message.find("not terminated") != std::string::npos);
  // A name without a value.
  const std::string body2 = be32(kProtocolVersion3) + std::string("user", 4);
  CHECK(decode_startup_packet(be32(static_cast<std::uint32_t>(body2.size() + 4)) + body2).has_value() == false);
  // Trailing bytes after the list.
  const std::string body3 = be32(kProtocolVersion3) + std::string("user\0bob\0\0zz", 12);
  CHECK(decode_startup_packet(be32(static_cast<std::uint32_t>(body3.size() + 4)) + body3)
            .error()
            .message.find("trailing") != std::string::npos);
  CHECK(decode_startup_packet(be32(12) + be32(80877102) + be32(1)).error().message.find("CancelRequest") == 0);
  CHECK(decode_startup_packet(be32(12) + be32(80877103) + be32(1)).error().message.find("SSLRequest") == 0);
}

TEST_CASE("only regular-phase frontend types are accepted as frontend messages") {
  for (char c : std::string("BCdcfDEHFPpQSX")) CHECK(is_frontend_message_type(c));
  for (char c : std::string("ZKRTA1\0!", 8)) CHECK_FALSE(is_frontend_message_type(c));
}

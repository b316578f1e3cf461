// Unit tests of incremental message framing.
#include <doctest/doctest.h>

#include <vector>

#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/frontend_messages.hpp"
#include "protocol/pgwire/message_reader.hpp"
#include "protocol/pgwire/startup_packet.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::pgwire;

namespace {

std::vector<std::pair<char, std::string>> drain(MessageReader& r) {
  std::vector<std::pair<char, std::string>> out;
  for (;;) {
    auto m = r.next();
    REQUIRE_VALUE(m, m.error().message);
    if (!*m) return out;
    out.emplace_back((*m)->type, std::string((*m)->body));
  }
}

}  // namespace

TEST_CASE("messages fed one byte at a time come out whole and in order") {
  std::string stream;
  encode(stream, Query{"select 1"});
  encode(stream, Sync{});
  encode(stream, DataRow{{std::string(5000, 'x')}});
  MessageReader r(1 << 20, MessageReader::Phase::regular);
  std::vector<std::pair<char, std::string>> got;
  for (char c : stream) {
    r.feed(std::string_view(&c, 1));
    for (auto& m : drain(r)) got.push_back(m);
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0].first == 'Q');
  CHECK(got[0].second == std::string("select 1\0", 9));
  CHECK(got[1].first == 'S');
  CHECK(got[1].second.empty());
  CHECK(got[2].second.size() == 5006);
  CHECK(r.buffered() == 0);
}

TEST_CASE("many messages in one chunk") {
  std::string stream;
  for (int i = 0; i < 1000; ++i) encode(stream, CommandComplete{"SELECT " + std::to_string(i)});
  MessageReader r(1 << 20, MessageReader::Phase::regular);
  r.feed(stream);
  auto got = drain(r);
  REQUIRE(got.size() == 1000);
  CHECK(got[999].second == std::string("SELECT 999\0", 11));
}

TEST_CASE("the whole view is the message as on the wire") {
  std::string framed;
  encode(framed, Execute{"p", 0});
  MessageReader r(1024, MessageReader::Phase::regular);
  r.feed(framed);
  auto m = r.next();
  REQUIRE(m.has_value());
  REQUIRE(m->has_value());
  CHECK((*m)->whole == framed);
}

TEST_CASE("impossible and oversized lengths are protocol errors") {
  MessageReader small(1024, MessageReader::Phase::regular);
  small.feed(std::string("Q\0\0\0\3", 5));
  CHECK(small.next().error().message == "message 'Q' length 3 is outside 4..1024");
  MessageReader big(1024, MessageReader::Phase::regular);
  big.feed(std::string("D\0\0\x10\0", 5));
  CHECK(big.next().error().message == "message 'D' length 4096 is outside 4..1024");
  MessageReader negative(1024, MessageReader::Phase::regular);
  negative.feed(std::string("\x01\xff\xff\xff\xff", 5));
  CHECK(negative.next().error().message.find("message '?' length") == 0);
}

TEST_CASE("the startup phase reads untyped packets, then the regular phase typed ones") {
  std::string stream;
  encode_ssl_request(stream);
  encode_startup_message(stream, StartupMessage{196608, {{"user", "u"}}});
  encode(stream, PasswordMessage{"pw"});
  MessageReader r(1 << 20, MessageReader::Phase::startup);
  r.feed(stream);
  auto ssl = r.next();
  REQUIRE(ssl.has_value());
  REQUIRE(ssl->has_value());
  CHECK((*ssl)->type == 0);
  CHECK((*ssl)->whole.size() == 8);
  auto startup = r.next();
  REQUIRE(startup->has_value());
  CHECK(std::holds_alternative<StartupMessage>(*decode_startup_packet((*startup)->whole)));
  r.set_phase(MessageReader::Phase::regular);
  auto password = r.next();
  REQUIRE(password->has_value());
  CHECK((*password)->type == 'p');
  CHECK(decode_password_message((*password)->body)->password == "pw");
  MessageReader bad(1 << 20, MessageReader::Phase::startup);
  bad.feed(std::string("\x7f\xff\xff\xff", 4));
  CHECK(bad.next().error().message.find("startup packet length") == 0);
}

// Unit tests of the relay's message-boundary scanner.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/pgwire/relay_scanner.hpp"
#include "tests/common/expected_checks.hpp"

using tandem::pgwire::RelayedMessage;
using tandem::pgwire::RelayScanner;

namespace {

std::string frame(char type, std::string_view body) {
  std::string out(1, type);
  const auto len = static_cast<std::uint32_t>(body.size() + 4);
  out.push_back(static_cast<char>(len >> 24));
  out.push_back(static_cast<char>(len >> 16));
  out.push_back(static_cast<char>(len >> 8));
  out.push_back(static_cast<char>(len));
  out.append(body);
  return out;
}

struct Seen {
  char type;
  std::uint32_t length;
  std::string prefix;
};

std::vector<Seen> scan_in_pieces(RelayScanner& scanner, std::string_view stream, std::size_t piece) {
  std::vector<Seen> seen;
  for (std::size_t pos = 0; pos < stream.size(); pos += piece) {
    auto ok = scanner.scan(stream.substr(pos, piece), [&](const RelayedMessage& m) {
      seen.push_back({m.type, m.length, std::string(m.prefix)});
    });
    REQUIRE_VALUE(ok, (ok ? "" : ok.error().message));
  }
  return seen;
}

}  // namespace

TEST_CASE("the scanner reports every message with its requested prefix whatever the read sizes") {
  const std::string stream = frame('Q', "select 1;") + frame('Z', "I") + frame('D', std::string(10000, 'x')) +
                             frame('S', "") + frame('Z', "T");
  for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 64u, 4096u, 100000u}) {
    CAPTURE(piece);
    RelayScanner scanner(1 << 20, nullptr);
    scanner.want_prefix('Q', 4096);
    scanner.want_prefix('Z', 1);
    auto seen = scan_in_pieces(scanner, stream, piece);
    REQUIRE(seen.size() == 5);
    CHECK(seen[0].type == 'Q');
    CHECK(seen[0].prefix == std::string("select 1;"));
    CHECK(seen[1].prefix == "I");
    CHECK(seen[2].type == 'D');
    CHECK(seen[2].length == 10004);
    CHECK(seen[2].prefix.empty());
    CHECK(seen[3].type == 'S');
    CHECK(seen[4].prefix == "T");
    CHECK(scanner.at_boundary());
  }
}

TEST_CASE("a long message's prefix is capped and the rest is skipped") {
  RelayScanner scanner(1 << 24, nullptr);
  scanner.want_prefix('Q', 8);
  const std::string stream = frame('Q', std::string(100000, 'a') + "tail") + frame('Z', "I");
  auto seen = scan_in_pieces(scanner, stream, 1000);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].prefix == "aaaaaaaa");
  CHECK(seen[1].type == 'Z');
}

TEST_CASE("the scanner knows when it stands inside a message") {
  RelayScanner scanner(1 << 20, nullptr);
  const std::string stream = frame('D', "abcdef");
  REQUIRE(scanner.scan(stream.substr(0, 3), [](const RelayedMessage&) {}));
  CHECK_FALSE(scanner.at_boundary());
  REQUIRE(scanner.scan(stream.substr(3, 5), [](const RelayedMessage&) {}));
  CHECK_FALSE(scanner.at_boundary());
  REQUIRE(scanner.scan(stream.substr(8), [](const RelayedMessage&) {}));
  CHECK(scanner.at_boundary());
}

TEST_CASE("a length below four or above the limit is a protocol error") {
  std::string bad_small = "Q";
  bad_small.append({0, 0, 0, 3});
  RelayScanner a(1024, nullptr);
  auto r1 = a.scan(bad_small, [](const RelayedMessage&) {});
  REQUIRE_FALSE(r1.has_value());
  CHECK(r1.error().message.find("invalid length 3") != std::string::npos);

  RelayScanner b(1024, nullptr);
  auto r2 = b.scan(frame('Q', std::string(2000, 'x')), [](const RelayedMessage&) {});
  REQUIRE_FALSE(r2.has_value());
  CHECK(r2.error().message.find("limit 1024") != std::string::npos);

  std::string negative = "Q";
  negative.append({'\xff', '\xff', '\xff', '\xf0'});
  RelayScanner c(1 << 30, nullptr);
  CHECK_FALSE(c.scan(negative, [](const RelayedMessage&) {}).has_value());
}

TEST_CASE("a type byte outside the allowed table is a protocol error") {
  std::array<bool, 256> allowed{};
  allowed['Q'] = true;
  RelayScanner scanner(1024, &allowed);
  REQUIRE(scanner.scan(frame('Q', "x"), [](const RelayedMessage&) {}));
  auto r = scanner.scan(frame('!', "x"), [](const RelayedMessage&) {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "invalid message type 0x21");
}

TEST_CASE("relay scanner: where a stream stops inside a message") {
  RelayScanner s(1 << 20, nullptr);
  auto nothing = [](const RelayedMessage&) {};
  // 'A' of length 4 + 6 body bytes, cut after its type and two length bytes.
  const std::string message = std::string("A\0\0\0\x0a", 5) + "abcdef";
  REQUIRE(s.scan(message.substr(0, 3), nothing));
  CHECK_FALSE(s.at_boundary());
  CHECK(s.partial_header() == message.substr(0, 3));
  CHECK(s.body_left() == 0);
  REQUIRE(s.scan(message.substr(3, 4), nothing));
  CHECK(s.partial_header().empty());
  CHECK(s.body_left() == 4);
  REQUIRE(s.scan(message.substr(7), nothing));
  CHECK(s.at_boundary());
  CHECK(s.body_left() == 0);
  CHECK(s.partial_header().empty());
}

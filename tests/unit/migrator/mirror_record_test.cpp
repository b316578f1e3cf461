// Unit tests of the mirror record codec: exact round trips, and refusal of truncated, trailing,
// mis-versioned and forged records without reading past the end or reserving without bound.
#include <doctest/doctest.h>

#include <stdexcept>

#include "migrator/journal/mirror_record.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::migrator;

namespace {

MirrorTransaction rich_transaction() {
  MirrorTransaction tx;
  tx.commit_unix_micros = 1'717'000'000'123'456;
  tx.unsupported = "";

  MirrorItem insert;
  insert.kind = MirrorItem::Kind::statement;
  insert.sql = "INSERT INTO t (id, data, note) VALUES ($1, $2, $3)";
  insert.params = {
      {.type_oid = 23, .format = 0, .value = "42"},
      {.type_oid = 17, .format = 1, .value = std::string("\0\xff\x01\x80", 4)},
      {.type_oid = 0, .format = 0, .value = std::nullopt},
      {.type_oid = 25, .format = 0, .value = ""},
  };
  tx.items.push_back(insert);

  MirrorItem plain;
  plain.sql = "DELETE FROM t WHERE id = 7";
  tx.items.push_back(plain);

  MirrorItem image;
  image.kind = MirrorItem::Kind::image;
  image.sql = "UPDATE t SET n = n + 1 WHERE id < 10 RETURNING *";
  image.op = 'u';
  image.columns = {
      {.name = "id", .table_oid = 16384, .attnum = 1, .type_oid = 23, .typmod = -1},
      {.name = "n", .table_oid = 16384, .attnum = 2, .type_oid = 1700, .typmod = 655366},
      {.name = "", .table_oid = 0, .attnum = -1, .type_oid = 0xffffffffu, .typmod = -2147483647 - 1},
  };
  image.rows = {
      {"1", "10.5", std::nullopt},
      {"2", std::string("a\0b\xff", 4), ""},
      {std::nullopt, std::nullopt, std::nullopt},
  };
  tx.items.push_back(image);

  MirrorItem deleted;
  deleted.kind = MirrorItem::Kind::image;
  deleted.sql = "DELETE FROM \"Ünïcode\" RETURNING *";
  deleted.op = 'd';
  deleted.columns = {{.name = "Ünïcode", .table_oid = 1, .attnum = 32767, .type_oid = 25, .typmod = 0}};
  tx.items.push_back(deleted);  // no rows

  MirrorItem empty_image;
  empty_image.kind = MirrorItem::Kind::image;
  empty_image.op = 'i';
  empty_image.rows = {{}, {}};  // a table without columns still has rows
  tx.items.push_back(empty_image);

  MirrorItem copy;
  copy.kind = MirrorItem::Kind::copy;
  copy.sql = "COPY t (id, n) FROM STDIN";
  copy.data = std::string("1\t10.5\n2\t\\N\n\0\xff", 15);
  copy.copied_rows = 2;
  copy.params = {{.type_oid = 0, .format = 0, .value = "Europe/Paris"},
                 {.type_oid = 0, .format = 0, .value = "ISO, DMY"}};
  tx.items.push_back(copy);

  MirrorItem last;
  last.sql = std::string("SELECT '\0'", 10);
  last.params = {{.type_oid = 0, .format = -1, .value = std::string(300, '\xff')}};
  tx.items.push_back(last);

  MirrorItem unsupported;
  unsupported.kind = MirrorItem::Kind::unsupported;
  unsupported.sql = "UPDATE t SET n = 1 RETURNING *";
  unsupported.reason = "a write whose results the client asked for in binary format";
  tx.items.push_back(unsupported);
  return tx;
}

std::string big_endian(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// Version, commit time and an empty reason: the bytes before the item count.
std::string record_head() { return std::string(1, '\x01') + big_endian(5, 8) + big_endian(0, 4); }

}  // namespace

TEST_CASE("a rich transaction survives the round trip exactly") {
  const auto tx = rich_transaction();
  const auto bytes = encode_mirror_transaction(tx);
  CHECK(static_cast<unsigned char>(bytes[0]) == kMirrorRecordVersion);
  auto back = decode_mirror_transaction(bytes);
  REQUIRE_VALUE(back, (back ? "" : back.error()));
  CHECK(*back == tx);
  CHECK(back->items[0].params[1].value->size() == 4);
  CHECK_FALSE(back->items[0].params[2].value.has_value());
  CHECK(back->items[0].params[3].value == "");
  CHECK(back->items[2].columns[2].typmod == -2147483647 - 1);
  CHECK(back->items[6].params[0].format == -1);
  CHECK(back->items[5].data.size() == 15);
  CHECK(encode_mirror_transaction(*back) == bytes);
}

TEST_CASE("an empty transaction and an unsupported one round-trip") {
  MirrorTransaction empty;
  const auto bytes = encode_mirror_transaction(empty);
  CHECK(bytes.size() == 1 + 8 + 4 + 4);
  auto back = decode_mirror_transaction(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == empty);

  MirrorTransaction unsupported;
  unsupported.commit_unix_micros = -1;
  unsupported.unsupported = "COPY FROM STDIN cannot be mirrored";
  back = decode_mirror_transaction(encode_mirror_transaction(unsupported));
  REQUIRE(back.has_value());
  CHECK(*back == unsupported);
}

TEST_CASE("every truncation of a record is refused, naming an offset inside it") {
  const auto bytes = encode_mirror_transaction(rich_transaction());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    // A copy of exactly n bytes, so a read past the end is a real overrun (visible under ASan).
    const std::string cut = bytes.substr(0, n);
    auto r = decode_mirror_transaction(cut);
    REQUIRE_MESSAGE(!r.has_value(), "length " << n << " decoded");
    CHECK(r.error().find("mirror record: ") == 0);
    CHECK(r.error().find(" at byte ") != std::string::npos);
  }
  auto r = decode_mirror_transaction(bytes.substr(0, 20));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("truncated") != std::string::npos);
}

TEST_CASE("an unknown version is refused") {
  auto bytes = encode_mirror_transaction(rich_transaction());
  for (char v : {'\x00', '\x03', '\xff'}) {
    bytes[0] = v;
    auto r = decode_mirror_transaction(bytes);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("unknown version") != std::string::npos);
    CHECK(r.error().find("at byte 0") != std::string::npos);
  }
}

TEST_CASE("trailing bytes are refused at the offset where they start") {
  const auto bytes = encode_mirror_transaction(rich_transaction());
  auto r = decode_mirror_transaction(bytes + "x");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("1 trailing bytes") != std::string::npos);
  CHECK(r.error().find("at byte " + std::to_string(bytes.size())) != std::string::npos);
  CHECK_FALSE(decode_mirror_transaction(bytes + std::string(100, '\0')).has_value());
}

TEST_CASE("forged counts and lengths are refused before anything is reserved") {
  // Four billion items in a record of a few bytes.
  auto r = decode_mirror_transaction(record_head() + big_endian(0xffffffffu, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("count 4294967295 needs at least 38654705655 bytes, 0 left") != std::string::npos);
  CHECK(r.error().find("item count") != std::string::npos);
  CHECK(r.error().find("at byte 13") != std::string::npos);

  // One statement item claiming four billion parameters.
  const std::string statement = record_head() + big_endian(1, 4) + "S" + big_endian(0, 4);
  r = decode_mirror_transaction(statement + big_endian(0xffffffffu, 4) + std::string(64, '\0'));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("parameter count") != std::string::npos);
  CHECK(r.error().find("item 1") != std::string::npos);

  // One image item with no columns and four billion (empty) rows.
  const std::string image = record_head() + big_endian(1, 4) + "I" + big_endian(0, 4) + "u" + big_endian(0, 4);
  r = decode_mirror_transaction(image + big_endian(0xffffffffu, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("row count") != std::string::npos);

  // One copy item whose data is said to be longer than the record.
  const std::string copy = record_head() + big_endian(1, 4) + "C" + big_endian(0, 4) + big_endian(3, 8);
  r = decode_mirror_transaction(copy + big_endian(0xffffffffffffull, 8) + "abc");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("length 281474976710655 past the end, 3 bytes left") != std::string::npos);
  CHECK(r.error().find("copy data") != std::string::npos);
  auto copied = decode_mirror_transaction(copy + big_endian(3, 8) + "abc" + big_endian(0, 4));
  REQUIRE_VALUE(copied, (copied ? "" : copied.error()));
  CHECK(copied->items.at(0).data == "abc");
  CHECK(copied->items.at(0).copied_rows == 3);

  // A string and a value longer than the record.
  r = decode_mirror_transaction(std::string(1, '\x01') + big_endian(5, 8) + big_endian(0x7fffffff, 4) + "abc");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("length 2147483647 past the end") != std::string::npos);
  CHECK(r.error().find("at byte 9") != std::string::npos);
  const std::string one_param = statement + big_endian(1, 4) + big_endian(25, 4) + big_endian(0, 2);
  r = decode_mirror_transaction(one_param + big_endian(0x7fffffff, 4) + "abc");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("past the end") != std::string::npos);
  // Negative lengths other than -1 (NULL).
  r = decode_mirror_transaction(one_param + big_endian(0xfffffffe, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("negative length -2") != std::string::npos);
  // The same record with a NULL value is fine.
  auto ok = decode_mirror_transaction(one_param + big_endian(0xffffffffu, 4));
  REQUIRE_VALUE(ok, (ok ? "" : ok.error()));
  CHECK_FALSE(ok->items.at(0).params.at(0).value.has_value());
}

TEST_CASE("unknown item kinds, image ops and row widths are refused") {
  auto r = decode_mirror_transaction(record_head() + big_endian(1, 4) + "X" + big_endian(0, 4) + big_endian(0, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("unknown item kind 88") != std::string::npos);
  CHECK(r.error().find("at byte 17") != std::string::npos);

  const std::string image = record_head() + big_endian(1, 4) + "I" + big_endian(0, 4);
  r = decode_mirror_transaction(image + "x" + big_endian(0, 4) + big_endian(0, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("unknown op") != std::string::npos);

  // No columns, one row of one value.
  r = decode_mirror_transaction(image + "i" + big_endian(0, 4) + big_endian(1, 4) + big_endian(1, 4) +
                                big_endian(0xffffffffu, 4));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("1 values for 0 columns") != std::string::npos);
  CHECK(r.error().find("row 1") != std::string::npos);
}

TEST_CASE("encoding refuses items that decoding would refuse") {
  MirrorTransaction tx;
  tx.items.resize(1);
  tx.items[0].kind = MirrorItem::Kind::image;
  tx.items[0].op = 'x';
  CHECK_THROWS_AS(encode_mirror_transaction(tx), std::invalid_argument);
  tx.items[0].op = 'i';
  tx.items[0].columns.resize(2);
  tx.items[0].rows = {{"1"}};
  CHECK_THROWS_AS(encode_mirror_transaction(tx), std::invalid_argument);
  tx.items[0].kind = static_cast<MirrorItem::Kind>('Q');
  CHECK_THROWS_AS(encode_mirror_transaction(tx), std::invalid_argument);
}

TEST_CASE("damage anywhere in a record is refused or decodes to what re-encodes to it, never read past") {
  const auto bytes = encode_mirror_transaction(rich_transaction());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char v : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ v);
      auto r = decode_mirror_transaction(damaged);
      if (r) CHECK(encode_mirror_transaction(*r) == damaged);  // the layout has no slack
    }
  }
}

TEST_CASE("a version 1 record (written before unsupported items existed) is read; an unsupported item in it is not") {
  // Version 1, commit time 5, no reason, one statement item "x" without parameters.
  const std::string v1 = record_head() + big_endian(1, 4) + "S" + big_endian(1, 4) + "x" + big_endian(0, 4);
  auto back = decode_mirror_transaction(v1);
  REQUIRE_VALUE(back, back.error());
  REQUIRE(back->items.size() == 1);
  CHECK(back->items[0].sql == "x");
  CHECK(back->commit_unix_micros == 5);
  const std::string with_u = record_head() + big_endian(1, 4) + "U" + big_endian(1, 4) + "x" + big_endian(0, 4);
  auto refused = decode_mirror_transaction(with_u);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().find("unknown item kind 85") != std::string::npos);
  // The same item in a version 2 record is read.
  std::string v2 = with_u;
  v2[0] = '\x02';
  auto read = decode_mirror_transaction(v2);
  REQUIRE_VALUE(read, read.error());
  CHECK(read->items.at(0).kind == MirrorItem::Kind::unsupported);
  CHECK(read->items.at(0).reason == "");
}

// Unit tests of pgoutput and replication-stream decoding, including malformed input.
#include <doctest/doctest.h>

#include "migrator/wal/pgoutput_decoder.hpp"

using namespace tandem::migrator::wal;

namespace {

void put16(std::string& s, int v) {
  s += static_cast<char>((v >> 8) & 0xff);
  s += static_cast<char>(v & 0xff);
}
void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}
void put64(std::string& s, std::uint64_t v) {
  put32(s, static_cast<std::uint32_t>(v >> 32));
  put32(s, static_cast<std::uint32_t>(v));
}
void text_value(std::string& s, const std::string& v) {
  s += 't';
  put32(s, static_cast<std::uint32_t>(v.size()));
  s += v;
}

}  // namespace

TEST_CASE("LSNs print and parse as PostgreSQL writes them") {
  CHECK(format_lsn(0x16B3748) == "0/16B3748");
  CHECK(format_lsn((std::uint64_t{3} << 32) | 0xA0) == "3/A0");
  CHECK(parse_lsn("3/A0").value() == ((std::uint64_t{3} << 32) | 0xA0));
  CHECK_FALSE(parse_lsn("nonsense").has_value());
}

TEST_CASE("Begin, Commit, Relation, Insert, Update with an old key, Delete, Truncate and messages decode") {
  std::string b = "B";
  put64(b, 0x100);
  put64(b, 42);
  put32(b, 7);
  auto begin = decode_pgoutput(b);
  REQUIRE(begin.has_value());
  CHECK(std::get<Begin>(*begin).xid == 7);

  std::string c = "C";
  c += '\0';
  put64(c, 0x100);
  put64(c, 0x180);
  put64(c, 42);
  CHECK(std::get<Commit>(decode_pgoutput(c).value()).end_lsn == 0x180);

  std::string r = "R";
  put32(r, 16384);
  r += std::string("public\0t\0", 9);
  r += 'd';
  put16(r, 2);
  r += '\1';
  r += std::string("id\0", 3);
  put32(r, 23);
  put32(r, 0xffffffff);
  r += '\0';
  r += std::string("v\0", 2);
  put32(r, 25);
  put32(r, 0xffffffff);
  auto rel = decode_pgoutput(r);
  REQUIRE(rel.has_value());
  const auto& relation = std::get<Relation>(*rel);
  CHECK(relation.name == "t");
  REQUIRE(relation.columns.size() == 2);
  CHECK(relation.columns[0].key);
  CHECK_FALSE(relation.columns[1].key);
  CHECK(relation.columns[1].typmod == -1);

  std::string i = "I";
  put32(i, 16384);
  i += 'N';
  put16(i, 2);
  text_value(i, "1");
  i += 'n';
  auto ins = decode_pgoutput(i);
  REQUIRE(ins.has_value());
  CHECK(std::get<Insert>(*ins).row[0].text == "1");
  CHECK(std::get<Insert>(*ins).row[1].kind == 'n');

  std::string u = "U";
  put32(u, 16384);
  u += 'K';
  put16(u, 2);
  text_value(u, "1");
  u += 'n';
  u += 'N';
  put16(u, 2);
  text_value(u, "2");
  u += 'u';
  auto up = decode_pgoutput(u);
  REQUIRE(up.has_value());
  CHECK(std::get<Update>(*up).old_key.has_value());
  CHECK(std::get<Update>(*up).row[1].kind == 'u');

  std::string d = "D";
  put32(d, 16384);
  d += 'K';
  put16(d, 1);
  text_value(d, "9");
  CHECK(std::get<Delete>(decode_pgoutput(d).value()).old_key[0].text == "9");

  std::string t = "T";
  put32(t, 2);
  t += '\1';
  put32(t, 1);
  put32(t, 2);
  auto tr = std::get<Truncate>(decode_pgoutput(t).value());
  CHECK(tr.relations.size() == 2);
  CHECK(tr.cascade);

  std::string m = "M";
  m += '\0';
  put64(m, 0x200);
  m += std::string("tandem\0", 7);
  put32(m, 3);
  m += "abc";
  auto msg = std::get<LogicalMessage>(decode_pgoutput(m).value());
  CHECK(msg.prefix == "tandem");
  CHECK(msg.content == "abc");
}

TEST_CASE("truncated and malformed pgoutput messages are errors, never guesses") {
  std::string i = "I";
  put32(i, 1);
  i += 'N';
  put16(i, 1);
  i += 't';
  put32(i, 10);
  i += "abc";  // shorter than its length
  CHECK_FALSE(decode_pgoutput(i).has_value());
  CHECK_FALSE(decode_pgoutput("").has_value());
  CHECK_FALSE(decode_pgoutput("Z").has_value());
  std::string t = "T";
  put32(t, 1000000);
  t += '\0';
  CHECK_FALSE(decode_pgoutput(t).has_value());
  std::string tuple_kind = "I";
  put32(tuple_kind, 1);
  tuple_kind += 'N';
  put16(tuple_kind, 1);
  tuple_kind += 'q';
  CHECK_FALSE(decode_pgoutput(tuple_kind).has_value());
}

TEST_CASE("the replication stream frames XLogData and keepalives; status updates have the standby layout") {
  std::string w = "w";
  put64(w, 1);
  put64(w, 2);
  put64(w, 3);
  w += "Bpayload";
  auto x = decode_stream_message(w);
  REQUIRE(x.has_value());
  CHECK(std::get<XLogData>(*x).data == "Bpayload");
  std::string k = "k";
  put64(k, 5);
  put64(k, 6);
  k += '\1';
  auto ka = decode_stream_message(k);
  REQUIRE(ka.has_value());
  CHECK(std::get<Keepalive>(*ka).reply_requested);
  CHECK_FALSE(decode_stream_message("w123").has_value());
  const std::string status = encode_standby_status(0x10, 0x20, false);
  CHECK(status.size() == 34);
  CHECK(status[0] == 'r');
  CHECK(status[8] == 0x10);
}

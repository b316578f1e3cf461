// Unit tests of the mirror filter: writes are rewritten to return row images, the client sees
// only what its own statements produce, and committed transactions carry the images.
#include <doctest/doctest.h>

#include <atomic>

#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/frontend_messages.hpp"
#include "protocol/pgwire/message_reader.hpp"
#include "protocol/pgwire/mirror_filter.hpp"

using namespace tandem::pgwire;

namespace {

struct Seen {
  char type;
  std::string body;
};

// Splits a stream of encoded messages into (type, body).
std::vector<Seen> messages(const std::string& stream) {
  MessageReader reader(1 << 20, MessageReader::Phase::regular);
  reader.feed(stream);
  std::vector<Seen> out;
  for (;;) {
    auto next = reader.next();
    REQUIRE(next);
    if (!*next) break;
    out.push_back({(*next)->type, std::string((*next)->body)});
  }
  return out;
}

std::string types(const std::vector<Seen>& v) {
  std::string t;
  for (const auto& m : v) t += m.type;
  return t;
}

// Feeds every message of an encoded stream through one direction of the filter.
std::string feed(MirrorFilter& f, const std::string& stream, bool from_client) {
  std::string out;
  for (const auto& m : messages(stream)) {
    std::string whole;
    whole += m.type;
    const auto len = static_cast<std::uint32_t>(m.body.size() + 4);
    for (int s = 24; s >= 0; s -= 8) whole += static_cast<char>((len >> s) & 0xff);
    whole += m.body;
    REQUIRE((from_client ? f.from_client(m.type, m.body, whole, out) : f.from_backend(m.type, m.body, whole, out)));
  }
  return out;
}
std::string client(MirrorFilter& f, const std::string& stream) { return feed(f, stream, true); }
std::string backend(MirrorFilter& f, const std::string& stream) { return feed(f, stream, false); }

FieldDescription field(const std::string& name, std::uint32_t table = 0, std::uint32_t type = 25) {
  FieldDescription f;
  f.name = name;
  f.table_oid = table;
  f.type_oid = type;
  return f;
}

ErrorResponse error(const std::string& sqlstate) {
  ErrorResponse e;
  e.fields = {{'S', "ERROR"}, {'C', sqlstate}, {'M', "failed"}};
  return e;
}

template <class M>
std::string enc(const M& m) {
  std::string s;
  encode(s, m);
  return s;
}

}  // namespace

TEST_CASE("mirror filter: a simple-query INSERT returns its row image to the proxy, not to the client") {
  MirrorFilter f;
  auto sent = messages(client(f, enc(Query{"INSERT INTO h (a, t) VALUES (1, CURRENT_TIMESTAMP);"})));
  REQUIRE(sent.size() == 1);
  auto q = decode_query(sent[0].body);
  REQUIRE(q);
  CHECK(q->sql == "INSERT INTO h (a, t) VALUES (1, CURRENT_TIMESTAMP)\nRETURNING NULL AS \"tandem.image\", h.*;");

  std::string reply =
      enc(RowDescription{{field("tandem.image"), field("id", 900, 20), field("a", 900, 23), field("t", 900, 1114)}}) +
      enc(DataRow{{std::nullopt, "5", "1", "2026-11-25 10:00:00.123456"}}) + enc(CommandComplete{"INSERT 0 1"}) +
      enc(ReadyForQuery{'I'});
  auto to_client = messages(backend(f, reply));
  CHECK(types(to_client) == "CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 1);
  const auto& s = txs[0].statements[0];
  CHECK(s.sql == "INSERT INTO h (a, t) VALUES (1, CURRENT_TIMESTAMP)");  // as split, without the semicolon
  CHECK(s.image_op == 'i');
  REQUIRE(s.image_fields.size() == 3);
  CHECK(s.image_fields[0].name == "id");
  CHECK(s.image_fields[2].type_oid == 1114);
  REQUIRE(s.image_rows.size() == 1);
  CHECK(s.image_rows[0] == std::vector<Value>{"5", "1", "2026-11-25 10:00:00.123456"});
}

TEST_CASE("mirror filter: extended protocol keeps the client's RETURNING columns and describes the portal itself") {
  MirrorFilter f;
  auto sent = messages(client(f, enc(Parse{"s1", "INSERT INTO h (a) VALUES ($1) RETURNING id", {23}}) + enc(Sync{})));
  REQUIRE(types(sent) == "PS");
  auto p = decode_parse(sent[0].body);
  REQUIRE(p);
  CHECK(p->query == "INSERT INTO h (a) VALUES ($1) RETURNING id\n, NULL AS \"tandem.image\", h.*");
  CHECK(types(messages(backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'})))) == "1Z");

  sent = messages(client(
      f, enc(Bind{"", "s1", {0}, {Value{"7"}}, {}}) + enc(Describe{'P', ""}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDDES");  // the proxy's own Describe just before the Execute

  const RowDescription rd{{field("id", 900, 20), field("tandem.image"), field("id", 900, 20), field("a", 900, 23)}};
  std::string reply = enc(BindComplete{}) + enc(rd) + enc(rd) + enc(DataRow{{"9", std::nullopt, "9", "7"}}) +
                      enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'});
  auto to_client = messages(backend(f, reply));
  REQUIRE(types(to_client) == "2TDCZ");
  auto t = decode_row_description(to_client[1].body);
  REQUIRE(t);
  REQUIRE(t->fields.size() == 1);
  CHECK(t->fields[0].name == "id");
  auto d = decode_data_row(to_client[2].body);
  REQUIRE(d);
  CHECK(d->values == std::vector<Value>{"9"});

  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  const auto& s = txs[0].statements.at(0);
  CHECK(s.sql == "INSERT INTO h (a) VALUES ($1) RETURNING id");
  CHECK(s.parameters == std::vector<Value>{"7"});
  CHECK(s.image_rows == std::vector<std::vector<Value>>{{"9", "7"}});
}

TEST_CASE("mirror filter: Describe of a rewritten statement answers NoData; a row limit is lifted") {
  MirrorFilter f;
  auto sent = messages(client(
      f, enc(Parse{"u", "UPDATE acc SET b = b + $1 WHERE id = $2", {}}) + enc(Describe{'S', "u"}) + enc(Sync{})));
  REQUIRE(types(sent) == "PDS");
  std::string reply = enc(ParseComplete{}) + enc(ParameterDescription{{23, 23}}) +
                      enc(RowDescription{{field("tandem.image"), field("id", 901, 23), field("b", 901, 23)}}) +
                      enc(ReadyForQuery{'I'});
  CHECK(types(messages(backend(f, reply))) == "1tnZ");

  sent = messages(client(f, enc(Bind{"", "u", {}, {Value{"5"}, Value{"3"}}, {}}) + enc(Execute{"", 10}) + enc(Sync{})));
  REQUIRE(types(sent) == "BDES");
  auto e = decode_execute(sent[2].body);
  REQUIRE(e);
  CHECK(e->max_rows == 0);  // the client expects no rows, so no PortalSuspended either
  reply = enc(BindComplete{}) +
          enc(RowDescription{{field("tandem.image"), field("id", 901, 23), field("b", 901, 23)}}) +
          enc(DataRow{{std::nullopt, "3", "15"}}) + enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'});
  CHECK(types(messages(backend(f, reply))) == "2CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_op == 'u');
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"3", "15"}});
}

TEST_CASE("mirror filter: rolled-back work leaves nothing; reads and DDL pass unchanged") {
  MirrorFilter f;
  const std::string select = enc(Query{"SELECT 1"});
  CHECK(client(f, select) == select);
  backend(f, enc(RowDescription{{field("?column?")}}) + enc(DataRow{{"1"}}) + enc(CommandComplete{"SELECT 1"}) +
                 enc(ReadyForQuery{'I'}));
  client(f, enc(Query{"BEGIN"}));
  backend(f, enc(CommandComplete{"BEGIN"}) + enc(ReadyForQuery{'T'}));
  client(f, enc(Query{"DELETE FROM h WHERE a = 1"}));
  auto out =
      backend(f, enc(RowDescription{{field("tandem.image"), field("id", 900, 20)}}) +
                     enc(DataRow{{std::nullopt, "5"}}) + enc(CommandComplete{"DELETE 1"}) + enc(ReadyForQuery{'T'}));
  CHECK(types(messages(out)) == "CZ");
  client(f, enc(Query{"ROLLBACK"}));
  backend(f, enc(CommandComplete{"ROLLBACK"}) + enc(ReadyForQuery{'I'}));
  CHECK(f.take_committed().empty());

  const std::string ddl = enc(Query{"ALTER TABLE h ADD COLUMN c int"});
  CHECK(client(f, ddl) == ddl);
  backend(f, enc(CommandComplete{"ALTER TABLE"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_op == 0);
}

TEST_CASE("mirror filter: a non-ISO DateStyle marks captured images as not mirrorable") {
  MirrorFilter f;
  backend(f, enc(ParameterStatus{"DateStyle", "SQL, DMY"}));
  client(f, enc(Query{"INSERT INTO h (a) VALUES (1)"}));
  backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "1"}}) +
                 enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].unsupported);
  CHECK(txs[0].unsupported->find("DateStyle") != std::string::npos);
}

TEST_CASE("mirror filter: writes to tables that are not mirrored pass unchanged and are captured as statements") {
  MirrorFilter f([](std::string_view schema, std::string_view table) { return schema.empty() && table == "h"; });
  const std::string other = enc(Query{"INSERT INTO v (a) VALUES (1)"});
  CHECK(client(f, other) == other);
  CHECK(types(messages(backend(f, enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'})))) == "CZ");
  const std::string qualified = enc(Parse{"", "DELETE FROM s.h WHERE a = $1", {}});
  CHECK(client(f, qualified) == qualified);
  auto sent = messages(client(f, enc(Query{"INSERT INTO h (a) VALUES (2)"})));
  auto q = decode_query(sent.at(0).body);
  REQUIRE(q);
  CHECK(q->sql.find("tandem.image") != std::string::npos);
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_op == 0);
  CHECK(txs[0].statements.at(0).sql == "INSERT INTO v (a) VALUES (1)");
}

TEST_CASE("mirror filter: result format codes for a rewritten statement cover the image columns, as text") {
  MirrorFilter f;
  client(f, enc(Parse{"s", "INSERT INTO h (a) VALUES ($1) RETURNING id", {}}) + enc(Describe{'S', "s"}) + enc(Sync{}));
  const RowDescription rd{{field("id", 900, 20), field("tandem.image"), field("id", 900, 20), field("a", 900, 23)}};
  auto to_client =
      messages(backend(f, enc(ParseComplete{}) + enc(ParameterDescription{{23}}) + enc(rd) + enc(ReadyForQuery{'I'})));
  REQUIRE(types(to_client) == "1tTZ");
  auto t = decode_row_description(to_client[2].body);
  REQUIRE(t);
  CHECK(t->fields.size() == 1);

  // Binary for all columns: binary for the client's, text for the marker and the image.
  auto sent = messages(client(f, enc(Bind{"", "s", {0}, {Value{"1"}}, {1}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "BDES");
  auto b = decode_bind(sent[0].body);
  REQUIRE(b);
  CHECK(b->result_formats == std::vector<std::int16_t>{1, 0, 0, 0});
  backend(f, enc(BindComplete{}) + enc(rd) +
                 enc(DataRow{{std::string("\0\0\0\0\0\0\0\x07", 8), std::nullopt, "7", "1"}}) +
                 enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK_FALSE(txs[0].unsupported);
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"7", "1"}});

  // One code per client column.
  sent = messages(client(f, enc(Bind{"", "s", {0}, {Value{"2"}}, {1}}) + enc(Sync{})));
  b = decode_bind(sent.at(0).body);
  REQUIRE(b);
  CHECK(b->result_formats == std::vector<std::int16_t>{1, 0, 0, 0});
}

TEST_CASE("mirror filter: a function call is answered up to its own ReadyForQuery") {
  MirrorFilter f;
  client(f, enc(FunctionCall{1598, {}, {}, 0}));
  backend(f, enc(FunctionCallResponse{Value{"x"}}) + enc(ReadyForQuery{'I'}));
  client(f, enc(Query{"INSERT INTO h (a) VALUES (3)"}));
  auto out =
      backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "3"}}) +
                     enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  CHECK(types(messages(out)) == "CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"3"}});
}

TEST_CASE("mirror filter: a multi-statement query keeps the client's bytes around what it rewrites") {
  MirrorFilter f;
  auto sent = messages(client(f, enc(Query{"SELECT 1 -- note\n; INSERT INTO t VALUES (1) /* c */;"})));
  auto q = decode_query(sent.at(0).body);
  REQUIRE(q);
  CHECK(q->sql == "SELECT 1 -- note\n; INSERT INTO t VALUES (1)\nRETURNING NULL AS \"tandem.image\", t.*;");
  auto answered =
      backend(f, enc(RowDescription{{field("?column?")}}) + enc(DataRow{{"1"}}) + enc(CommandComplete{"SELECT 1"}) +
                     enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) +
                     enc(DataRow{{std::nullopt, "1"}}) + enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  CHECK(types(messages(answered)) == "TDCCZ");
  CHECK(f.take_committed().size() == 1);

  // Text that does not parse is refused whole by PostgreSQL: it goes as it came.
  const std::string bad = enc(Query{"foo; DELETE FROM t"});
  CHECK(client(f, bad) == bad);
  backend(f, enc(error("42601")) + enc(ReadyForQuery{'I'}));

  // A function body of several statements is one statement, not rewritten.
  const std::string atomic =
      enc(Query{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC UPDATE c SET n = n + 1; "
                "INSERT INTO t VALUES (2); SELECT 1; END; INSERT INTO t VALUES (3)"});
  sent = messages(client(f, atomic));
  q = decode_query(sent.at(0).body);
  REQUIRE(q);
  CHECK(
      q->sql.starts_with("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC UPDATE c SET n = n + 1; "
                         "INSERT INTO t VALUES (2); SELECT 1; END; INSERT INTO t VALUES (3)\nRETURNING"));
  backend(f, enc(CommandComplete{"CREATE FUNCTION"}) +
                 enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "3"}}) +
                 enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 2);
  CHECK(txs[0].statements[1].image_rows == std::vector<std::vector<Value>>{{"3"}});
}

TEST_CASE("mirror filter: a COMMIT that fails (deferred constraint) mirrors nothing") {
  MirrorFilter f;
  client(f, enc(Query{"BEGIN"}));
  backend(f, enc(CommandComplete{"BEGIN"}) + enc(ReadyForQuery{'T'}));
  client(f, enc(Query{"INSERT INTO h (a) VALUES (1)"}));
  backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "1"}}) +
                 enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'T'}));
  client(f, enc(Query{"COMMIT"}));
  backend(f, enc(error("23503")) + enc(ReadyForQuery{'I'}));
  CHECK(f.take_committed().empty());
}

TEST_CASE("mirror filter: a write whose returned rows are fetched in parts is flagged, not mirrored half") {
  MirrorFilter f;
  client(f, enc(Parse{"", "INSERT INTO h (a) SELECT g FROM generate_series(1, 3) g RETURNING a", {}}) +
                enc(Bind{"p", "", {}, {}, {}}) + enc(Execute{"p", 2}) + enc(Sync{}));
  const RowDescription rd{{field("a", 900, 23), field("tandem.image"), field("a", 900, 23)}};
  auto out = backend(f, enc(ParseComplete{}) + enc(BindComplete{}) + enc(rd) + enc(DataRow{{"1", std::nullopt, "1"}}) +
                            enc(DataRow{{"2", std::nullopt, "2"}}) + enc(PortalSuspended{}) + enc(ReadyForQuery{'T'}));
  CHECK(types(messages(out)) == "12DDsZ");
  client(f, enc(Query{"COMMIT"}));
  backend(f, enc(CommandComplete{"COMMIT"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].unsupported);
  CHECK(txs[0].unsupported->find("fetched in parts") != std::string::npos);
}

TEST_CASE("mirror filter: a query of one statement without ';' is captured as PostgreSQL's split would give it") {
  MirrorFilter f;
  // Blanks around it go; the write is still rewritten.
  auto sent = messages(client(f, enc(Query{" \n UPDATE h SET a = 2 WHERE a = 1 \t\n"})));
  auto q = decode_query(sent.at(0).body);
  REQUIRE(q);
  CHECK(q->sql == " \n UPDATE h SET a = 2 WHERE a = 1\nRETURNING NULL AS \"tandem.image\", h.* \t\n");
  backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "2"}}) +
                 enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'}));
  // A comment alone is answered as an empty query: the next answers still meet their statements.
  const std::string comment = enc(Query{"-- nothing to run"});
  CHECK(client(f, comment) == comment);
  backend(f, enc(EmptyQueryResponse{}) + enc(ReadyForQuery{'I'}));
  const std::string blank = enc(Query{"  "});
  CHECK(client(f, blank) == blank);
  backend(f, enc(EmptyQueryResponse{}) + enc(ReadyForQuery{'I'}));
  // A write that does not parse is not rewritten: PostgreSQL's error names the client's own text.
  const std::string broken = enc(Query{"UPDATE h SET"});
  CHECK(client(f, broken) == broken);
  backend(f, enc(error("42601")) + enc(ReadyForQuery{'I'}));
  client(f, enc(Query{"/* lead */ INSERT INTO h (a) VALUES (3)"}));
  backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "3"}}) +
                 enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 2);
  CHECK(txs[0].statements.at(0).sql == "UPDATE h SET a = 2 WHERE a = 1");
  CHECK(txs[0].statements.at(0).image_rows.at(0) == std::vector<Value>{"2"});
  CHECK(txs[1].statements.at(0).sql == "/* lead */ INSERT INTO h (a) VALUES (3)");
  CHECK(txs[1].statements.at(0).image_rows.at(0) == std::vector<Value>{"3"});
}

TEST_CASE("mirror filter: a Parse or Bind that PostgreSQL refuses changes nothing the proxy knows") {
  MirrorFilter f;
  client(f, enc(Parse{"s1", "UPDATE h SET a = $1", {23}}) + enc(Sync{}));
  backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'}));
  // The name is taken: PostgreSQL refuses the second Parse, and skips the Bind after it.
  client(f, enc(Parse{"s1", "SELECT 1", {}}) + enc(Bind{"p", "s1", {}, {}, {}}) + enc(Sync{}));
  backend(f, enc(error("42P05")) + enc(ReadyForQuery{'I'}));
  // A statement that does not parse leaves no name behind either.
  client(f, enc(Parse{"s2", "SELEC 1", {}}) + enc(Sync{}));
  backend(f, enc(error("42601")) + enc(ReadyForQuery{'I'}));

  // s1 is still the rewritten UPDATE: its image columns never reach the client.
  auto sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"7"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
  const RowDescription rd{{field("tandem.image"), field("a", 900, 23)}};
  auto to_client = messages(backend(f, enc(BindComplete{}) + enc(rd) + enc(DataRow{{std::nullopt, "7"}}) +
                                           enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "2CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).sql == "UPDATE h SET a = $1");
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"7"}});

  // A Parse after a failed one of the same name is PostgreSQL's statement from then on.
  client(f, enc(Parse{"s2", "DELETE FROM h WHERE a = 1", {}}) + enc(Sync{}));
  backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'}));
  sent = messages(client(f, enc(Bind{"", "s2", {}, {}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
}

TEST_CASE("mirror filter: after DDL in any session, a rewritten prepared statement is prepared again before its Bind") {
  std::atomic<std::uint64_t> epoch{0};
  MirrorFilter f(MirrorFilter::TablePredicate{}, &epoch);
  client(f, enc(Parse{"s1", "UPDATE h SET a = $1", {23}}) + enc(Sync{}));
  backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'}));

  // Another session adds a column: the image of s1 gets one more, which PostgreSQL refuses for a
  // statement prepared before ("cached plan must not change result type").
  MirrorFilter other(MirrorFilter::TablePredicate{}, &epoch);
  client(other, enc(Query{"BEGIN; ALTER TABLE h ADD COLUMN b int"}));
  backend(other, enc(CommandComplete{"BEGIN"}) + enc(CommandComplete{"ALTER TABLE"}) + enc(ReadyForQuery{'T'}));
  CHECK(epoch == 0);  // not committed yet
  client(other, enc(Query{"COMMIT"}));
  backend(other, enc(CommandComplete{"COMMIT"}) + enc(ReadyForQuery{'I'}));
  CHECK(epoch == 1);

  // In a failed transaction block PostgreSQL would take the Close and refuse the Parse: the
  // statement is left alone until the block ends.
  client(f, enc(Query{"BEGIN; SELECT 1/0"}));
  backend(f, enc(CommandComplete{"BEGIN"}) + enc(error("22012")) + enc(ReadyForQuery{'E'}));
  auto sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"6"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
  backend(f, enc(error("25P02")) + enc(ReadyForQuery{'E'}));
  client(f, enc(Query{"ROLLBACK"}));
  backend(f, enc(CommandComplete{"ROLLBACK"}) + enc(ReadyForQuery{'I'}));

  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"7"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "CPBDES");
  auto again = decode_parse(sent[1].body);
  REQUIRE(again);
  CHECK(again->name == "s1");
  CHECK(again->query == "UPDATE h SET a = $1\nRETURNING NULL AS \"tandem.image\", h.*");
  CHECK(again->parameter_types == std::vector<std::uint32_t>{23});
  const RowDescription rd{{field("tandem.image"), field("a", 900, 23), field("b", 900, 23)}};
  auto to_client = messages(backend(f, enc(CloseComplete{}) + enc(ParseComplete{}) + enc(BindComplete{}) + enc(rd) +
                                           enc(DataRow{{std::nullopt, "7", std::nullopt}}) +
                                           enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "2CZ");  // the proxy's Close and Parse are answered to it alone
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"7", std::nullopt}});

  // Once per DDL.
  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"8"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
}

TEST_CASE(
    "mirror filter: captured rows beyond the shared capture budget are dropped and flagged; the client sees all") {
  CaptureBudget budget(1000);
  MirrorFilter f({}, nullptr, {}, &budget);
  auto insert = [&](const std::string& value) {
    client(f, enc(Query{"INSERT INTO h (v) VALUES ('" + value + "')"}));
    return messages(backend(f, enc(RowDescription{{field("tandem.image"), field("v", 900)}}) +
                                   enc(DataRow{{std::nullopt, value}}) + enc(CommandComplete{"INSERT 0 1"}) +
                                   enc(ReadyForQuery{'T'})));
  };
  client(f, enc(Query{"BEGIN"}));
  backend(f, enc(CommandComplete{"BEGIN"}) + enc(ReadyForQuery{'T'}));

  CHECK(types(insert(std::string(300, 'a'))) == "CZ");
  const std::size_t after_first = budget.held();
  CHECK(after_first > 300);
  CHECK(after_first < 1000);
  // Its image does not fit beside the first statement's: dropped, and nothing more is held.
  CHECK(types(insert(std::string(500, 'b'))) == "CZ");
  CHECK(budget.held() == after_first);
  // A small one still fits.
  CHECK(types(insert("c")) == "CZ");
  CHECK(budget.held() > after_first);

  client(f, enc(Query{"COMMIT"}));
  backend(f, enc(CommandComplete{"COMMIT"}) + enc(ReadyForQuery{'I'}));
  {
    auto txs = f.take_committed();
    REQUIRE(txs.size() == 1);
    REQUIRE(txs[0].unsupported.has_value());
    CHECK(txs[0].unsupported->find("capture memory is full") != std::string::npos);
    CHECK(txs[0].unsupported->find("INSERT INTO h (v) VALUES ('bbb") != std::string::npos);
    REQUIRE(txs[0].statements.size() == 3);
    CHECK(txs[0].statements[0].image_rows.size() == 1);
    CHECK(txs[0].statements[1].image_rows.empty());
    CHECK(!txs[0].statements[1].unsupported.empty());
    CHECK(txs[0].statements[2].image_rows.size() == 1);
    CHECK(budget.held() > 0);
  }
  // Handed on and destroyed: all given back.
  CHECK(budget.held() == 0);
}

TEST_CASE("capture budget: charges move with their statement and are given back once") {
  CaptureBudget budget(100);
  CapturedStatement a;
  CHECK(a.charge.add(&budget, 60));
  CHECK(!a.charge.add(&budget, 50));  // 110 > 100: nothing taken
  CHECK(budget.held() == 60);
  CapturedStatement b = std::move(a);
  CHECK(budget.held() == 60);
  CapturedStatement copy = b;  // a copy holds nothing
  CHECK(copy.charge.bytes() == 0);
  {
    std::vector<CapturedStatement> v;
    v.push_back(std::move(b));
    CHECK(budget.held() == 60);
  }
  CHECK(budget.held() == 0);
  CHECK(budget.take(100));
  CHECK(!budget.take(1));
  budget.give_back(100);
  CHECK(!budget.take(101));
}

TEST_CASE("mirror filter: a write shaped like one PostgreSQL parsed before is rewritten and captured alike") {
  MirrorFilter f;
  auto run = [&](const std::string& sql, const std::string& a, const std::string& id) {
    auto sent = messages(client(f, enc(Query{sql})));
    REQUIRE(sent.size() == 1);
    auto q = decode_query(sent[0].body);
    REQUIRE(q);
    backend(f, enc(RowDescription{{field("tandem.image"), field("id", 900, 23), field("a", 900, 23)}}) +
                   enc(DataRow{{std::nullopt, id, a}}) + enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'}));
    auto txs = f.take_committed();
    REQUIRE(txs.size() == 1);
    REQUIRE(txs[0].statements.size() == 1);
    return std::make_pair(q->sql, txs[0].statements[0]);
  };
  // The first goes through PostgreSQL's split; the second, of the same shape, does not.
  auto [first_sent, first] = run("  UPDATE t SET a = 1 WHERE id = 2\n", "1", "2");
  auto [second_sent, second] = run("  UPDATE t SET a = 30 WHERE id = 40\n", "30", "40");
  CHECK(first_sent == "  UPDATE t SET a = 1 WHERE id = 2\nRETURNING NULL AS \"tandem.image\", t.*\n");
  CHECK(second_sent == "  UPDATE t SET a = 30 WHERE id = 40\nRETURNING NULL AS \"tandem.image\", t.*\n");
  CHECK(first.sql == "UPDATE t SET a = 1 WHERE id = 2");
  CHECK(second.sql == "UPDATE t SET a = 30 WHERE id = 40");
  CHECK(second.image_op == first.image_op);
  CHECK(second.image_op == 'u');
  REQUIRE(second.image_rows.size() == 1);
  CHECK(second.image_rows[0] == std::vector<Value>{"40", "30"});
  // A statement of a shape never parsed is not rewritten when it does not parse: PostgreSQL's
  // own error reaches the client for the text the client sent.
  auto sent = messages(client(f, enc(Query{"UPDATE t SET a = WHERE id = 2"})));
  REQUIRE(sent.size() == 1);
  CHECK(decode_query(sent[0].body)->sql == "UPDATE t SET a = WHERE id = 2");
}

TEST_CASE("mirror filter: a query whose only ';' ends it is captured as PostgreSQL's split would give it") {
  // The proxy's own reading (one statement ending in ';') and PostgreSQL's split (a ';' in a
  // string, or after a line comment) give the same statements and the same rewritten text.
  struct Case {
    std::string query, sent, captured;
  };
  const std::vector<Case> cases = {
      {"UPDATE h SET a = 2 WHERE a = 1;", "UPDATE h SET a = 2 WHERE a = 1\nRETURNING NULL AS \"tandem.image\", h.*;",
       "UPDATE h SET a = 2 WHERE a = 1"},
      {"  UPDATE h SET a = 3 ;\n", "  UPDATE h SET a = 3\nRETURNING NULL AS \"tandem.image\", h.* ;\n",
       "UPDATE h SET a = 3"},
      {"INSERT INTO h (a) VALUES ('x;y');",
       "INSERT INTO h (a) VALUES ('x;y')\nRETURNING NULL AS \"tandem.image\", h.*;",
       "INSERT INTO h (a) VALUES ('x;y')"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query);
    MirrorFilter f;
    auto sent = messages(client(f, enc(Query{c.query})));
    REQUIRE(sent.size() == 1);
    CHECK(decode_query(sent[0].body)->sql == c.sent);
    backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "2"}}) +
                   enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'}));
    auto txs = f.take_committed();
    REQUIRE(txs.size() == 1);
    CHECK(txs[0].statements.at(0).sql == c.captured);
  }
  // A ';' that a line comment may hide: PostgreSQL's split reads the query; a lone ';' is empty.
  MirrorFilter f;
  const std::string commented = enc(Query{"SELECT 1 -- note;"});
  CHECK(client(f, commented) == commented);
  backend(f, enc(RowDescription{{field("?column?")}}) + enc(DataRow{{"1"}}) + enc(CommandComplete{"SELECT 1"}) +
                 enc(ReadyForQuery{'I'}));
  const std::string empty = enc(Query{" ; "});
  CHECK(client(f, empty) == empty);
  backend(f, enc(EmptyQueryResponse{}) + enc(ReadyForQuery{'I'}));
  client(f, enc(Query{"BEGIN;"}));
  backend(f, enc(CommandComplete{"BEGIN"}) + enc(ReadyForQuery{'T'}));
  client(f, enc(Query{"DELETE FROM h WHERE a = 9;"}));
  backend(f, enc(RowDescription{{field("tandem.image"), field("a", 900, 23)}}) + enc(DataRow{{std::nullopt, "9"}}) +
                 enc(CommandComplete{"DELETE 1"}) + enc(ReadyForQuery{'T'}));
  client(f, enc(Query{"END;"}));
  backend(f, enc(CommandComplete{"COMMIT"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0].statements.size() == 1);
  CHECK(txs[0].statements[0].sql == "DELETE FROM h WHERE a = 9");
  CHECK(txs[0].statements[0].image_op == 'd');
}

TEST_CASE("mirror filter: a rewritten statement whose Bind PostgreSQL refuses with 0A000 is prepared again") {
  // DDL the proxy did not see (another connection) changed the table: PostgreSQL refuses the
  // Bind with "cached plan must not change result type". That execution fails; the next one runs.
  std::atomic<std::uint64_t> epoch{0};
  MirrorFilter f(MirrorFilter::TablePredicate{}, &epoch);
  client(f, enc(Parse{"s1", "UPDATE h SET a = $1", {23}}) + enc(Sync{}));
  backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'}));

  auto sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"6"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
  auto to_client = messages(backend(f, enc(error("0A000")) + enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "EZ");
  CHECK(f.take_committed().empty());

  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"7"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "CPBDES");
  auto again = decode_parse(sent[1].body);
  REQUIRE(again);
  CHECK(again->query == "UPDATE h SET a = $1\nRETURNING NULL AS \"tandem.image\", h.*");
  const RowDescription rd{{field("tandem.image"), field("a", 900, 23), field("b", 900, 23)}};
  to_client = messages(backend(f, enc(CloseComplete{}) + enc(ParseComplete{}) + enc(BindComplete{}) + enc(rd) +
                                      enc(DataRow{{std::nullopt, "7", std::nullopt}}) +
                                      enc(CommandComplete{"UPDATE 1"}) + enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "2CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"7", std::nullopt}});

  // Once: the next Bind goes as it is. Another error code changes nothing.
  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"8"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
  backend(f, enc(error("23505")) + enc(ReadyForQuery{'I'}));
  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"9"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
}

TEST_CASE("mirror filter started mid-session: statements prepared before are prepared again, rewritten, before use") {
  // The mirror switched to "proxy": the session prepared s1 (a write), s2 (a read), the unnamed
  // statement (a write) and s3 (text not known) without a filter, which PostgreSQL holds as the
  // client wrote them.
  std::atomic<std::uint64_t> epoch{3};
  MirrorFilter f(MirrorFilter::TablePredicate{}, &epoch);
  f.adopt_parameter("DateStyle", "ISO, MDY");
  f.adopt_statement("s1", Parse{"s1", "UPDATE h SET a = $1", {23}});
  f.adopt_statement("s2", Parse{"s2", "SELECT a FROM h", {}});
  f.adopt_statement("", Parse{"", "DELETE FROM h WHERE a = $1", {}});
  f.adopt_statement("s3", std::nullopt);

  auto sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"7"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "CPBDES");
  auto again = decode_parse(sent[1].body);
  REQUIRE(again);
  CHECK(again->name == "s1");
  CHECK(again->query == "UPDATE h SET a = $1\nRETURNING NULL AS \"tandem.image\", h.*");
  CHECK(again->parameter_types == std::vector<std::uint32_t>{23});
  const RowDescription rd{{field("tandem.image"), field("a", 900, 23)}};
  auto to_client = messages(backend(f, enc(CloseComplete{}) + enc(ParseComplete{}) + enc(BindComplete{}) + enc(rd) +
                                           enc(DataRow{{std::nullopt, "7"}}) + enc(CommandComplete{"UPDATE 1"}) +
                                           enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "2CZ");
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).sql == "UPDATE h SET a = $1");
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"7"}});
  CHECK(txs[0].statements.at(0).unsupported.empty());
  // Once only.
  sent = messages(client(f, enc(Bind{"", "s1", {0}, {Value{"8"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BDES");
  backend(f, enc(BindComplete{}) + enc(rd) + enc(DataRow{{std::nullopt, "8"}}) + enc(CommandComplete{"UPDATE 1"}) +
                 enc(ReadyForQuery{'I'}));
  (void)f.take_committed();

  // A read is left as it is; the unnamed write is prepared again too.
  sent = messages(client(f, enc(Bind{"", "s2", {}, {}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BES");
  backend(f, enc(BindComplete{}) + enc(DataRow{{"8"}}) + enc(CommandComplete{"SELECT 1"}) + enc(ReadyForQuery{'I'}));
  sent = messages(client(f, enc(Bind{"", "", {0}, {Value{"8"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "CPBDES");
  CHECK(decode_parse(sent[1].body)->query == "DELETE FROM h WHERE a = $1\nRETURNING NULL AS \"tandem.image\", h.*");
  backend(f, enc(CloseComplete{}) + enc(ParseComplete{}) + enc(BindComplete{}) + enc(rd) +
                 enc(DataRow{{std::nullopt, "8"}}) + enc(CommandComplete{"DELETE 1"}) + enc(ReadyForQuery{'I'}));
  txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_op == 'd');

  // A write through a statement whose text the session did not know is flagged, not lost.
  sent = messages(client(f, enc(Bind{"", "s3", {}, {}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BES");
  backend(f, enc(BindComplete{}) + enc(CommandComplete{"UPDATE 2"}) + enc(ReadyForQuery{'I'}));
  txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).unsupported.find("before the switch to the proxy mirror") != std::string::npos);
}

TEST_CASE("mirror filter back in a proxy mirror: statements prepared while it had none are prepared again, rewritten") {
  // While the mirror ran in "wal", the filter rewrote nothing (no table got images).
  bool images = false;
  std::atomic<std::uint64_t> epoch{0};
  MirrorFilter f([&](std::string_view, std::string_view) { return images; }, &epoch);
  client(f, enc(Parse{"w", "INSERT INTO h VALUES ($1)", {23}}) + enc(Sync{}));
  backend(f, enc(ParseComplete{}) + enc(ReadyForQuery{'I'}));
  auto sent = messages(client(f, enc(Bind{"", "w", {0}, {Value{"1"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  CHECK(types(sent) == "BES");
  backend(f, enc(BindComplete{}) + enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'}));
  (void)f.take_committed();

  images = true;  // switched to "proxy"
  f.rewrite_prepared();
  sent = messages(client(f, enc(Bind{"", "w", {0}, {Value{"2"}}, {}}) + enc(Execute{"", 0}) + enc(Sync{})));
  REQUIRE(types(sent) == "CPBDES");
  CHECK(decode_parse(sent[1].body)->query == "INSERT INTO h VALUES ($1)\nRETURNING NULL AS \"tandem.image\", h.*");
}

TEST_CASE("mirror filter: a COPY sent with the extended protocol is answered by one ReadyForQuery for two Syncs") {
  // PQexecParams: Parse, Bind, Describe, Execute, Sync; then the data, CopyDone and a Sync.
  // PostgreSQL ignores the first Sync in copy-in mode and answers one ReadyForQuery.
  MirrorFilter f;
  client(f, enc(Parse{"", "COPY h FROM STDIN", {}}) + enc(Bind{"", "", {}, {}, {}}) + enc(Describe{'P', ""}) +
                enc(Execute{"", 0}) + enc(Sync{}));
  CopyInResponse in;
  in.column_formats = {0};
  backend(f, enc(ParseComplete{}) + enc(BindComplete{}) + enc(NoData{}) + enc(in));
  client(f, enc(CopyData{"7\n"}) + enc(CopyDone{}) + enc(Sync{}));
  backend(f, enc(CommandComplete{"COPY 1"}) + enc(ReadyForQuery{'I'}));
  auto txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).copy_data == "7\n");

  // The session goes on in step: the next write's rows are its own.
  auto sent = messages(client(f, enc(Query{"INSERT INTO h VALUES (8)"})));
  REQUIRE(types(sent) == "Q");
  const RowDescription rd{{field("tandem.image"), field("a", 900, 23)}};
  auto to_client = messages(backend(
      f, enc(rd) + enc(DataRow{{std::nullopt, "8"}}) + enc(CommandComplete{"INSERT 0 1"}) + enc(ReadyForQuery{'I'})));
  CHECK(types(to_client) == "CZ");
  txs = f.take_committed();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].statements.at(0).image_rows == std::vector<std::vector<Value>>{{"8"}});
}

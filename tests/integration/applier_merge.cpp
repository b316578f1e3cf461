// The applier against MariaDB: row writes to tables whose only unique key is the primary key are
// merged per batch (the last write per key), and end in the same state as applying them one by
// one; tables where the order can show (another unique key, a foreign key) keep every write in
// order; replayed statements see every earlier write of the batch. And the applier's connections
// notice a MySQL host that went silent.
#include <doctest/doctest.h>
#include <mysql.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "config/database_url.hpp"
#include "migrator/apply/applier.hpp"
#include "migrator/db/mysql_connection.hpp"
#include "support/migration_db.hpp"
#include "tests/common/expected_checks.hpp"

using tandem::migrator::Applier;
using tandem::migrator::RowChange;
using tandem::migrator::SourceTransaction;
namespace wal = tandem::migrator::wal;

namespace {

// The child's relation id sorts before its parent's: merged writes of different tables are
// written in id order, which would put the child first.
constexpr std::uint32_t kSimple = 1, kUnique = 2, kChild = 3, kParent = 4;

wal::Relation relation(std::uint32_t id, const std::string& name, std::vector<std::string> columns) {
  wal::Relation r;
  r.id = id;
  r.schema = "public";
  r.name = name;
  for (std::size_t i = 0; i < columns.size(); ++i)
    r.columns.push_back({i == 0, columns[i], i == 0 ? 23u : 25u, -1});  // int4 key, text values
  return r;
}

wal::Tuple tuple(std::vector<std::optional<std::string>> values) {
  wal::Tuple t;
  for (auto& v : values) t.push_back(v ? wal::TupleValue{'t', *v} : wal::TupleValue{'n', {}});
  return t;
}

RowChange upsert(std::uint32_t rel, std::vector<std::optional<std::string>> row) {
  return RowChange{RowChange::Kind::update, rel, std::nullopt, tuple(std::move(row)), {}, {}};
}

RowChange remove(std::uint32_t rel, const std::string& key, std::size_t columns) {
  std::vector<std::optional<std::string>> row(columns);
  row[0] = key;
  return RowChange{RowChange::Kind::remove, rel, tuple(std::move(row)), {}, {}, {}};
}

RowChange raw(std::string sql) { return RowChange{RowChange::Kind::raw, 0, std::nullopt, {}, {}, std::move(sql)}; }

std::string rows_of(tandem::migrator::MysqlConnection& my, const std::string& sql) {
  auto r = my.query(sql);
  REQUIRE_VALUE(r, r.error().message);
  std::string out;
  for (const auto& row : r->rows) {
    for (const auto& v : row) out += (v ? *v : std::string("NULL")) + "|";
    out += "\n";
  }
  return out;
}

std::uint64_t inserts_run(tandem::migrator::MysqlConnection& my) {
  auto r = my.query("SHOW SESSION STATUS LIKE 'Com_insert'");
  REQUIRE(r.has_value());
  return std::stoull(*r->rows[0][1]);
}

}  // namespace

TEST_CASE("a batch of row writes is merged per key where MySQL cannot tell the order, and kept in order elsewhere") {
  tandem::it::Databases db("applier_merge");
  auto url = tandem::config::parse_mysql_url(db.mysql_url());
  REQUIRE(url.has_value());
  auto my = tandem::migrator::MysqlConnection::connect(*url, tandem::sql::Dialect::mariadb);
  REQUIRE_VALUE(my, my.error().message);
  for (const char* ddl : {
           "CREATE TABLE simple (id INT PRIMARY KEY, v TEXT)",
           "CREATE TABLE uniq (id INT PRIMARY KEY, email VARCHAR(50) UNIQUE)",
           "CREATE TABLE parent (id INT PRIMARY KEY, v TEXT)",
           "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id))",
       })
    REQUIRE(my->exec(ddl).has_value());

  auto type_namer = [](std::uint32_t oid, std::int32_t) -> std::expected<std::string, std::string> {
    return oid == 23 ? std::string("integer") : std::string("text");
  };
  auto column_definer = [](const std::string&, const std::string&,
                           const std::string&) -> std::expected<std::string, std::string> {
    return std::unexpected(std::string("no column is added in this test"));
  };
  Applier applier(*my, type_namer, column_definer, tandem::sql::Dialect::mariadb, "merge-test");
  REQUIRE(applier.load_position().has_value());
  REQUIRE(applier.on_relation(relation(kSimple, "simple", {"id", "v"})).has_value());
  REQUIRE(applier.on_relation(relation(kUnique, "uniq", {"id", "email"})).has_value());
  REQUIRE(applier.on_relation(relation(kParent, "parent", {"id", "v"})).has_value());
  REQUIRE(applier.on_relation(relation(kChild, "child", {"id", "parent_id"})).has_value());

  {
    auto first = applier.apply({SourceTransaction{50, 0, {upsert(kUnique, {"1", "x@example.com"})}}});
    REQUIRE_VALUE(first, first.error());
  }
  std::vector<SourceTransaction> batch;
  wal::Lsn lsn = 100;
  auto tx = [&](std::vector<RowChange> changes) {
    batch.push_back(SourceTransaction{lsn += 10, 0, std::move(changes)});
  };
  // simple: a hot row written 200 times, a row deleted then written again, one written then
  // deleted, and a replayed statement that must see the writes before it.
  tx({upsert(kSimple, {"1", "first"}), upsert(kSimple, {"2", "two"}), upsert(kSimple, {"3", "three"})});
  for (int i = 0; i < 200; ++i) tx({upsert(kSimple, {"1", "v" + std::to_string(i)})});
  tx({remove(kSimple, "2", 2)});
  tx({upsert(kSimple, {"2", "two again"}), remove(kSimple, "3", 2)});
  tx({raw("UPDATE `simple` SET v = CONCAT(v, '!') WHERE id = 1")});
  tx({upsert(kSimple, {"4", "after the statement"})});
  // uniq: row 1 holds an e-mail address (applied in the earlier batch). Row 2 is written, row 1
  // gives the address up, row 2 takes it. Merged per key, row 2's final write would go first, meet
  // row 1's address and update row 1 instead of inserting row 2.
  tx({upsert(kUnique, {"2", "w@example.com"})});
  tx({upsert(kUnique, {"1", "y@example.com"})});
  tx({upsert(kUnique, {"2", "x@example.com"})});
  // parent/child: the child row needs its parent first.
  tx({upsert(kParent, {"10", "p"}), upsert(kChild, {"20", "10"})});
  tx({upsert(kParent, {"10", "p2"})});

  const auto inserts_before = inserts_run(*my);
  auto applied = applier.apply(batch);
  REQUIRE_VALUE(applied, applied.error());
  CHECK(*applied == lsn);
  const auto inserts = inserts_run(*my) - inserts_before;

  CHECK(rows_of(*my, "SELECT id, v FROM simple ORDER BY id") == "1|v199!|\n2|two again|\n4|after the statement|\n");
  CHECK(rows_of(*my, "SELECT id, email FROM uniq ORDER BY id") == "1|y@example.com|\n2|x@example.com|\n");
  CHECK(rows_of(*my, "SELECT id, v FROM parent") == "10|p2|\n");
  CHECK(rows_of(*my, "SELECT id, parent_id FROM child") == "20|10|\n");
  // simple's 205 row writes went as a few statements: before the replayed UPDATE, one upsert
  // (rows 1 and 2) and one delete (row 3); after it, one upsert (row 4). uniq's 3 and the
  // parent's and child's 3 stay one statement each, and the position is one more.
  CHECK(inserts == 2 + 3 + 3 + 1);

  // Applied again (as after a restart before the position was read): nothing changes.
  auto again = applier.apply(batch);
  REQUIRE(again.has_value());
  CHECK(rows_of(*my, "SELECT id, v FROM simple ORDER BY id") == "1|v199!|\n2|two again|\n4|after the statement|\n");
}

TEST_CASE("a connection to MySQL notices a peer that went silent: TCP keepalive after 30 s idle, 60 s unacknowledged") {
  tandem::it::Databases db("mysql_keepalive");
  auto url = tandem::config::parse_mysql_url(db.mysql_url());
  REQUIRE(url.has_value());
  auto my = tandem::migrator::MysqlConnection::connect(*url, tandem::sql::Dialect::mariadb);
  REQUIRE_VALUE(my, my.error().message);
  const int fd = static_cast<int>(mysql_get_socket(my->raw()));
  REQUIRE(fd >= 0);
  auto option = [&](int level, int name) {
    int v = -1;
    socklen_t size = sizeof v;
    REQUIRE(::getsockopt(fd, level, name, &v, &size) == 0);
    return v;
  };
  CHECK(option(SOL_SOCKET, SO_KEEPALIVE) == 1);
  CHECK(option(IPPROTO_TCP, TCP_KEEPIDLE) == 30);
  CHECK(option(IPPROTO_TCP, TCP_KEEPINTVL) == 10);
  CHECK(option(IPPROTO_TCP, TCP_KEEPCNT) == 3);
  CHECK(option(IPPROTO_TCP, TCP_USER_TIMEOUT) == 60000);
  CHECK(my->query("SELECT 1").has_value());
}

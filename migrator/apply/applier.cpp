// Row changes -> idempotent MySQL statements, applied with their position.
#include "migrator/apply/applier.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "config/log.hpp"
#include "migrator/db/pg_connection.hpp"
#include "protocol/sql/catalog.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/translator.hpp"
#include "protocol/sql/type_map.hpp"
#include "protocol/sql/value_conversion.hpp"

namespace tandem::migrator {

Applier::Applier(MysqlConnection& mysql, TypeNamer type_namer, ColumnDefiner column_definer, sql::Dialect dialect,
                 std::string position_key)
    : mysql_(mysql),
      type_namer_(std::move(type_namer)),
      column_definer_(std::move(column_definer)),
      dialect_(dialect),
      position_key_(std::move(position_key)) {}

std::expected<wal::Lsn, std::string> Applier::load_position() {
  for (const char* ddl :
       {"CREATE DATABASE IF NOT EXISTS `tandem_meta` CHARACTER SET utf8mb4",
        "CREATE TABLE IF NOT EXISTS `tandem_meta`.`apply_state` (name VARCHAR(64) PRIMARY KEY, "
        "position VARCHAR(32) NOT NULL, transactions BIGINT NOT NULL DEFAULT 0, applied_at DATETIME(6)) ENGINE=InnoDB"})
    if (auto r = mysql_.exec(ddl); !r) return std::unexpected(r.error().message);
  auto rows =
      mysql_.query("SELECT position FROM `tandem_meta`.`apply_state` WHERE name = " + sql::quote_string(position_key_));
  if (!rows) return std::unexpected(rows.error().message);
  applied_ = 0;
  if (!rows->rows.empty() && rows->rows[0][0]) {
    auto lsn = wal::parse_lsn(*rows->rows[0][0]);
    if (!lsn) return std::unexpected("tandem_meta.apply_state holds an unreadable position: " + *rows->rows[0][0]);
    applied_ = *lsn;
  }
  return applied_;
}

TypeNamer source_type_namer(PgConnection& pg) {
  auto names = std::make_shared<std::map<std::pair<std::uint32_t, std::int32_t>, std::string>>();
  return [&pg, names](std::uint32_t oid, std::int32_t typmod) -> std::expected<std::string, std::string> {
    auto key = std::make_pair(oid, typmod);
    if (auto it = names->find(key); it != names->end()) return it->second;
    auto r = pg.query("SELECT format_type($1::oid, $2::int)", {std::to_string(oid), std::to_string(typmod)});
    if (!r) return std::unexpected(r.error().message);
    return (*names)[key] = *r->rows[0][0];
  };
}

ColumnDefiner source_column_definer(PgConnection& pg) {
  return [&pg](const std::string& schema, const std::string& table,
               const std::string& column) -> std::expected<std::string, std::string> {
    auto r = pg.query(
        "SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || "
        "COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a LEFT JOIN pg_attrdef d ON "
        "d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = (quote_ident($1) || '.' || "
        "quote_ident($2))::regclass "
        "AND a.attname = $3 AND NOT a.attisdropped",
        {schema, table, column});
    if (!r) return std::unexpected(r.error().message);
    // Renamed or dropped again before the applier reached the ADD COLUMN: which values existing
    // rows hold for it (its default when added) can no longer be known, so stop rather than guess.
    if (r->rows.empty())
      return std::unexpected(
          std::string("the column was renamed or dropped on the source before the applier reached its ADD COLUMN; "
                      "the values existing rows hold for it cannot be known: re-copy the table"));
    return *r->rows[0][0];
  };
}

std::expected<void, std::string> Applier::on_relation(const wal::Relation& relation) {
  const std::string qualified = relation.schema + "." + relation.name;
  const std::string mysql_table =
      (relation.schema == "public" ? std::string() : sql::quote_identifier(relation.schema) + ".") +
      sql::quote_identifier(relation.name);
  // What MySQL has now, in column order.
  auto current =
      mysql_.query("SELECT column_name FROM information_schema.columns WHERE table_schema = " +
                   (relation.schema == "public" ? std::string("DATABASE()") : sql::quote_string(relation.schema)) +
                   " AND table_name = " + sql::quote_string(relation.name) + " ORDER BY ordinal_position");
  if (!current) return std::unexpected(current.error().message);
  if (current->rows.empty()) return std::unexpected("table " + qualified + " does not exist on MySQL");
  std::vector<std::string> have;
  for (const auto& r : current->rows) have.push_back(*r[0]);
  auto contains = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  std::vector<std::string> wanted;
  for (const auto& c : relation.columns) wanted.push_back(c.name);
  std::vector<std::string> added, dropped;
  for (const auto& w : wanted)
    if (!contains(have, w)) added.push_back(w);
  for (const auto& h : have)
    if (!contains(wanted, h)) dropped.push_back(h);
  std::vector<std::string> ddl;
  // One column gone and one new where it stood, of the same type as before: a rename, which keeps
  // the values. Without the earlier shape to compare types with, it is a drop and an add.
  const auto previous = relations_.find(relation.id);
  if (added.size() == 1 && dropped.size() == 1 && previous != relations_.end()) {
    const auto new_at = std::find(wanted.begin(), wanted.end(), added[0]) - wanted.begin();
    const auto old_at = std::find(have.begin(), have.end(), dropped[0]) - have.begin();
    const wal::RelationColumn* before = nullptr;
    for (const auto& c : previous->second.columns)
      if (c.name == dropped[0]) before = &c;
    const auto& after = relation.columns[static_cast<std::size_t>(new_at)];
    if (new_at == old_at && before && before->type_oid == after.type_oid && before->typmod == after.typmod) {
      ddl.push_back("ALTER TABLE " + mysql_table + " RENAME COLUMN " + sql::quote_identifier(dropped[0]) + " TO " +
                    sql::quote_identifier(added[0]));
      added.clear();
      dropped.clear();
    }
  }
  for (const auto& d : dropped)
    ddl.push_back("ALTER TABLE " + mysql_table + " DROP COLUMN " + sql::quote_identifier(d));
  for (const auto& a : added) {
    auto definition = column_definer_(relation.schema, relation.name, a);
    if (!definition) return std::unexpected("table " + qualified + ": new column " + a + ": " + definition.error());
    // The translator gives the MySQL type, default and NULLability PostgreSQL gave the column;
    // MySQL fills existing rows with that default, as PostgreSQL did.
    sql::Translator translator({.dialect = dialect_});
    auto t = translator.translate("ALTER TABLE " + quote_pg_identifier(relation.schema) + "." +
                                  quote_pg_identifier(relation.name) + " ADD COLUMN " + quote_pg_identifier(a) + " " +
                                  *definition);
    if (!t) return std::unexpected("table " + qualified + ": new column " + a + ": " + sql::describe(t.error()));
    for (const auto& s : (*t)->statements) ddl.push_back(s);
  }
  // Same name, new type.
  if (auto old = relations_.find(relation.id); old != relations_.end()) {
    for (const auto& c : relation.columns) {
      for (const auto& o : old->second.columns) {
        if (o.name != c.name || (o.type_oid == c.type_oid && o.typmod == c.typmod)) continue;
        auto definition = column_definer_(relation.schema, relation.name, c.name);
        if (!definition)
          return std::unexpected("table " + qualified + ": retyped column " + c.name + ": " + definition.error());
        auto type = type_namer_(c.type_oid, c.typmod);
        if (!type) return std::unexpected(type.error());
        auto mysql_type = sql::mysql_column_type(sql::parse_type_string(*type), dialect_, sql::Catalog{});
        if (!mysql_type)
          return std::unexpected("table " + qualified + ": column " + c.name + ": " + mysql_type.error());
        const bool not_null = definition->find("NOT NULL") != std::string::npos;
        ddl.push_back("ALTER TABLE " + mysql_table + " MODIFY COLUMN " + sql::quote_identifier(c.name) + " " +
                      *mysql_type + (not_null ? " NOT NULL" : ""));
      }
    }
  }
  for (const auto& s : ddl) {
    if (auto r = mysql_.exec(s); !r)
      return std::unexpected("table " + qualified + ": applying the source's schema change: " + r.error().message);
    log::info("apply.schema_change").kv("table", qualified).kv("statement", s);
    ++schema_changes_;
  }
  relations_[relation.id] = relation;
  tables_.erase(relation.id);  // re-resolved with the new shape on next use
  return {};
}

std::expected<Applier::Table*, std::string> Applier::table(std::uint32_t id) {
  if (auto it = tables_.find(id); it != tables_.end()) return &it->second;
  auto rel = relations_.find(id);
  if (rel == relations_.end())
    return std::unexpected("change for relation " + std::to_string(id) + " before its Relation message");
  Table t;
  t.relation = rel->second;
  for (const auto& c : t.relation.columns) {
    auto name = type_namer_(c.type_oid, c.typmod);
    if (!name) return std::unexpected("table " + t.relation.schema + "." + t.relation.name + ": " + name.error());
    t.types.push_back(*name);
  }
  t.mysql_name = (t.relation.schema == "public" ? std::string() : sql::quote_identifier(t.relation.schema) + ".") +
                 sql::quote_identifier(t.relation.name);
  auto mergeable = is_mergeable(t);
  if (!mergeable) return std::unexpected(mergeable.error());
  t.mergeable = *mergeable;
  return &tables_.emplace(id, std::move(t)).first->second;
}

// Merging and reordering writes is safe only where nothing on MySQL can tell the order: the
// upsert's ON DUPLICATE KEY must only ever meet the primary key (another unique key could meet a
// row that, in source order, had already released the value), and no foreign key or trigger may
// look at other rows or tables while the writes run.
std::expected<bool, std::string> Applier::is_mergeable(const Table& t) {
  std::vector<std::string> key;
  for (const auto& c : t.relation.columns)
    if (c.key) key.push_back(c.name);
  if (key.empty()) return false;
  const std::string schema =
      t.relation.schema == "public" ? std::string("DATABASE()") : sql::quote_string(t.relation.schema);
  const std::string name = sql::quote_string(t.relation.name);
  auto r = mysql_.query(
      "SELECT (SELECT GROUP_CONCAT(CONCAT(index_name, ':', column_name) ORDER BY index_name, seq_in_index "
      "SEPARATOR '\n') FROM information_schema.statistics WHERE table_schema = " +
      schema + " AND table_name = " + name +
      " AND non_unique = 0), (SELECT COUNT(*) FROM information_schema.key_column_usage WHERE "
      "referenced_table_name IS NOT NULL AND ((table_schema = " +
      schema + " AND table_name = " + name + ") OR (referenced_table_schema = " + schema +
      " AND referenced_table_name = " + name +
      "))), (SELECT COUNT(*) FROM information_schema.triggers WHERE event_object_schema = " + schema +
      " AND event_object_table = " + name + ")");
  if (!r) return std::unexpected("table " + t.relation.schema + "." + t.relation.name + ": " + r.error().message);
  if (r->rows.empty() || !r->rows[0][0] || !r->rows[0][1] || !r->rows[0][2]) return false;
  std::string want;
  for (const auto& k : key) want += (want.empty() ? "" : "\n") + std::string("PRIMARY:") + k;
  // The key columns in index order may differ from table order: compare as sets of lines.
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
      const auto end = std::min(text.find('\n', at), text.size());
      out.push_back(text.substr(at, end - at));
      at = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  return lines(*r->rows[0][0]) == lines(want) && *r->rows[0][1] == "0" && *r->rows[0][2] == "0";
}

std::string Applier::upsert_head(const Table& t) const {
  std::string columns;
  for (const auto& c : t.relation.columns) columns += (columns.empty() ? "" : ", ") + sql::quote_identifier(c.name);
  return "INSERT INTO " + t.mysql_name + " (" + columns + ") VALUES ";
}

std::string Applier::upsert_tail(const Table& t) const {
  std::string assignments;
  for (const auto& c : t.relation.columns) {
    if (c.key) continue;
    const std::string name = sql::quote_identifier(c.name);
    assignments += (assignments.empty() ? "" : ", ") + name + " = VALUES(" + name + ")";
  }
  if (assignments.empty()) {
    const std::string first = sql::quote_identifier(t.relation.columns[0].name);
    assignments = first + " = " + first;
  }
  return " ON DUPLICATE KEY UPDATE " + assignments;
}

std::expected<bool, std::string> Applier::merge(const RowChange& change, std::map<std::uint32_t, Merged>& merged) {
  if (change.kind != RowChange::Kind::insert && change.kind != RowChange::Kind::update &&
      change.kind != RowChange::Kind::remove)
    return false;
  auto found = table(change.relation);
  if (!found) return std::unexpected(found.error());
  const Table& t = **found;
  if (!t.mergeable) return false;
  const bool remove = change.kind == RowChange::Kind::remove;
  // A key that changed, values not resent (TOAST), a NULL in the key: a statement of its own.
  if (change.kind == RowChange::Kind::update && change.old_key) return false;
  if (remove && !change.old_key) return false;
  const wal::Tuple& source = remove ? *change.old_key : change.row;
  if (!remove && source.size() != t.relation.columns.size()) return false;
  std::string key, values;
  for (std::size_t i = 0; i < t.relation.columns.size() && i < source.size(); ++i) {
    const bool is_key = t.relation.columns[i].key;
    if (source[i].kind == 'u' || (is_key && source[i].kind == 'n')) return false;
    if (remove && !is_key) continue;
    auto v = value(t, i, source[i]);
    if (!v) return std::unexpected(v.error());
    if (is_key) key += *v + '\x00';
    values += (values.empty() ? "(" : ", ") + *v;
  }
  if (key.empty()) return false;
  values += ")";
  merged[change.relation].writes.insert_or_assign(std::move(key), Merged::Write{remove, std::move(values)});
  return true;
}

void Applier::flush_merged(std::map<std::uint32_t, Merged>& merged, std::vector<std::string>& statements) {
  constexpr std::size_t kStatementBytes = 1 << 20;  // well under MySQL's max_allowed_packet
  for (auto& [relation, m] : merged) {
    const Table& t = tables_.at(relation);
    std::string key_columns;
    std::size_t key_count = 0;
    for (const auto& c : t.relation.columns) {
      if (!c.key) continue;
      key_columns += (key_columns.empty() ? "" : ", ") + sql::quote_identifier(c.name);
      ++key_count;
    }
    if (key_count > 1) key_columns = "(" + key_columns + ")";
    const std::string head = upsert_head(t), tail = upsert_tail(t);
    const std::string delete_head = "DELETE FROM " + t.mysql_name + " WHERE " + key_columns + " IN (";
    std::string upserts, deletes;
    auto finish = [&](std::string& text, bool remove) {
      if (text.empty()) return;
      statements.push_back(remove ? delete_head + text + ")" : head + text + tail);
      text.clear();
    };
    // Every key has one write left, so the deletes and the upserts touch different rows.
    for (const auto& [key, w] : m.writes) {
      std::string& text = w.remove ? deletes : upserts;
      // A single-column key is listed bare: "k IN (1, 2)", not "k IN ((1), (2))".
      const std::string item = w.remove && key_count == 1 ? w.values.substr(1, w.values.size() - 2) : w.values;
      text += (text.empty() ? "" : ", ") + item;
      if (text.size() >= kStatementBytes) finish(text, w.remove);
    }
    finish(deletes, true);
    finish(upserts, false);
  }
  merged.clear();
}

std::expected<std::string, std::string> Applier::value(const Table& t, std::size_t column,
                                                       const wal::TupleValue& v) const {
  if (v.kind == 'n') return std::string("NULL");
  auto converted = sql::to_mysql_value(t.types[column], v.text);
  if (!converted)
    return std::unexpected("table " + t.relation.schema + "." + t.relation.name + " column " +
                           t.relation.columns[column].name + ": " + converted.error());
  return sql::quote_string(*converted);
}

std::expected<std::string, std::string> Applier::key_predicate(const Table& t, const wal::Tuple& key_source) const {
  std::string where;
  for (std::size_t i = 0; i < t.relation.columns.size() && i < key_source.size(); ++i) {
    if (!t.relation.columns[i].key) continue;
    if (key_source[i].kind == 'u') return std::unexpected("key column " + t.relation.columns[i].name + " was not sent");
    auto v = value(t, i, key_source[i]);
    if (!v) return std::unexpected(v.error());
    where += (where.empty() ? "" : " AND ") + sql::quote_identifier(t.relation.columns[i].name) +
             (key_source[i].kind == 'n' ? " IS NULL" : " = " + *v);
  }
  if (where.empty())
    return std::unexpected("table " + t.relation.schema + "." + t.relation.name +
                           " has no replica identity key columns");
  return where;
}

std::expected<std::vector<std::string>, std::string> Applier::statement_for(const RowChange& change) {
  if (change.kind == RowChange::Kind::raw) return std::vector<std::string>{change.raw_sql};
  if (change.kind == RowChange::Kind::truncate) {
    std::vector<std::string> out;
    for (auto id : change.truncated) {
      auto t = table(id);
      if (!t) return std::unexpected(t.error());
      out.push_back("DELETE FROM " + (*t)->mysql_name);
    }
    return out;
  }
  auto found = table(change.relation);
  if (!found) return std::unexpected(found.error());
  const Table& t = **found;
  if (change.row.size() != t.relation.columns.size() && change.kind != RowChange::Kind::remove)
    return std::unexpected("table " + t.relation.name + ": a row has " + std::to_string(change.row.size()) +
                           " columns, the relation " + std::to_string(t.relation.columns.size()));
  if (change.kind == RowChange::Kind::remove) {
    auto where = key_predicate(t, *change.old_key);
    if (!where) return std::unexpected(where.error());
    return std::vector<std::string>{"DELETE FROM " + t.mysql_name + " WHERE " + *where};
  }
  bool unchanged_toast = false;
  for (const auto& v : change.row) unchanged_toast = unchanged_toast || v.kind == 'u';
  std::vector<std::string> statements;
  if (change.kind == RowChange::Kind::update && change.old_key && !unchanged_toast) {
    // The key changed: the row under the old key goes; the new row is written below.
    auto where = key_predicate(t, *change.old_key);
    if (!where) return std::unexpected(where.error());
    statements.push_back("DELETE FROM " + t.mysql_name + " WHERE " + *where);
  }
  if (change.kind == RowChange::Kind::update && unchanged_toast) {
    // Values PostgreSQL did not resend stay as they are: update only what was sent.
    std::string set;
    for (std::size_t i = 0; i < change.row.size(); ++i) {
      if (change.row[i].kind == 'u') continue;
      auto v = value(t, i, change.row[i]);
      if (!v) return std::unexpected(v.error());
      set += (set.empty() ? "" : ", ") + sql::quote_identifier(t.relation.columns[i].name) + " = " + *v;
    }
    auto where = key_predicate(t, change.old_key ? *change.old_key : change.row);
    if (!where) return std::unexpected(where.error());
    return std::vector<std::string>{"UPDATE " + t.mysql_name + " SET " + set + " WHERE " + *where};
  }
  // Insert, or update of a whole row: an upsert, so replaying it changes nothing.
  std::string values;
  for (std::size_t i = 0; i < change.row.size(); ++i) {
    auto v = value(t, i, change.row[i]);
    if (!v) return std::unexpected(v.error());
    values += (values.empty() ? "(" : ", ") + *v;
  }
  statements.push_back(upsert_head(t) + values + ")" + upsert_tail(t));
  return statements;
}

std::expected<wal::Lsn, std::string> Applier::apply(const std::vector<SourceTransaction>& batch) {
  std::vector<std::string> statements;
  wal::Lsn last = applied_;
  std::uint64_t transactions = 0, rows = 0;
  // The batch commits on MySQL as one transaction, so only its end state is ever seen there. Row
  // writes to mergeable tables are held back and written together, the last write per key only:
  // pgbench's branches and tellers, updated in most transactions, become one row each per batch.
  // Any other statement (a replayed source statement, a TRUNCATE, a key change) writes what is
  // held back first, so it sees every earlier write.
  std::map<std::uint32_t, Merged> merged;
  for (const auto& tx : batch) {
    if (tx.end_lsn <= applied_) continue;  // applied before a restart: never twice
    for (const auto& change : tx.changes) {
      ++rows;
      auto held = merge(change, merged);
      if (!held) return std::unexpected(held.error());
      if (*held) continue;
      auto s = statement_for(change);
      if (!s) return std::unexpected(s.error());
      const bool own_row_write = change.kind != RowChange::Kind::raw && change.kind != RowChange::Kind::truncate &&
                                 !tables_.at(change.relation).mergeable;
      if (!own_row_write) flush_merged(merged, statements);
      for (auto& one : *s) statements.push_back(std::move(one));
    }
    last = std::max(last, tx.end_lsn);
    ++transactions;
  }
  flush_merged(merged, statements);
  if (last == applied_) return applied_;
  // One MySQL transaction, sent as few multi-statement texts as its size allows (usually one
  // round trip): the rows, and the position they bring the applier to.
  std::vector<std::string> text;
  text.reserve(statements.size() + 3);
  text.emplace_back("START TRANSACTION");
  for (auto& st : statements) text.push_back(std::move(st));
  text.push_back("INSERT INTO `tandem_meta`.`apply_state` (name, position, transactions, applied_at) VALUES (" +
                 sql::quote_string(position_key_) + ", " + sql::quote_string(wal::format_lsn(last)) + ", " +
                 std::to_string(transactions) +
                 ", NOW(6)) ON DUPLICATE KEY UPDATE position = VALUES(position), "
                 "transactions = transactions + VALUES(transactions), applied_at = VALUES(applied_at)");
  text.emplace_back("COMMIT");
  if (auto r = mysql_.exec_batch(text); !r) {
    // Whatever ran is rolled back; if the COMMIT itself was lost, the stored position tells.
    (void)mysql_.exec("ROLLBACK");
    return std::unexpected(r.error().message);
  }
  applied_ = last;
  transactions_applied_ += transactions;
  rows_applied_ += rows;
  return applied_;
}

}  // namespace tandem::migrator

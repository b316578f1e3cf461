// The applier: source transactions applied to MySQL in commit order, several per MySQL
// transaction, idempotently, with the applied position stored in the same MySQL transaction.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "migrator/db/mysql_connection.hpp"
#include "migrator/wal/pgoutput_decoder.hpp"
#include "protocol/sql/translation.hpp"

namespace tandem::migrator {

struct RowChange {
  // raw: a MySQL statement run as is, in order with the others (a replayed source statement).
  enum class Kind { insert, update, remove, truncate, raw } kind = Kind::insert;
  std::uint32_t relation = 0;
  std::optional<wal::Tuple> old_key;
  wal::Tuple row;
  std::vector<std::uint32_t> truncated;  // for truncate
  std::string raw_sql;                   // for raw
};

struct SourceTransaction {
  wal::Lsn end_lsn = 0;          // the position after its commit: what the applier records
  std::int64_t commit_time = 0;  // microseconds since 2000-01-01, PostgreSQL's epoch
  std::vector<RowChange> changes;
  std::uint32_t xid = 0;  // PostgreSQL's transaction ID, from the replication stream (0: none)
};

// Resolves a column's (type oid, typmod) to PostgreSQL's type name, e.g. by format_type().
using TypeNamer = std::function<std::expected<std::string, std::string>(std::uint32_t oid, std::int32_t typmod)>;
// The PostgreSQL definition of a column as the source has it now ("integer NOT NULL DEFAULT 5"),
// for adding it on MySQL when a Relation message shows it.
using ColumnDefiner = std::function<std::expected<std::string, std::string>(
    const std::string& schema, const std::string& table, const std::string& column)>;

class PgConnection;
// format_type() on the source, cached per (oid, typmod). `pg` must outlive the namer.
TypeNamer source_type_namer(PgConnection& pg);
// The column's definition on the source now; an error naming why when it is gone.
ColumnDefiner source_column_definer(PgConnection& pg);

class Applier {
 public:
  // `position_key` names the row in tandem_meta.apply_state this applier owns ("wal").
  Applier(MysqlConnection& mysql, TypeNamer type_namer, ColumnDefiner column_definer, sql::Dialect dialect,
          std::string position_key);

  // Creates tandem_meta.apply_state if needed and reads the applied position (0 when none).
  std::expected<wal::Lsn, std::string> load_position();
  // A Relation message: the table's shape from now on. Added, dropped, renamed and retyped
  // columns are changed on MySQL first (DDL commits on its own: apply pending work before).
  std::expected<void, std::string> on_relation(const wal::Relation& relation);
  std::uint64_t schema_changes() const { return schema_changes_; }

  // Applies the transactions not yet applied (end_lsn above the stored position), in order, in
  // one MySQL transaction with the new position. Returns the position now applied.
  std::expected<wal::Lsn, std::string> apply(const std::vector<SourceTransaction>& batch);

  std::uint64_t transactions_applied() const { return transactions_applied_; }
  std::uint64_t rows_applied() const { return rows_applied_; }

 private:
  struct Table {
    wal::Relation relation;
    std::vector<std::string> types;  // PostgreSQL type name per column
    std::string mysql_name;
    // On MySQL the primary key is the table's only unique key, and no foreign key or trigger
    // involves it: its row writes in one MySQL transaction may be merged (the last per key wins)
    // and applied in any order relative to other tables' (see apply).
    bool mergeable = false;
  };
  // Row writes to mergeable tables, held back to be written together: per table, the last write
  // per key. Each key has one write, and only the primary key is unique, so their order is free.
  struct Merged {
    struct Write {
      bool remove = false;
      std::string values;  // "(v1, v2, ...)": the whole row, or the key for a delete
    };
    std::map<std::string, Write> writes;  // by the key's values
  };
  std::expected<Table*, std::string> table(std::uint32_t relation);
  std::expected<bool, std::string> is_mergeable(const Table& t);
  // True when the change is held back as a merged write; false when it needs statements of its own.
  std::expected<bool, std::string> merge(const RowChange& change, std::map<std::uint32_t, Merged>& merged);
  void flush_merged(std::map<std::uint32_t, Merged>& merged, std::vector<std::string>& statements);
  std::string upsert_head(const Table& t) const;
  std::string upsert_tail(const Table& t) const;
  std::expected<std::vector<std::string>, std::string> statement_for(const RowChange& change);
  std::expected<std::string, std::string> value(const Table& t, std::size_t column, const wal::TupleValue& v) const;
  std::expected<std::string, std::string> key_predicate(const Table& t, const wal::Tuple& key_source) const;

  MysqlConnection& mysql_;
  TypeNamer type_namer_;
  ColumnDefiner column_definer_;
  sql::Dialect dialect_;
  std::uint64_t schema_changes_ = 0;
  std::string position_key_;
  wal::Lsn applied_ = 0;
  std::map<std::uint32_t, wal::Relation> relations_;
  std::map<std::uint32_t, Table> tables_;
  std::uint64_t transactions_applied_ = 0, rows_applied_ = 0;
};

}  // namespace tandem::migrator

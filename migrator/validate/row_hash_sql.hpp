// The SQL the validator runs on both engines, built from a table's PostgreSQL schema. Every
// column has a canonical text form that PostgreSQL and MySQL compute to the same bytes when the
// values are equal; rows hash over those forms, chunks sum the row hashes. Pure code, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrator/schema/table_schema.hpp"
#include "protocol/sql/translation.hpp"
#include "protocol/sql/type_map.hpp"

namespace tandem::migrator::validate {

enum class Engine { postgres, mysql };

// A key as canonical texts, one per key column: the identity of a row on both engines.
using Key = std::vector<std::string>;

// A chunk of the key space: lo inclusive, hi exclusive; nullopt is unbounded.
struct KeyRange {
  std::optional<Key> lo, hi;
};

class TableSql {
 public:
  // `mysql_database`: the target database of a table in schema public (others go to the database
  // named after their schema).
  TableSql(const TableSchema& table, sql::Dialect dialect, const std::string& mysql_database);

  const TableSchema& table() const { return table_; }
  std::string pg_table() const;
  std::string mysql_table() const;
  std::size_t column_count() const { return table_.columns.size(); }
  const std::vector<std::size_t>& key_columns() const { return key_columns_; }
  sql::TypeClass column_class(std::size_t column) const { return classes_[column]; }

  // The canonical text of a column (NULL stays NULL).
  std::string canonical(Engine engine, std::size_t column) const;
  // The whole row as one string: each column as <octet length>:<text>, NULL as N.
  std::string row_text(Engine engine) const;

  // Every chunk_rows-th key in the validator's key order, as canonical texts (PostgreSQL).
  std::string plan_query(std::uint64_t chunk_rows) const;
  // SELECT count, sum of 64-bit row hashes (as decimal text) over a range.
  std::string chunk_query(Engine engine, const KeyRange& range) const;
  // SELECT canonical key columns..., md5 of the row, over a range.
  std::string row_hashes_query(Engine engine, const KeyRange& range) const;
  // SELECT canonical key columns..., canonical columns... [, xmin] for the listed keys.
  // `for_share` (PostgreSQL) locks the rows against writers until the transaction ends.
  std::string rows_query(Engine engine, const std::vector<Key>& keys, bool for_share = false) const;
  // SELECT every column in PostgreSQL's output form (what COPY writes) for the listed keys.
  std::string source_rows_query(const std::vector<Key>& keys) const;
  // DELETE on MySQL of the listed keys.
  std::string mysql_delete(const std::vector<Key>& keys) const;

  std::string range_predicate(Engine engine, const KeyRange& range) const;
  std::string keys_predicate(Engine engine, const std::vector<Key>& keys) const;
  // A literal of key column `key_index` (0-based within the key) from its canonical text.
  std::string key_literal(Engine engine, std::size_t key_index, const std::string& canonical) const;

 private:
  std::string column_ref(Engine engine, std::size_t column) const;
  std::string compare_expr(Engine engine, std::size_t key_index) const;
  bool compares_as_text(std::size_t column) const;
  std::string lexicographic(Engine engine, const Key& bound, bool lower) const;

  TableSchema table_;
  sql::Dialect dialect_;
  std::string mysql_database_;
  std::vector<sql::TypeClass> classes_;
  std::vector<std::size_t> key_columns_;
};

// A chunk sum as either engine prints it (a decimal integer, maybe negative) reduced modulo 2^64,
// so PostgreSQL's signed and MySQL's unsigned row hashes compare; nullopt when unreadable.
std::optional<std::uint64_t> sum_mod_2_64(const std::string& decimal);

// Whether two canonical texts of a column denote the same value: identical text, or the same
// number (floats, json numbers), or the same JSON document whatever its spacing and key order.
bool same_value(sql::TypeClass cls, const std::optional<std::string>& a, const std::optional<std::string>& b);

}  // namespace tandem::migrator::validate

// A source table as the migrator sees it: columns with PostgreSQL types, the key chunks are cut
// on, and the PostgreSQL DDL that recreates it (fed to the translator for MySQL).
#pragma once

#include <string>
#include <vector>

namespace tandem::migrator {

struct SourceColumn {
  std::string name;
  std::string pg_type;  // format_type() text: "integer", "character varying(40)", "text[]"
  bool not_null = false;
};

struct TableSchema {
  std::string schema, name;
  std::vector<SourceColumn> columns;
  std::vector<std::string> key;         // primary key, else a unique key over NOT NULL columns
  std::string create_sql;               // CREATE TABLE with columns, keys and checks
  std::vector<std::string> after_copy;  // CREATE INDEX and foreign keys, run once the rows are in
  std::vector<std::string> sequences;   // sequences feeding serial/identity columns, qualified
  std::string qualified() const { return schema + "." + name; }
};

}  // namespace tandem::migrator

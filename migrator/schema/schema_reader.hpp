// Reads table definitions from PostgreSQL's catalog for the tables a migration covers.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "migrator/db/pg_connection.hpp"
#include "migrator/schema/table_schema.hpp"

namespace tandem::migrator {

struct SourceSchema {
  std::vector<std::string> enum_ddl;  // CREATE TYPE ... AS ENUM, for the translator's catalog
  std::vector<TableSchema> tables;
};

// `patterns`: "schema.table" or "schema.*", comma-separated. A table without a primary key or a
// unique key over NOT NULL columns is refused: it cannot be chunked or mirrored exactly.
std::expected<SourceSchema, std::string> read_source_schema(PgConnection& pg, const std::string& patterns);

// "public.*, app.orders" -> {"public.*", "app.orders"}; a name without a schema means public.
std::vector<std::string> split_table_patterns(const std::string& patterns);
bool matches_table_pattern(const std::string& pattern, const std::string& schema, const std::string& table);

}  // namespace tandem::migrator

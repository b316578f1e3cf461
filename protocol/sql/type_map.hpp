// The PostgreSQL -> MySQL type map, shared by DDL translation, CAST, the snapshot copier and the
// validator. docs/type-map.md is the same table in prose.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "protocol/sql/translation.hpp"

namespace tandem::sql {

class Catalog;

// How an expression of a type behaves, for the translator's choices (integer division, concat).
enum class TypeClass {
  unknown,
  null,
  integer,
  numeric,
  floating,
  text,
  boolean,
  date,
  time,
  timestamp,
  timestamptz,
  interval,
  json,
  bytea,
  uuid,
  array,
  network
};

struct PgType {
  std::string name;       // canonical: "integer", "character varying", "timestamp with time zone", or a user type
  std::string schema;     // for user types (enums); empty for built-ins
  std::vector<int> mods;  // typmods as written: varchar(10) -> {10}, numeric(12,2) -> {12, 2}
  int array_dims = 0;
  bool serial = false;  // serial/bigserial/smallserial
};

// "int4" -> "integer", "varchar" -> "character varying", "timestamptz" -> "timestamp with time zone", ...
std::string canonical_type_name(const std::string& name);
// "integer", "numeric(12,2)", "text[]": the form catalog entries keep.
std::string to_string(const PgType& t);
PgType parse_type_string(const std::string& text);

TypeClass type_class(const PgType& t);
TypeClass type_class(const std::string& canonical_with_mods);

struct ColumnOptions {
  bool in_unique_key = false;  // part of a primary key or unique constraint
  // The bytes an unbounded text or bytea column may take in its narrowest key: InnoDB's 3072
  // less what the key's other columns need (see key_part_bytes).
  int key_bytes = 3072;
};

// The bytes a column of this type takes in an InnoDB key on MySQL, or nullopt for unbounded
// text and bytea, which get whatever the key leaves.
std::optional<int> key_part_bytes(const PgType& t);
inline constexpr int kInnodbMaxKeyBytes = 3072;

// The MySQL column type for a PostgreSQL one, or why there is none.
std::expected<std::string, std::string> mysql_column_type(const PgType& t, Dialect dialect, const Catalog& catalog,
                                                          ColumnOptions options = {});
// The MySQL CAST(... AS target) for a PostgreSQL cast target, or why there is none.
std::expected<std::string, std::string> mysql_cast_target(const PgType& t);

}  // namespace tandem::sql

// The result of translating one PostgreSQL statement for MySQL, and the error when it cannot be.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::sql {

// Which MySQL server the text is for. Both accept everything the translator emits except where
// a construct has no common spelling (collation names, statement timeouts).
enum class Dialect { mariadb, mysql };

enum class StatementClass { read, write, ddl, transaction, session };
std::string_view to_string(StatementClass c);

struct TableRef {
  std::string schema;  // PostgreSQL schema, "public" when unqualified
  std::string name;
  bool operator==(const TableRef&) const = default;
};

struct Translation {
  // MySQL statements to run in order (empty when the statement needs nothing on MySQL).
  std::vector<std::string> statements;
  // One entry per '?' placeholder across `statements`, in order: the PostgreSQL $n it binds.
  std::vector<int> parameters;
  // Index n-1: the PostgreSQL type $n is stored as or compared with ("" when unknown); the caller
  // converts the bound value with to_mysql_value() (value_conversion.hpp).
  std::vector<std::string> parameter_types;
  StatementClass statement_class = StatementClass::read;
  std::vector<TableRef> tables;  // tables read or written, first occurrence order
  // Non-empty when the caller must do part of the work itself, e.g. "RETURNING id" (MySQL has no
  // RETURNING) or "SHOW timezone" (answered from the session's settings).
  std::string emulation;
  // False when MySQL's affected-row count differs from PostgreSQL's by construction: ON DUPLICATE
  // KEY UPDATE counts an updated row as 2 and a row left alone as 1 (with CLIENT_FOUND_ROWS).
  bool exact_row_count = true;
};

struct TranslationError {
  std::string message;  // names the construct, e.g. "DISTINCT ON is not supported by MySQL"
  int position = 0;     // 1-based byte offset into the statement, 0 when unknown
};
std::string describe(const TranslationError& e);

}  // namespace tandem::sql

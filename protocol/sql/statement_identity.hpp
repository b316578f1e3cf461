// What names a statement the mirror could not apply: its fingerprint (the statement without its
// literal values, so that its executions count as one) and the tables it names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tandem::sql {

struct NamedTable {
  std::string schema;  // as written, folded as PostgreSQL does; empty when unqualified
  std::string name;
  bool operator==(const NamedTable&) const = default;
};

struct StatementIdentity {
  // 16 lower-case hex digits: libpg_query's fingerprint, the same for statements that differ only
  // in literal values, blanks, comments or the case of keywords. For text that does not parse,
  // a hash of the text itself.
  std::string fingerprint;
  // The tables the statement names, each once, the one it writes or alters first (the target of
  // INSERT, UPDATE, DELETE, ALTER TABLE, CREATE INDEX, the tables of DROP TABLE). Empty for text
  // that does not parse.
  std::vector<NamedTable> tables;
};

StatementIdentity identify_statement(std::string_view sql);

}  // namespace tandem::sql

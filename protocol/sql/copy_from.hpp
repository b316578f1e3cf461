// COPY ... FROM STDIN as the proxy mirror journals it: the statement says which table, columns
// and format; the data the client sent holds the rows, which the applier has PostgreSQL read
// again. Pure code: the statement is read from libpg_query's parse tree.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::sql {

struct CopyFrom {
  std::string schema;                // folded as PostgreSQL folds it; empty when unqualified
  std::string table;                 // folded
  std::vector<std::string> columns;  // as listed, folded; empty: every column of the table
  bool csv = false;
  bool binary = false;  // FORMAT binary: PostgreSQL's own binary rows, read back as they came
  char delimiter = '\t';
  std::string null_string = "\\N";
  bool header = false;
  char quote = '"';
  char escape = '"';
};

// Reads a single `COPY table [(columns)] FROM STDIN [options]`. Refuses, saying why, anything the
// mirror cannot read back: another statement, COPY TO, a file or program, a WHERE clause,
// FORCE_NULL / FORCE_NOT_NULL, an ENCODING other than UTF8, or a header to match.
std::expected<CopyFrom, std::string> parse_copy_from(std::string_view sql);

}  // namespace tandem::sql

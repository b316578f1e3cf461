// The target table and the columns a PostgreSQL UPDATE statement assigns, read from libpg_query's
// parse tree: which columns a replayed UPDATE may change, without translating it.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::sql {

// Names folded as PostgreSQL does (unquoted: lower-case; quoted: as written). `schema` is empty
// when the statement does not qualify the table (a catalog qualifier is dropped).
struct UpdateTargets {
  std::string schema;
  std::string table;
  std::vector<std::string> columns;  // in the order first assigned, each once
};

// The target table and the columns a PostgreSQL UPDATE statement assigns (SET a = .., (b, c) = (..),
// d = DEFAULT); for `SET a[1] = ..` or `SET comp.field = ..` the column `a` or `comp`. A WITH
// prefix is allowed. Error for text that does not parse or is not a single UPDATE statement.
std::expected<UpdateTargets, std::string> update_targets(std::string_view sql);

}  // namespace tandem::sql

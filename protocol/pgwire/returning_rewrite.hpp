// The row-image rewrite: turns one client INSERT, UPDATE or DELETE into the same statement whose
// RETURNING list (extended, or added) also yields a marker column followed by every column of each
// affected row. The mirror filter strips those columns again before the client sees the result.
// Pure code: a small PostgreSQL-aware tokeniser (comments, strings, dollar quotes, quoted
// identifiers) and a recogniser for the start of the three statements.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::pgwire {

// The name of the marker column; fields after it in the RowDescription are the row image.
inline constexpr std::string_view kImageMarker = "tandem.image";

enum class DmlKind { insert, update, remove };

struct ImageRewrite {
  DmlKind kind = DmlKind::insert;
  std::string schema;  // target table's schema as PostgreSQL resolves the spelling: unquoted lower-cased, quoted kept;
                       // "" when unqualified
  std::string table;   // same folding
  bool had_returning = false;  // the client's statement had its own RETURNING list
  std::string sql;             // the rewritten statement
  std::string shape;           // the client's statement's (statement_shape), without trailing ';'s
};

// One statement (as split by PostgreSQL's scanner: may end with ';', may have leading/trailing
// comments). The text up to its last real token is kept byte for byte; after it comes
// "\nRETURNING NULL AS \"tandem.image\", REF.*" (or "\n, NULL AS ..." when the statement has its
// own top-level RETURNING list), REF being the target's alias, else its table name as spelled.
// nullopt when it is not a plain INSERT/UPDATE/DELETE (SELECT, DDL, WITH ..., MERGE, COPY,
// EXPLAIN, anything unrecognised) or cannot be tokenised (unterminated quote or comment,
// unbalanced parentheses, a second statement after a ';').
std::optional<ImageRewrite> rewrite_for_image(std::string_view statement);

// A statement's shape: its tokens with each literal's value left out (kept: its kind, such as a
// plain, E'...' or dollar-quoted string, and for a run of digits whether PostgreSQL's scanner
// reads it as an integer or, beyond 32 bits, as a numeric constant), and where tokens are or are
// not separated by blanks or comments. Statements of one shape differ in literal values only, so
// PostgreSQL's grammar accepts all of them or none, and they name the same tables and columns.
// nullopt when the statement cannot be tokenised.
std::optional<std::string> statement_shape(std::string_view statement);

}  // namespace tandem::pgwire

// Session settings the translator's output depends on.
#include "protocol/sql/session_settings.hpp"

namespace tandem::sql {

std::string text_collation(Dialect dialect) {
  // MariaDB's utf8mb4_bin pads with spaces ('a' = 'a '); both servers have a no-pad binary
  // collation, under different names.
  return dialect == Dialect::mariadb ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
}

std::vector<std::string> session_settings(Dialect dialect) {
  return {
      // ANSI_QUOTES: "x" is an identifier; NO_BACKSLASH_ESCAPES: '\' is a plain character, as
      // with standard_conforming_strings; STRICT_ALL_TABLES: bad values fail instead of being
      // clipped; PIPES_AS_CONCAT is not set: || is translated to CONCAT explicitly.
      "SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,ONLY_FULL_GROUP_BY,"
      "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
      "SET NAMES utf8mb4 COLLATE " + text_collation(dialect),
      // timestamptz values are stored as UTC DATETIME(6).
      "SET SESSION time_zone = '+00:00'",
      // string_agg results must not be cut at 1024 bytes; 1 GiB is the largest value both accept
      // (a packet cannot be larger).
      "SET SESSION group_concat_max_len = 1073741824",
      // Numeric division keeps 16 fractional digits more than the dividend, as PostgreSQL keeps
      // at least 16 significant digits.
      "SET SESSION div_precision_increment = 16",
      // PostgreSQL's default isolation; MySQL's is REPEATABLE READ.
      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
  };
}

}  // namespace tandem::sql

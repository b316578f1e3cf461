// The MySQL session settings every translated statement relies on; every Tandem connection to
// MySQL applies them before its first statement.
#pragma once

#include <string>
#include <vector>

#include "protocol/sql/translation.hpp"

namespace tandem::sql {

// The binary, no-pad utf8mb4 collation: compares like PostgreSQL's text ('a' <> 'A', 'a' <> 'a ').
std::string text_collation(Dialect dialect);

// One SQL statement per entry, in the order to run them.
std::vector<std::string> session_settings(Dialect dialect);

}  // namespace tandem::sql

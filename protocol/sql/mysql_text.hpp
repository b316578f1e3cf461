// Small, tested builders of MySQL SQL text: quoted identifiers and string literals.
#pragma once

#include <string>
#include <string_view>

namespace tandem::sql {

// `name` with backticks doubled; valid whatever sql_mode says about double quotes.
std::string quote_identifier(std::string_view name);

// A string literal for a session with NO_BACKSLASH_ESCAPES (see session_settings.hpp): quotes are
// doubled, backslashes are plain characters. Text holding control characters is written as a hex
// literal converted to utf8mb4 so that no byte of it can be mistaken for SQL.
std::string quote_string(std::string_view text);

// A binary string literal X'..' for bytea values.
std::string hex_literal(std::string_view bytes);

}  // namespace tandem::sql

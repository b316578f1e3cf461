// Classifies SQL statements as read, write, transaction control or other, from their leading
// keywords, without parsing and without allocating.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace tandem::pgwire {

enum class StatementClass { read, write, transaction, other };

std::string_view to_string(StatementClass c);

// One statement (no top-level ';').
StatementClass classify_statement(std::string_view sql);

// Splits on top-level ';' (quotes, dollar quotes and comments respected), writes the classes of up
// to out.size() non-empty statements and returns how many there are. `sql` may be a truncated
// prefix of a longer text.
std::size_t classify_statements(std::string_view sql, std::span<StatementClass> out);

}  // namespace tandem::pgwire

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

// The class the proxy keeps for a named prepared statement when a Parse of that name is sent,
// before PostgreSQL answers. PostgreSQL refuses a Parse of a name already taken, and a refused
// Parse leaves the name free: either statement may be the one that runs. Anything but a read
// wins, since a statement counted as a read takes no commit-order ticket.
constexpr StatementClass class_for_reparse(const StatementClass* existing, StatementClass parsed) {
  return existing && parsed == StatementClass::read ? *existing : parsed;
}

// Splits on top-level ';' (quotes, dollar quotes and comments respected), writes the classes of up
// to out.size() non-empty statements and returns how many there are. `sql` may be a truncated
// prefix of a longer text.
std::size_t classify_statements(std::string_view sql, std::span<StatementClass> out);

}  // namespace tandem::pgwire

// Canonical text of values read from PostgreSQL (libpq text) and MySQL (C API text), driven by
// the PostgreSQL column type, so that equal values compare equal across the two servers.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <string>

namespace tandem::it {

// NULL is "\\N"; booleans 1/0; numerics without insignificant zeros; floats to 15 digits;
// timestamps without "+00" and trailing fractional zeros; json with sorted keys; bytea as hex;
// uuid lower-case; PostgreSQL arrays as JSON arrays; char(n) without padding.
std::string canonical(const std::optional<std::string>& value, Oid pg_type, bool from_postgres);

}  // namespace tandem::it

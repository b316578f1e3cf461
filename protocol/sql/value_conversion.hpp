// Conversions of PostgreSQL text-format values to the text MySQL stores for the mapped type:
// bound parameters, and later copied rows.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "protocol/sql/type_map.hpp"

namespace tandem::sql {

// `pg_type` as in the catalog ("timestamp with time zone", "boolean", "integer[]"); an empty or
// unknown type passes the text through. The error names the type and the value's problem.
std::expected<std::string, std::string> to_mysql_value(const std::string& pg_type, std::string_view text);

// '{1,2,NULL}' or '{"a","b"}' -> a JSON array; element types integer and text.
std::expected<std::string, std::string> array_to_json(std::string_view text, TypeClass element);

// '2024-01-02 03:04:05.5+02' -> '2024-01-02 01:04:05.500000' (UTC).
std::expected<std::string, std::string> timestamptz_to_utc(std::string_view text);

}  // namespace tandem::sql

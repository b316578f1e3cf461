// The PostgreSQL -> MySQL type map.
#include "protocol/sql/type_map.hpp"

#include <algorithm>

#include <map>

#include "protocol/sql/catalog.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"

namespace tandem::sql {
namespace {

// The longest VARCHAR a utf8mb4 column can have and still be a whole key of an InnoDB index
// (3072 bytes / 4): text in a primary or unique key is limited to this instead of being indexed
// by a prefix, which would make distinct values collide.
constexpr int kMaxKeyChars = 768;

std::string text_type(const std::string& base, Dialect d) {
  return base + " CHARACTER SET utf8mb4 COLLATE " + text_collation(d);
}

}  // namespace

std::string canonical_type_name(const std::string& raw) {
  static const std::map<std::string, std::string> kAliases = {
      {"int2", "smallint"},
      {"smallint", "smallint"},
      {"int4", "integer"},
      {"int", "integer"},
      {"integer", "integer"},
      {"int8", "bigint"},
      {"bigint", "bigint"},
      {"float4", "real"},
      {"real", "real"},
      {"float8", "double precision"},
      {"double precision", "double precision"},
      {"float", "double precision"},
      {"numeric", "numeric"},
      {"decimal", "numeric"},
      {"bool", "boolean"},
      {"boolean", "boolean"},
      {"varchar", "character varying"},
      {"character varying", "character varying"},
      {"bpchar", "character"},
      {"char", "character"},
      {"character", "character"},
      {"text", "text"},
      {"bytea", "bytea"},
      {"date", "date"},
      {"time", "time without time zone"},
      {"time without time zone", "time without time zone"},
      {"timetz", "time with time zone"},
      {"time with time zone", "time with time zone"},
      {"timestamp", "timestamp without time zone"},
      {"timestamp without time zone", "timestamp without time zone"},
      {"timestamptz", "timestamp with time zone"},
      {"timestamp with time zone", "timestamp with time zone"},
      {"interval", "interval"},
      {"uuid", "uuid"},
      {"json", "json"},
      {"jsonb", "jsonb"},
      {"inet", "inet"},
      {"cidr", "cidr"},
      {"macaddr", "macaddr"},
      {"serial", "integer"},
      {"serial4", "integer"},
      {"bigserial", "bigint"},
      {"serial8", "bigint"},
      {"smallserial", "smallint"},
      {"serial2", "smallint"},
  };
  auto it = kAliases.find(raw);
  return it == kAliases.end() ? raw : it->second;
}

std::string to_string(const PgType& t) {
  std::string out = t.schema.empty() || t.schema == "public" ? t.name : t.schema + "." + t.name;
  if (!t.mods.empty()) {
    out += '(';
    for (std::size_t i = 0; i < t.mods.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(t.mods[i]);
    }
    out += ')';
  }
  for (int i = 0; i < t.array_dims; ++i) out += "[]";
  return out;
}

PgType parse_type_string(const std::string& text) {
  PgType t;
  std::string s = text;
  while (s.size() >= 2 && s.ends_with("[]")) {
    ++t.array_dims;
    s.resize(s.size() - 2);
  }
  // Modifiers may stand inside the name too: "timestamp(3) with time zone".
  if (auto open = s.find('('), close = s.find(')');
      open != std::string::npos && close != std::string::npos && close > open) {
    std::string mods = s.substr(open + 1, close - open - 1);
    s = s.substr(0, open) + s.substr(close + 1);
    std::size_t pos = 0;
    while (pos < mods.size()) {
      auto comma = mods.find(',', pos);
      if (comma == std::string::npos) comma = mods.size();
      t.mods.push_back(std::stoi(mods.substr(pos, comma - pos)));
      pos = comma + 1;
    }
  }
  if (auto dot = s.find('.'); dot != std::string::npos) {
    t.schema = s.substr(0, dot);
    s = s.substr(dot + 1);
  }
  t.name = canonical_type_name(s);
  return t;
}

TypeClass type_class(const PgType& t) {
  if (t.array_dims > 0) return TypeClass::array;
  static const std::map<std::string, TypeClass> kClasses = {
      {"smallint", TypeClass::integer},
      {"integer", TypeClass::integer},
      {"bigint", TypeClass::integer},
      {"numeric", TypeClass::numeric},
      {"real", TypeClass::floating},
      {"double precision", TypeClass::floating},
      {"boolean", TypeClass::boolean},
      {"character varying", TypeClass::text},
      {"character", TypeClass::text},
      {"text", TypeClass::text},
      {"bytea", TypeClass::bytea},
      {"date", TypeClass::date},
      {"time without time zone", TypeClass::time},
      {"timestamp without time zone", TypeClass::timestamp},
      {"timestamp with time zone", TypeClass::timestamptz},
      {"interval", TypeClass::interval},
      {"uuid", TypeClass::uuid},
      {"json", TypeClass::json},
      {"jsonb", TypeClass::json},
      {"inet", TypeClass::network},
      {"cidr", TypeClass::network},
  };
  auto it = kClasses.find(t.name);
  return it == kClasses.end() ? TypeClass::unknown : it->second;
}

std::optional<int> key_part_bytes(const PgType& t) {
  const std::string& n = t.name;
  if (n == "text" || (n == "character varying" && t.mods.empty()) || n == "bytea") return std::nullopt;
  if (n == "character varying" || n == "character") return 4 * (t.mods.empty() ? 1 : t.mods[0]);  // utf8mb4
  if (n == "smallint") return 2;
  if (n == "integer" || n == "real") return 4;
  if (n == "bigint" || n == "double precision" || n.starts_with("timestamp")) return 8;
  if (n == "boolean") return 1;
  if (n == "date") return 3;
  if (n.starts_with("time")) return 6;
  if (n == "numeric") return t.mods.empty() ? 30 : 4 * (t.mods[0] / 9 + 1);
  if (n == "uuid") return 36;  // ascii
  if (n == "inet" || n == "cidr") return 43;
  if (n == "macaddr") return 17;
  if (n == "interval") return 4 * 64;
  return 8;  // enums (1-2 bytes) and anything else small
}

TypeClass type_class(const std::string& canonical_with_mods) {
  return type_class(parse_type_string(canonical_with_mods));
}

std::expected<std::string, std::string> mysql_column_type(const PgType& t, Dialect d, const Catalog& catalog,
                                                          ColumnOptions options) {
  if (t.array_dims > 0) return "JSON";
  const std::string& n = t.name;
  if (n == "smallint") return "SMALLINT";
  if (n == "integer") return "INT";
  if (n == "bigint") return "BIGINT";
  if (n == "real") return "FLOAT";
  if (n == "double precision") return "DOUBLE";
  if (n == "numeric") {
    if (t.mods.empty()) return "DECIMAL(65,30)";
    const int precision = t.mods[0];
    const int scale = t.mods.size() > 1 ? t.mods[1] : 0;
    if (precision > 65)
      return std::unexpected("numeric(" + std::to_string(precision) + ") exceeds MySQL's DECIMAL precision of 65");
    if (scale > 30 || scale < 0)
      return std::unexpected("numeric scale " + std::to_string(scale) +
                             " is outside MySQL's DECIMAL scale range 0..30");
    return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  if (n == "boolean") return "BOOLEAN";
  if (n == "text" || (n == "character varying" && t.mods.empty())) {
    if (options.in_unique_key)
      return text_type("VARCHAR(" + std::to_string(std::min(kMaxKeyChars, options.key_bytes / 4)) + ")", d);
    return text_type("LONGTEXT", d);
  }
  if (n == "character varying") {
    const int length = t.mods[0];
    if (options.in_unique_key && length > kMaxKeyChars)
      return std::unexpected("varchar(" + std::to_string(length) + ") in a key is longer than the " +
                             std::to_string(kMaxKeyChars) + " characters MySQL can index whole");
    if (length <= 16383) return text_type("VARCHAR(" + std::to_string(length) + ")", d);
    return text_type("LONGTEXT", d);
  }
  if (n == "character") {
    const int length = t.mods.empty() ? 1 : t.mods[0];
    if (length > 255) return std::unexpected("char(" + std::to_string(length) + ") exceeds MySQL's CHAR limit of 255");
    return text_type("CHAR(" + std::to_string(length) + ")", d);
  }
  if (n == "bytea")
    return options.in_unique_key ? "VARBINARY(" + std::to_string(std::min(kInnodbMaxKeyBytes, options.key_bytes)) + ")"
                                 : std::string("LONGBLOB");
  if (n == "date") return "DATE";
  if (n == "time without time zone") {
    const int p = t.mods.empty() ? 6 : t.mods[0];
    return "TIME(" + std::to_string(p) + ")";
  }
  if (n == "timestamp without time zone" || n == "timestamp with time zone") {
    const int p = t.mods.empty() ? 6 : t.mods[0];
    return "DATETIME(" + std::to_string(p) + ")";
  }
  if (n == "interval") return "VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin";
  if (n == "uuid") return "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin";
  if (n == "json" || n == "jsonb") return "JSON";
  if (n == "inet" || n == "cidr") return "VARCHAR(43) CHARACTER SET ascii COLLATE ascii_bin";
  if (n == "macaddr") return "CHAR(17) CHARACTER SET ascii COLLATE ascii_bin";
  if (const auto* labels = catalog.find_enum(t.schema.empty() ? "public" : t.schema, n)) {
    std::string out = "ENUM(";
    for (std::size_t i = 0; i < labels->size(); ++i) {
      if (i) out += ",";
      out += quote_string((*labels)[i]);
    }
    return out + ") CHARACTER SET utf8mb4 COLLATE " + text_collation(d);
  }
  return std::unexpected("type " + to_string(t) + " has no MySQL equivalent");
}

std::expected<std::string, std::string> mysql_cast_target(const PgType& t) {
  if (t.array_dims > 0) return std::unexpected("cast to an array type " + to_string(t) + " has no MySQL equivalent");
  const std::string& n = t.name;
  if (n == "smallint" || n == "integer" || n == "bigint") return "SIGNED";
  if (n == "numeric") {
    if (t.mods.empty()) return "DECIMAL(65,30)";
    return "DECIMAL(" + std::to_string(t.mods[0]) + "," + std::to_string(t.mods.size() > 1 ? t.mods[1] : 0) + ")";
  }
  if (n == "double precision") return "DOUBLE";
  if (n == "real") return "FLOAT";
  if (n == "text" || (n == "character varying" && t.mods.empty())) return "CHAR";
  if (n == "character varying" || n == "character")
    return "CHAR(" + std::to_string(t.mods.empty() ? 1 : t.mods[0]) + ")";
  if (n == "date") return "DATE";
  if (n == "time without time zone") return "TIME(6)";
  if (n == "timestamp without time zone" || n == "timestamp with time zone") return "DATETIME(6)";
  if (n == "bytea") return "BINARY";
  if (n == "uuid") return "CHAR(36)";
  return std::unexpected("cast to " + to_string(t) + " has no MySQL equivalent");
}

}  // namespace tandem::sql

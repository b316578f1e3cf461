// Canonical column texts, row hashes and key predicates for PostgreSQL and MySQL.
#include "migrator/validate/row_hash_sql.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "migrator/db/pg_connection.hpp"
#include "protocol/sql/mysql_text.hpp"

namespace tandem::migrator::validate {
namespace {

using sql::TypeClass;

// MySQL/MariaDB print a double with the same shortest round-trip digits as PostgreSQL but lay
// them out differently: 1e15 for 1e+15, 0.00001 for 1e-05. This rewrites MySQL's text of a
// non-zero double `s` into PostgreSQL's layout: exponent form below 1e-4 and from 1e15 on, the
// exponent signed and at least two digits.
std::string mysql_float_text(const std::string& s) {
  const std::string mant = "SUBSTRING_INDEX(" + s + ", 'e', 1)";
  const std::string exp = "SUBSTRING_INDEX(" + s + ", 'e', -1)";
  const std::string exp_digits = "TRIM(LEADING '-' FROM " + exp + ")";
  const std::string exp_form = "CONCAT(" + mant + ", 'e', IF(" + exp + " LIKE '-%', '-', '+'), IF(CHAR_LENGTH(" +
                               exp_digits + ") < 2, CONCAT('0', " + exp_digits + "), " + exp_digits + "))";
  // 0.0000ddd: the digits after the leading zeros, exponent -(zeros + 1).
  const std::string frac = "SUBSTRING(TRIM(LEADING '-' FROM " + s + "), 3)";
  const std::string digits = "TRIM(LEADING '0' FROM " + frac + ")";
  const std::string zeros = "(CHAR_LENGTH(" + frac + ") - CHAR_LENGTH(" + digits + "))";
  const std::string small_form = "CONCAT(IF(" + s + " LIKE '-%', '-', ''), LEFT(" + digits + ", 1), IF(CHAR_LENGTH(" +
                                 digits + ") > 1, CONCAT('.', SUBSTRING(" + digits + ", 2)), ''), 'e-', LPAD(" + zeros +
                                 " + 1, 2, '0'))";
  // 16 or more integer digits (1e15 up to 2^53, printed in full): d.ddde+15.
  const std::string abs_s = "TRIM(LEADING '-' FROM " + s + ")";
  const std::string ip = "SUBSTRING_INDEX(" + abs_s + ", '.', 1)";
  const std::string all = "TRIM(TRAILING '0' FROM REPLACE(" + abs_s + ", '.', ''))";
  const std::string large_form = "CONCAT(IF(" + s + " LIKE '-%', '-', ''), LEFT(" + all + ", 1), IF(CHAR_LENGTH(" +
                                 all + ") > 1, CONCAT('.', SUBSTRING(" + all + ", 2)), ''), 'e+', CHAR_LENGTH(" + ip +
                                 ") - 1)";
  return "CASE WHEN INSTR(" + s + ", 'e') > 0 THEN " + exp_form + " WHEN " + s + " LIKE '0.0000%' OR " + s +
         " LIKE '-0.0000%' THEN " + small_form + " WHEN CHAR_LENGTH(" + ip + ") >= 16 THEN " + large_form + " ELSE " +
         s + " END";
}

// The exact integer value of a double `a` (>= 0) below 2^133, as decimal digits: three pieces of
// at most 53 bits, each exact in a double, summed in exact decimal arithmetic.
std::string exact_integer(Engine engine, const std::string& a) {
  const std::string h = "FLOOR(" + a + " / 1208925819614629174706176e0)";
  const std::string r = "(" + a + " - " + h + " * 1208925819614629174706176e0)";
  const std::string m = "FLOOR(" + r + " / 1099511627776e0)";
  const std::string l = "(" + r + " - " + m + " * 1099511627776e0)";
  if (engine == Engine::postgres)
    return "(" + h + "::bigint::numeric * 1208925819614629174706176 + " + m + "::bigint::numeric * 1099511627776 + " +
           l + "::bigint::numeric)::text";
  auto dec = [](const std::string& v) { return "CAST(CAST(" + v + " AS SIGNED) AS DECIMAL(65,0))"; };
  return "CAST(" + dec(h) + " * 1208925819614629174706176 + " + dec(m) + " * 1099511627776 + " + dec(l) + " AS CHAR)";
}

// Doubles: the shortest round-trip digits in PostgreSQL's layout; -0 and 0 are one value. From
// 2^53 to 2^133 the exact integer instead: there PostgreSQL's shortest form never takes a decimal
// lying exactly halfway to the next double, which MySQL (rounding half to even) does.
std::string float_canonical(Engine engine, const std::string& x, const std::string& shortest) {
  const std::string a = engine == Engine::postgres ? "abs(" + x + "::float8)" : "ABS(CAST(" + x + " AS DOUBLE))";
  const std::string sign =
      engine == Engine::postgres ? "CASE WHEN " + x + " < 0 THEN '-' ELSE '' END" : "IF(" + x + " < 0, '-', '')";
  const std::string integer = engine == Engine::postgres ? sign + " || " + exact_integer(engine, a)
                                                         : "CONCAT(" + sign + ", " + exact_integer(engine, a) + ")";
  return "CASE WHEN " + x + " = 0 THEN '0' WHEN " + a + " >= 9007199254740992e0 AND " + a +
         " < 10889035741470030830827987437816582766592e0 THEN " + integer + " ELSE " + shortest + " END";
}

std::string pg_float_text(const std::string& x) { return float_canonical(Engine::postgres, x, x + "::float8::text"); }

std::string mysql_float_canonical(const std::string& x) {
  return float_canonical(Engine::mysql, x, mysql_float_text("CAST(CAST(" + x + " AS DOUBLE) AS CHAR)"));
}

std::string pg_literal_text(TypeClass cls, const std::string& canonical) {
  switch (cls) {
    case TypeClass::timestamptz:
      return canonical + "+00";
    case TypeClass::bytea:
      return "\\x" + canonical;
    case TypeClass::boolean:
      return canonical == "1" ? "true" : "false";
    default:
      return canonical;
  }
}

// A JSON number's exact value as text: digits without leading or trailing zeros and a decimal
// exponent ("1.250" and "125e-2" both give "125e-2"; "-0" gives "0").
std::string exact_number(std::string_view t) {
  bool negative = false;
  std::size_t i = 0;
  if (i < t.size() && t[i] == '-') negative = true, ++i;
  std::string digits;
  long long exponent = 0;
  for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) digits += t[i];
  if (i < t.size() && t[i] == '.')
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) digits += t[i], --exponent;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) exponent += std::atoll(std::string(t.substr(i + 1)).c_str());
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return "0";
  while (digits.back() == '0') digits.pop_back(), ++exponent;
  return (negative ? "-" : "") + digits + "e" + std::to_string(exponent);
}

// The document with every number replaced by a string holding its exact value behind a marker,
// so that parsing keeps numbers exact and equal numbers compare equal whatever their spelling.
std::string exact_numbers(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size();) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size())
        out += json[++i];
      else if (c == '"')
        in_string = false;
      ++i;
    } else if (c == '"') {
      in_string = true;
      out += c;
      ++i;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < json.size() && (std::isdigit(static_cast<unsigned char>(json[j])) || json[j] == '-' ||
                                 json[j] == '+' || json[j] == '.' || json[j] == 'e' || json[j] == 'E'))
        ++j;
      out += "\"\\u0001#" + exact_number(json.substr(i, j - i)) + "\"";
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        const auto* other = y.if_contains(kv.key());
        if (!other || !same_json(kv.value(), *other)) return false;
      }
      return true;
    }
    case boost::json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same_json(x[i], y[i])) return false;
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace

TableSql::TableSql(const TableSchema& table, sql::Dialect dialect, const std::string& mysql_database)
    : table_(table), dialect_(dialect), mysql_database_(mysql_database) {
  for (const auto& c : table_.columns) classes_.push_back(sql::type_class(c.pg_type));
  for (const auto& k : table_.key)
    for (std::size_t i = 0; i < table_.columns.size(); ++i)
      if (table_.columns[i].name == k) key_columns_.push_back(i);
}

std::string TableSql::pg_table() const {
  return quote_pg_identifier(table_.schema) + "." + quote_pg_identifier(table_.name);
}

std::string TableSql::mysql_table() const {
  return sql::quote_identifier(table_.schema == "public" ? mysql_database_ : table_.schema) + "." +
         sql::quote_identifier(table_.name);
}

std::string TableSql::column_ref(Engine engine, std::size_t column) const {
  return engine == Engine::postgres ? quote_pg_identifier(table_.columns[column].name)
                                    : sql::quote_identifier(table_.columns[column].name);
}

std::string TableSql::canonical(Engine engine, std::size_t column) const {
  const std::string x = column_ref(engine, column);
  const TypeClass cls = classes_[column];
  if (engine == Engine::postgres) {
    switch (cls) {
      case TypeClass::numeric:
        return "trim_scale(" + x + ")::text";
      case TypeClass::floating:
        return pg_float_text(x);
      case TypeClass::boolean:
        return x + "::int::text";
      case TypeClass::date:
        return "to_char(" + x + ", 'YYYY-MM-DD')";
      case TypeClass::time:
        return "to_char(" + x + "::interval, 'HH24:MI:SS.US')";
      case TypeClass::timestamp:
        return "to_char(" + x + ", 'YYYY-MM-DD HH24:MI:SS.US')";
      case TypeClass::timestamptz:
        return "to_char(" + x + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')";
      case TypeClass::bytea:
        return "encode(" + x + ", 'hex')";
      case TypeClass::array:
        return "array_to_json(" + x + ")::text";
      case TypeClass::network:
        // The output form (what COPY wrote): inet's text cast would add /32 to a host.
        return "CASE WHEN " + x + " IS NULL THEN NULL ELSE format('%s', " + x + ") END";
      default:  // integers, text (char(n) loses its padding), uuid, json, interval, enums, inet
        return x + "::text";
    }
  }
  switch (cls) {
    case TypeClass::integer:
    case TypeClass::boolean:
      return "CAST(" + x + " AS CHAR)";
    case TypeClass::numeric: {
      const std::string s = "CAST(" + x + " AS CHAR)";
      return "CASE WHEN INSTR(" + s + ", '.') > 0 THEN TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM " + s +
             ")) ELSE " + s + " END";
    }
    case TypeClass::floating:
      return mysql_float_canonical(x);
    case TypeClass::date:
      return "DATE_FORMAT(" + x + ", '%Y-%m-%d')";
    case TypeClass::time:
      return "TIME_FORMAT(" + x + ", '%H:%i:%s.%f')";
    case TypeClass::timestamp:
    case TypeClass::timestamptz:
      return "DATE_FORMAT(" + x + ", '%Y-%m-%d %H:%i:%s.%f')";
    case TypeClass::bytea:
      return "LOWER(HEX(" + x + "))";
    case TypeClass::uuid:
      return "LOWER(" + x + ")";
    case TypeClass::json:
    case TypeClass::array:
      // MariaDB keeps JSON as the text written; MySQL 8.0 prints its own normal form, which the
      // row-level comparison then judges by value.
      return dialect_ == sql::Dialect::mysql ? "CAST(" + x + " AS CHAR)" : x;
    default:
      return x;
  }
}

// Whether a type's canonical text is drawn from digits, lower-case hex, blanks and - + . : e only:
// such a value can end at a '|' and never reads as the NULL marker N.
static bool separator_safe(TypeClass cls) {
  switch (cls) {
    case TypeClass::integer:
    case TypeClass::numeric:
    case TypeClass::floating:
    case TypeClass::boolean:
    case TypeClass::date:
    case TypeClass::time:
    case TypeClass::timestamp:
    case TypeClass::timestamptz:
    case TypeClass::bytea:
    case TypeClass::uuid:
      return true;
    default:
      return false;
  }
}

std::string TableSql::row_text(Engine engine) const {
  // Injective: text-like values are length-prefixed (<octets>:<text>), the others end at '|';
  // NULL is a bare N in both cases, so NULL and '' differ.
  std::string out;
  for (std::size_t i = 0; i < table_.columns.size(); ++i) {
    const std::string c = canonical(engine, i);
    const bool safe = separator_safe(classes_[i]);
    if (engine == Engine::postgres) {
      out += (i ? " || " : "") + (safe ? "coalesce(" + c + ", 'N') || '|'"
                                       : "coalesce(octet_length(" + c + ")::text || ':' || " + c + ", 'N')");
    } else {
      // Bytes, not characters: columns of different collations (binary text, ascii uuid) concatenate.
      out +=
          (i ? ", " : "") + (safe ? "CAST(COALESCE(" + c + ", 'N') AS BINARY), '|'"
                                  : "COALESCE(CONCAT(OCTET_LENGTH(" + c + "), ':', CAST(" + c + " AS BINARY)), 'N')");
    }
  }
  if (engine == Engine::mysql) return "CONCAT(" + out + ")";
  return out;
}

bool TableSql::compares_as_text(std::size_t column) const {
  // Enums, intervals, inet...: MySQL holds them as text and orders them as text. The types with a
  // fixed alphabet, and text itself, order the same natively on both engines.
  return !separator_safe(classes_[column]) && classes_[column] != TypeClass::text;
}

// The expression keys are ordered and compared by: the same order on both engines. Text compares
// byte-wise (PostgreSQL's C collation, MySQL's binary no-pad collation).
std::string TableSql::compare_expr(Engine engine, std::size_t key_index) const {
  const std::size_t column = key_columns_[key_index];
  const std::string x = column_ref(engine, column);
  if (engine == Engine::mysql) return x;
  if (compares_as_text(column)) return "(" + canonical(engine, column) + " COLLATE \"C\")";
  if (classes_[column] == TypeClass::text) return "(" + x + " COLLATE \"C\")";
  return x;
}

std::string TableSql::key_literal(Engine engine, std::size_t key_index, const std::string& canonical) const {
  const std::size_t column = key_columns_[key_index];
  const TypeClass cls = classes_[column];
  if (engine == Engine::mysql) {
    if (cls == TypeClass::bytea) return "X'" + canonical + "'";
    // Numbers unquoted: MySQL compares a DECIMAL or BIGINT with a string as doubles, which cannot
    // tell 10000000000000000001 from 10000000000000000002.
    const bool number = cls == TypeClass::integer || cls == TypeClass::numeric || cls == TypeClass::floating;
    if (number && !canonical.empty() && canonical.find_first_not_of("0123456789.-+e") == std::string::npos)
      return canonical;
    return sql::quote_string(canonical);
  }
  if (compares_as_text(column) || cls == TypeClass::text) return quote_pg_literal(canonical);
  return quote_pg_literal(pg_literal_text(cls, canonical)) + "::" + table_.columns[column].pg_type;
}

std::string TableSql::lexicographic(Engine engine, const Key& bound, bool lower) const {
  // (k1, k2) >= (v1, v2) as k1 > v1 OR (k1 = v1 AND k2 >= v2), which both engines plan as ranges.
  const std::size_t n = key_columns_.size();
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string term;
    for (std::size_t j = 0; j < i; ++j)
      term += compare_expr(engine, j) + " = " + key_literal(engine, j, bound[j]) + " AND ";
    const char* op = lower ? (i + 1 == n ? " >= " : " > ") : " < ";
    term += compare_expr(engine, i) + op + key_literal(engine, i, bound[i]);
    out += (i ? " OR " : "") + ("(" + term + ")");
  }
  return n == 1 ? out : "(" + out + ")";
}

std::string TableSql::range_predicate(Engine engine, const KeyRange& range) const {
  std::string out;
  if (range.lo) out = lexicographic(engine, *range.lo, true);
  if (range.hi) out += (out.empty() ? "" : " AND ") + lexicographic(engine, *range.hi, false);
  return out.empty() ? "TRUE" : out;
}

std::string TableSql::keys_predicate(Engine engine, const std::vector<Key>& keys) const {
  if (keys.empty()) return "FALSE";
  std::string out;
  if (key_columns_.size() == 1) {
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + key_literal(engine, 0, k[0]);
    return compare_expr(engine, 0) + " IN (" + out + ")";
  }
  for (const auto& k : keys) {
    std::string term;
    for (std::size_t j = 0; j < key_columns_.size(); ++j)
      term += (j ? " AND " : "") + compare_expr(engine, j) + " = " + key_literal(engine, j, k[j]);
    out += (out.empty() ? "(" : " OR (") + term + ")";
  }
  return "(" + out + ")";
}

std::string TableSql::plan_query(std::uint64_t chunk_rows) const {
  // The window runs over the bare key columns; only the boundary rows are made canonical.
  std::string keys, columns, order;
  for (std::size_t i = 0; i < key_columns_.size(); ++i) {
    keys += (i ? ", " : "") + canonical(Engine::postgres, key_columns_[i]);
    columns += (i ? ", " : "") + column_ref(Engine::postgres, key_columns_[i]);
    order += (i ? ", " : "") + compare_expr(Engine::postgres, i);
  }
  return "SELECT " + keys + " FROM (SELECT " + columns + ", row_number() OVER (ORDER BY " + order + ") AS rn FROM " +
         pg_table() + ") s WHERE rn % " + std::to_string(chunk_rows) + " = 0 ORDER BY rn";
}

std::string TableSql::chunk_query(Engine engine, const KeyRange& range) const {
  if (engine == Engine::postgres)
    return "SELECT count(*), coalesce(sum(('x' || substr(md5(" + row_text(engine) +
           "), 1, 16))::bit(64)::bigint), 0)::text FROM " + pg_table() + " WHERE " + range_predicate(engine, range);
  return "SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(SUBSTR(MD5(" + row_text(engine) +
         "), 1, 16), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM " + mysql_table() + " WHERE " +
         range_predicate(engine, range);
}

std::string TableSql::row_hashes_query(Engine engine, const KeyRange& range) const {
  std::string keys;
  for (std::size_t i = 0; i < key_columns_.size(); ++i) keys += canonical(engine, key_columns_[i]) + ", ";
  if (engine == Engine::postgres)
    return "SELECT " + keys + "md5(" + row_text(engine) + ") FROM " + pg_table() + " WHERE " +
           range_predicate(engine, range);
  return "SELECT " + keys + "MD5(" + row_text(engine) + ") FROM " + mysql_table() + " WHERE " +
         range_predicate(engine, range);
}

std::string TableSql::rows_query(Engine engine, const std::vector<Key>& keys, bool for_share) const {
  std::string cols;
  for (std::size_t i = 0; i < key_columns_.size(); ++i) cols += canonical(engine, key_columns_[i]) + ", ";
  for (std::size_t i = 0; i < table_.columns.size(); ++i) cols += (i ? ", " : "") + canonical(engine, i);
  if (engine == Engine::postgres)
    return "SELECT " + cols + ", xmin::text FROM " + pg_table() + " WHERE " + keys_predicate(engine, keys) +
           (for_share ? " FOR SHARE" : "");
  return "SELECT " + cols + " FROM " + mysql_table() + " WHERE " + keys_predicate(engine, keys);
}

std::string TableSql::source_rows_query(const std::vector<Key>& keys) const {
  std::string cols;
  for (std::size_t i = 0; i < table_.columns.size(); ++i) cols += (i ? ", " : "") + column_ref(Engine::postgres, i);
  return "SELECT " + cols + " FROM " + pg_table() + " WHERE " + keys_predicate(Engine::postgres, keys);
}

std::string TableSql::mysql_delete(const std::vector<Key>& keys) const {
  return "DELETE FROM " + mysql_table() + " WHERE " + keys_predicate(Engine::mysql, keys);
}

std::optional<std::uint64_t> sum_mod_2_64(const std::string& decimal) {
  std::size_t i = 0;
  bool negative = false;
  if (i < decimal.size() && (decimal[i] == '-' || decimal[i] == '+')) negative = decimal[i++] == '-';
  if (i == decimal.size()) return std::nullopt;
  std::uint64_t v = 0;  // arithmetic modulo 2^64 is what unsigned overflow does
  for (; i < decimal.size(); ++i) {
    if (decimal[i] == '.') {  // a decimal sum prints no fraction, but a ".0" tail is harmless
      for (++i; i < decimal.size(); ++i)
        if (decimal[i] != '0') return std::nullopt;
      break;
    }
    if (decimal[i] < '0' || decimal[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(decimal[i] - '0');
  }
  return negative ? ~v + 1 : v;
}

bool same_value(TypeClass cls, const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return !a && !b;
  if (*a == *b) return true;
  if (cls == TypeClass::floating) {
    char *ea = nullptr, *eb = nullptr;
    const double x = std::strtod(a->c_str(), &ea), y = std::strtod(b->c_str(), &eb);
    return *ea == '\0' && *eb == '\0' && x == y;
  }
  if (cls == TypeClass::json || cls == TypeClass::array) {
    boost::system::error_code ea, eb;
    const auto x = boost::json::parse(exact_numbers(*a), ea);
    const auto y = boost::json::parse(exact_numbers(*b), eb);
    return !ea && !eb && same_json(x, y);
  }
  return false;
}

}  // namespace tandem::migrator::validate

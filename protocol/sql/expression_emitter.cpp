// Expressions: operators, constants, casts and function calls, PostgreSQL semantics kept or refused.
#include <algorithm>
#include <cctype>
#include <map>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"
#include "protocol/sql/value_conversion.hpp"

namespace tandem::sql::detail {
namespace {

TypeClass arithmetic_result(TypeClass a, TypeClass b) {
  if (a == TypeClass::floating || b == TypeClass::floating) return TypeClass::floating;
  if (a == TypeClass::numeric || b == TypeClass::numeric) return TypeClass::numeric;
  if (a == TypeClass::integer && b == TypeClass::integer) return TypeClass::integer;
  return TypeClass::unknown;
}

// "1 year 2 mons 3 days 04:05:06.5", "2 hours", "-1 day", "1 week": PostgreSQL's interval input,
// the common subset; anything else is refused rather than guessed.
std::optional<IntervalParts> parse_interval_literal(const std::string& text) {
  long long months = 0, days = 0, micros = 0;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
  };
  skip();
  if (i >= text.size()) return std::nullopt;
  while (i < text.size()) {
    bool negative = false;
    if (text[i] == '-' || text[i] == '+') {
      negative = text[i] == '-';
      ++i;
    }
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == ':'))
      ++i;
    std::string number = text.substr(start, i - start);
    if (number.empty()) return std::nullopt;
    if (number.find(':') != std::string::npos) {  // hh:mm[:ss[.ffffff]]
      long long h = 0, m = 0;
      double sec = 0;
      if (std::sscanf(number.c_str(), "%lld:%lld:%lf", &h, &m, &sec) < 2) return std::nullopt;
      long long span = (h * 3600 + m * 60) * 1000000LL + static_cast<long long>(sec * 1000000.0 + 0.5);
      micros += negative ? -span : span;
      skip();
      continue;
    }
    skip();
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = ascii_lower(text.substr(unit_start, i - unit_start));
    skip();
    if (number.find('.') != std::string::npos && unit.find("sec") == std::string::npos && unit != "s")
      return std::nullopt;
    const double value = std::stod(number) * (negative ? -1 : 1);
    const long long whole = static_cast<long long>(value);
    if (unit == "year" || unit == "years" || unit == "y" || unit == "yr" || unit == "yrs")
      months += whole * 12;
    else if (unit == "mon" || unit == "mons" || unit == "month" || unit == "months")
      months += whole;
    else if (unit == "week" || unit == "weeks" || unit == "w")
      days += whole * 7;
    else if (unit == "day" || unit == "days" || unit == "d")
      days += whole;
    else if (unit == "hour" || unit == "hours" || unit == "h" || unit == "hr" || unit == "hrs")
      micros += whole * 3600000000LL;
    else if (unit == "minute" || unit == "minutes" || unit == "min" || unit == "mins" || unit == "m")
      micros += whole * 60000000LL;
    else if (unit == "second" || unit == "seconds" || unit == "sec" || unit == "secs" || unit == "s")
      micros += static_cast<long long>(value * 1000000.0 + (value < 0 ? -0.5 : 0.5));
    else if (unit == "millisecond" || unit == "milliseconds" || unit == "ms")
      micros += whole * 1000;
    else if (unit == "microsecond" || unit == "microseconds" || unit == "us")
      micros += whole;
    else
      return std::nullopt;
  }
  IntervalParts p;
  if (months) p.months = std::to_string(months);
  if (days) p.days = std::to_string(days);
  if (micros) p.micros = std::to_string(micros);
  return p;
}

// Applies an interval to a timestamp expression, months first, then days, then time: the order
// PostgreSQL uses, which matters at month ends.
std::string apply_interval(const std::string& base, const IntervalParts& p, bool subtract) {
  const char* op = subtract ? " - " : " + ";
  std::string out = "(" + base;
  if (!p.months.empty()) out += op + std::string("INTERVAL (") + p.months + ") MONTH";
  if (!p.days.empty()) out += op + std::string("INTERVAL (") + p.days + ") DAY";
  if (!p.micros.empty()) out += op + std::string("INTERVAL (") + p.micros + ") MICROSECOND";
  return out + ")";
}

// 1.5e3 -> 1500: MySQL reads exponent notation as DOUBLE, PostgreSQL as numeric.
std::string plain_decimal(const std::string& text) {
  auto e = text.find_first_of("eE");
  if (e == std::string::npos) return text;
  std::string mantissa = text.substr(0, e);
  int exponent = std::stoi(text.substr(e + 1));
  auto dot = mantissa.find('.');
  std::string digits = mantissa;
  int point = static_cast<int>(mantissa.size());
  if (dot != std::string::npos) {
    digits = mantissa.substr(0, dot) + mantissa.substr(dot + 1);
    point = static_cast<int>(dot);
  }
  point += exponent;
  if (point <= 0) return "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  if (point >= static_cast<int>(digits.size())) return digits + std::string(point - digits.size(), '0');
  return digits.substr(0, point) + "." + digits.substr(point);
}

}  // namespace

std::optional<ColumnInfo> Emitter::resolve_column(const std::vector<std::string>& fields) {
  if (fields.empty() || fields.size() > 3) return std::nullopt;
  const std::string& column = fields.back();
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    for (const auto& entry : *scope) {
      if (fields.size() >= 2 && entry.alias != fields[fields.size() - 2]) continue;
      for (const auto& c : entry.columns)
        if (c.name == column) return c;
    }
  }
  return std::nullopt;
}

Expr Emitter::column_ref(const Object& c) {
  const Array* fields = array_field(c, "fields");
  std::vector<std::string> names;
  std::string sql;
  bool star = false;
  for (const auto& f : *fields) {
    if (as(f, "A_Star")) {
      star = true;
      if (!sql.empty()) sql += ".";
      sql += "*";
      continue;
    }
    names.push_back(string_value(f));
    if (!sql.empty()) sql += ".";
    sql += quote_identifier(names.back());
  }
  if (names.size() == 3) {  // schema.table.column
    const std::string& schema = names[0];
    sql = (schema == "public" ? std::string() : quote_identifier(schema) + ".") + quote_identifier(names[1]) + "." +
          quote_identifier(names[2]);
  }
  if (star) return make_expr(sql);
  if (in_on_conflict_ && names.size() == 2 && names[0] == "excluded") {
    Expr e = make_expr("VALUES(" + quote_identifier(names[1]) + ")");
    if (auto col = resolve_column({names[1]})) e.type = type_class(col->pg_type);
    return e;
  }
  Expr e = make_expr(sql);
  if (auto col = resolve_column(names)) {
    e.type = type_class(col->pg_type);
    e.not_null = col->not_null;
  }
  return e;
}

Expr Emitter::constant(const Object& c) {
  if (bool_field(c, "isnull")) return make_expr("NULL", TypeClass::null);
  if (auto* iv = c.if_contains("ival")) {
    long long v = int_field(iv->as_object(), "ival", 0);
    // libpg_query's JSON output drops negative integer constants ({"ival": {}}), so an absent
    // value is read back from the statement text at the constant's location.
    if (!iv->as_object().contains("ival")) {
      const int loc = location_of(c);
      if (loc >= 0 && static_cast<std::size_t>(loc) < source_.size()) {
        std::string digits;
        std::size_t i = static_cast<std::size_t>(loc);
        if (source_[i] == '-') digits += source_[i++];
        while (i < source_.size() && (source_[i] == ' ' || source_[i] == '\t' || source_[i] == '\n')) ++i;
        while (i < source_.size() && std::isdigit(static_cast<unsigned char>(source_[i]))) digits += source_[i++];
        if (digits.empty() || digits == "-") refuse("cannot read an integer constant", loc);
        v = std::stoll(digits);
      }
    }
    Expr e = make_expr(std::to_string(v), TypeClass::integer, true);
    e.integer = v;
    return e;
  }
  if (auto* fv = c.if_contains("fval")) {
    std::string text = string_field(fv->as_object(), "fval");
    return make_expr(plain_decimal(text), TypeClass::numeric, true);
  }
  if (auto* bv = c.if_contains("boolval")) {
    return make_expr(bool_field(bv->as_object(), "boolval") ? "TRUE" : "FALSE", TypeClass::boolean, true);
  }
  if (auto* sv = c.if_contains("sval")) {
    std::string text = string_field(sv->as_object(), "sval");
    Expr e = make_expr(quote_string(text), TypeClass::unknown, true);
    e.literal = text;
    return e;
  }
  if (auto* bs = c.if_contains("bsval")) {
    refuse("bit-string constants have no MySQL equivalent", location_of(c));
    (void)bs;
  }
  refuse("unsupported constant", location_of(c));
}

// An untyped string constant takes the type of what it is compared with or stored into, as in
// PostgreSQL; MySQL would compare it as text.
Expr Emitter::coerce_literal(Expr e, TypeClass target, const PgType* target_type, int location) {
  if (e.parameter && target != TypeClass::unknown && target != TypeClass::null) {
    // The caller converts the bound value to MySQL's form of this type (value_conversion.hpp).
    const int number = std::stoi(e.sql.substr(1, e.sql.size() - 2));
    std::string type = target_type ? to_string(*target_type) : representative_type(target);
    if (!type.empty()) parameter_types_.emplace(number, type);
  }
  if (!e.literal) return e;
  const std::string& text = *e.literal;
  switch (target) {
    case TypeClass::boolean: {
      auto b = to_mysql_value("boolean", text);
      if (!b) refuse("invalid input for type boolean: " + quote_string(text), location);
      return make_expr(*b == "1" ? "TRUE" : "FALSE", TypeClass::boolean, true);
    }
    case TypeClass::timestamptz: {
      auto utc = timestamptz_to_utc(text);
      if (!utc) refuse(utc.error(), location);
      return make_expr("CAST(" + quote_string(*utc) + " AS DATETIME(6))", TypeClass::timestamptz, true);
    }
    case TypeClass::timestamp: {
      // Without a zone the value is taken as written; the conversion only validates the form.
      auto checked = timestamptz_to_utc(text);
      if (!checked || text.find_first_of("+Z") != std::string::npos)
        refuse("timestamp literal " + quote_string(text) + " cannot be converted", location);
      return make_expr("CAST(" + quote_string(text) + " AS DATETIME(6))", TypeClass::timestamp, true);
    }
    case TypeClass::date: {
      for (char ch : text)
        if (std::isalpha(static_cast<unsigned char>(ch)))
          refuse("date literal " + quote_string(text) + " is not supported", location);
      return make_expr("CAST(" + quote_string(text) + " AS DATE)", TypeClass::date, true);
    }
    case TypeClass::bytea: {
      auto bytes = to_mysql_value("bytea", text);
      if (!bytes) refuse("bytea literal must use the hex form '\\x...'", location);
      return make_expr(hex_literal(*bytes), TypeClass::bytea, true);
    }
    case TypeClass::uuid: {
      return make_expr(quote_string(ascii_lower(text)), TypeClass::uuid, true);
    }
    case TypeClass::integer:
    case TypeClass::numeric:
    case TypeClass::floating: {
      // '42' compared with a number: MySQL converts too, but would accept '42abc'.
      std::string t = text;
      bool ok = !t.empty();
      for (char ch : t)
        if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '+' || ch == 'e' ||
              ch == 'E' || ch == ' '))
          ok = false;
      if (!ok) refuse("invalid input for a numeric type: " + quote_string(text), location);
      return make_expr(quote_string(text), target, true);
    }
    case TypeClass::array: {
      TypeClass element = TypeClass::unknown;
      if (target_type) {
        PgType el = *target_type;
        el.array_dims = 0;
        element = type_class(el);
      }
      auto json = array_to_json(text, element);
      if (!json) refuse("array literal " + quote_string(text) + ": " + json.error(), location);
      return make_expr(quote_string(*json), TypeClass::array, true);
    }
    default:
      return e;
  }
}

Expr Emitter::expr(const Node& n) {
  const std::string_view type = node_type(n);
  const Object& o = node_body(n);
  if (type == "ColumnRef") return column_ref(o);
  if (type == "A_Const") return constant(o);
  if (type == "ParamRef") {
    Expr e = make_expr(parameter_marker(int_field(o, "number")));
    e.parameter = true;
    return e;
  }
  if (type == "A_Expr") return a_expr(o);
  if (type == "BoolExpr") return bool_expr(o);
  if (type == "TypeCast") return type_cast(o);
  if (type == "FuncCall") return func_call(o);
  if (type == "SubLink") return sublink(o);
  if (type == "CaseExpr") return case_expr(o);
  if (type == "SQLValueFunction") return sql_value_function(o);
  if (type == "NullTest") {
    Expr arg = expr(*node_field(o, "arg"));
    bool is_null = string_field(o, "nulltesttype") == "IS_NULL";
    if (as(*node_field(o, "arg"), "RowExpr")) refuse("IS NULL on a row value is not supported", location_of(o));
    return make_expr("(" + arg.sql + (is_null ? " IS NULL)" : " IS NOT NULL)"), TypeClass::boolean, true);
  }
  if (type == "BooleanTest") {
    Expr arg = expr(*node_field(o, "arg"));
    static const std::map<std::string, std::string> kTests = {
        {"IS_TRUE", "IS TRUE"},           {"IS_NOT_TRUE", "IS NOT TRUE"}, {"IS_FALSE", "IS FALSE"},
        {"IS_NOT_FALSE", "IS NOT FALSE"}, {"IS_UNKNOWN", "IS NULL"},      {"IS_NOT_UNKNOWN", "IS NOT NULL"}};
    return make_expr("(" + arg.sql + " " + kTests.at(string_field(o, "booltesttype")) + ")", TypeClass::boolean, true);
  }
  if (type == "CoalesceExpr") {
    const Array* args = array_field(o, "args");
    std::string sql = "COALESCE(";
    TypeClass t = TypeClass::unknown;
    bool not_null = false;
    for (std::size_t i = 0; i < args->size(); ++i) {
      Expr a = expr((*args)[i]);
      if (i) sql += ", ";
      sql += a.sql;
      if (t == TypeClass::unknown || t == TypeClass::null) t = a.type;
      not_null = not_null || a.not_null;
    }
    return make_expr(sql + ")", t, not_null);
  }
  if (type == "MinMaxExpr") {
    const Array* args = array_field(o, "args");
    std::vector<Expr> items;
    bool all_not_null = true;
    for (const auto& a : *args) {
      items.push_back(expr(a));
      all_not_null = all_not_null && items.back().not_null;
    }
    const std::string fn = string_field(o, "op") == "IS_GREATEST" ? "GREATEST(" : "LEAST(";
    std::string sql = fn;
    // PostgreSQL ignores NULL arguments, MySQL returns NULL: each argument falls back to the others.
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) sql += ", ";
      if (all_not_null) {
        sql += items[i].sql;
        continue;
      }
      sql += "COALESCE(" + items[i].sql;
      for (std::size_t j = 0; j < items.size(); ++j)
        if (j != i) sql += ", " + items[j].sql;
      sql += ")";
    }
    return make_expr(sql + ")", items.empty() ? TypeClass::unknown : items[0].type, all_not_null);
  }
  if (type == "RowExpr") {
    return make_expr("(" + expr_list(array_field(o, "args")) + ")");
  }
  if (type == "A_ArrayExpr") {
    return make_expr("JSON_ARRAY(" + expr_list(array_field(o, "elements")) + ")", TypeClass::array, true);
  }
  if (type == "CollateClause") {
    auto names = string_list(array_field(o, "collname"));
    if (names.size() == 1 && (names[0] == "C" || names[0] == "POSIX")) return expr(*node_field(o, "arg"));
    refuse("COLLATE \"" + (names.empty() ? std::string() : names.back()) + "\" has no MySQL equivalent",
           location_of(o));
  }
  if (type == "A_Indirection") refuse("array subscripts and field selection are not supported", location_of(n));
  if (type == "SetToDefault") return make_expr("DEFAULT");
  if (type == "GroupingFunc") refuse("GROUPING() is not supported by the translation", location_of(o));
  refuse(std::string(type) + " expressions are not supported", location_of(n));
}

std::string Emitter::expr_list(const Array* a) {
  std::string out;
  if (!a) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (i) out += ", ";
    out += expr((*a)[i]).sql;
  }
  return out;
}

Expr Emitter::bool_expr(const Object& e) {
  const std::string op = string_field(e, "boolop");
  const Array* args = array_field(e, "args");
  if (op == "NOT_EXPR") return make_expr("(NOT " + expr((*args)[0]).sql + ")", TypeClass::boolean);
  const char* joiner = op == "AND_EXPR" ? " AND " : " OR ";
  std::string sql = "(";
  for (std::size_t i = 0; i < args->size(); ++i) {
    if (i) sql += joiner;
    sql += expr((*args)[i]).sql;
  }
  return make_expr(sql + ")", TypeClass::boolean);
}

Expr Emitter::a_expr(const Object& e) {
  const std::string kind = string_field(e, "kind");
  const auto names = string_list(array_field(e, "name"));
  const std::string op = names.empty() ? std::string() : names.back();
  const Node* lexpr = node_field(e, "lexpr");
  const Node* rexpr = node_field(e, "rexpr");
  const int loc = location_of(e);
  if (kind == "AEXPR_OP") return operator_expr(op, lexpr, rexpr, loc);
  if (kind == "AEXPR_DISTINCT" || kind == "AEXPR_NOT_DISTINCT") {
    Expr l = expr(*lexpr), r = expr(*rexpr);
    r = coerce_literal(std::move(r), l.type, nullptr, loc);
    l = coerce_literal(std::move(l), r.type, nullptr, loc);
    std::string same = "(" + l.sql + " <=> " + r.sql + ")";
    return make_expr(kind == "AEXPR_DISTINCT" ? "(NOT " + same + ")" : same, TypeClass::boolean, true);
  }
  if (kind == "AEXPR_NULLIF") {
    Expr l = expr(*lexpr), r = expr(*rexpr);
    r = coerce_literal(std::move(r), l.type, nullptr, loc);
    return make_expr("NULLIF(" + l.sql + ", " + r.sql + ")", l.type);
  }
  if (kind == "AEXPR_IN") {
    Expr l = expr(*lexpr);
    std::string list;
    for (const auto& item : list_items(*rexpr)) {
      Expr i = coerce_literal(expr(item), l.type, nullptr, loc);
      if (!list.empty()) list += ", ";
      list += i.sql;
    }
    const bool negated = op == "<>";
    return make_expr("(" + l.sql + (negated ? " NOT IN (" : " IN (") + list + "))", TypeClass::boolean);
  }
  if (kind == "AEXPR_OP_ANY" || kind == "AEXPR_OP_ALL") {
    Expr l = expr(*lexpr);
    const Object* arr = as(*rexpr, "A_ArrayExpr");
    if (!arr && as(*rexpr, "ParamRef") && (op == "=" || op == "<>") && (kind == "AEXPR_OP_ANY") == (op == "=") &&
        (l.type == TypeClass::integer || l.type == TypeClass::text)) {
      // x = ANY($1) / x <> ALL($1): the caller binds the array as JSON (parameter_types says
      // "bigint[]" or "text[]"). A match is true; no match is NULL when the array holds a NULL
      // (as in PostgreSQL), else false.
      Expr array = expr(*rexpr);
      const std::string element =
          l.type == TypeClass::integer ? "CAST(" + l.sql + " AS CHAR)" : "JSON_QUOTE(" + l.sql + ")";
      const int number = std::stoi(array.sql.substr(1, array.sql.size() - 2));
      parameter_types_.emplace(number, representative_type(l.type) + "[]");
      const std::string any = "(CASE WHEN JSON_CONTAINS(" + array.sql + ", " + element +
                              ") THEN TRUE WHEN JSON_CONTAINS(" + array.sql + ", 'null') OR " + l.sql +
                              " IS NULL THEN NULL ELSE FALSE END)";
      return make_expr(op == "=" ? any : "(NOT " + any + ")", TypeClass::boolean);
    }
    if (!arr) {
      // '{1,2}'::int[] or a parameter: MySQL has no arrays to compare against.
      refuse(op + " " + (kind == "AEXPR_OP_ANY" ? "ANY" : "ALL") +
                 "(array) needs a literal ARRAY[...]; an array parameter must be expanded by the caller",
             loc);
    }
    std::string list;
    for (const auto& item : *array_field(*arr, "elements")) {
      Expr i = coerce_literal(expr(item), l.type, nullptr, loc);
      if (!list.empty()) list += ", ";
      list += i.sql;
    }
    if (list.empty()) return make_expr(kind == "AEXPR_OP_ANY" ? "FALSE" : "TRUE", TypeClass::boolean);
    if (kind == "AEXPR_OP_ANY" && op == "=") return make_expr("(" + l.sql + " IN (" + list + "))", TypeClass::boolean);
    if (kind == "AEXPR_OP_ALL" && op == "<>")
      return make_expr("(" + l.sql + " NOT IN (" + list + "))", TypeClass::boolean);
    refuse(op + (kind == "AEXPR_OP_ANY" ? " ANY" : " ALL") + "(ARRAY[...]) is supported only as = ANY or <> ALL", loc);
  }
  if (kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE") {
    Expr l = expr(*lexpr);
    const Node* pattern = rexpr;
    std::string escape = "'\\\\'";
    escape = "'\\'";
    // LIKE ... ESCAPE arrives as like_escape(pattern, escape).
    if (const Object* f = as(*rexpr, "FuncCall")) {
      auto fn = string_list(array_field(*f, "funcname"));
      if (!fn.empty() && fn.back() == "like_escape") {
        const Array* args = array_field(*f, "args");
        pattern = &(*args)[0];
        escape = expr((*args)[1]).sql;
      }
    }
    Expr p = expr(*pattern);
    const bool negated = op.starts_with("!");
    std::string sql;
    if (kind == "AEXPR_ILIKE")
      sql =
          "(LOWER(" + l.sql + ")" + (negated ? " NOT LIKE " : " LIKE ") + "LOWER(" + p.sql + ") ESCAPE " + escape + ")";
    else
      sql = "(" + l.sql + (negated ? " NOT LIKE " : " LIKE ") + p.sql + " ESCAPE " + escape + ")";
    return make_expr(sql, TypeClass::boolean);
  }
  if (kind == "AEXPR_SIMILAR") refuse("SIMILAR TO is not supported", loc);
  if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN" || kind == "AEXPR_BETWEEN_SYM" ||
      kind == "AEXPR_NOT_BETWEEN_SYM") {
    Expr l = expr(*lexpr);
    const Array& bounds = list_items(*rexpr);
    Expr lo = coerce_literal(expr(bounds[0]), l.type, nullptr, loc);
    Expr hi = coerce_literal(expr(bounds[1]), l.type, nullptr, loc);
    const bool negated = kind.find("NOT") != std::string::npos;
    const bool symmetric = kind.ends_with("_SYM");
    std::string range = symmetric ? "LEAST(" + lo.sql + ", " + hi.sql + ") AND GREATEST(" + lo.sql + ", " + hi.sql + ")"
                                  : lo.sql + " AND " + hi.sql;
    return make_expr("(" + l.sql + (negated ? " NOT BETWEEN " : " BETWEEN ") + range + ")", TypeClass::boolean);
  }
  refuse("operator kind " + kind + " is not supported", loc);
}

Expr Emitter::operator_expr(const std::string& op, const Node* lnode, const Node* rnode, int loc) {
  if (!lnode) {  // prefix operator
    Expr r = expr(*rnode);
    if (op == "-") {
      if (r.integer) {
        Expr e = make_expr("-" + r.sql, TypeClass::integer, true);
        e.integer = -*r.integer;
        return e;
      }
      return make_expr("(- " + r.sql + ")", r.type, r.not_null);
    }
    if (op == "+") return r;
    if (op == "@") return make_expr("ABS(" + r.sql + ")", r.type, r.not_null);
    if (op == "~") refuse("bitwise NOT (~) is not supported", loc);
    refuse("prefix operator " + op + " is not supported", loc);
  }
  if (op == "->" || op == "->>" || op == "#>" || op == "#>>" || op == "@>" || op == "<@" || op == "?" || op == "?|" ||
      op == "?&") {
    return json_operator(op, expr(*lnode), *rnode, loc);
  }
  Expr l = expr(*lnode);
  if (l.interval) refuse("an interval on the left of " + op + " is not supported; write timestamp + interval", loc);
  // timestamp +/- interval, date +/- integer, timestamp - timestamp.
  if ((op == "+" || op == "-") &&
      (l.type == TypeClass::timestamp || l.type == TypeClass::timestamptz || l.type == TypeClass::date)) {
    return interval_arithmetic(op, std::move(l), *rnode, loc);
  }
  Expr r = expr(*rnode);
  if (r.interval || r.interval_micros) {
    if (op == "+" || op == "-") {
      refuse("interval arithmetic needs a timestamp or date on the left; its type is unknown here", loc);
    }
  }
  if (l.interval_micros || r.interval_micros) {
    // A span compared with an interval constant: both in microseconds, a month as 30 days, as
    // PostgreSQL compares intervals.
    auto micros_of = [&](const Expr& e) -> std::string {
      if (e.interval_micros) return e.sql;
      if (e.interval) {
        std::string s = "(0";
        if (!e.interval->months.empty()) s += " + (" + e.interval->months + ") * 2592000000000";
        if (!e.interval->days.empty()) s += " + (" + e.interval->days + ") * 86400000000";
        if (!e.interval->micros.empty()) s += " + (" + e.interval->micros + ")";
        return s + ")";
      }
      refuse("an interval can be compared only with another interval here", loc);
    };
    static const std::vector<std::string> kComparisons = {"=", "<>", "<", ">", "<=", ">="};
    if (std::find(kComparisons.begin(), kComparisons.end(), op) == kComparisons.end())
      refuse("operator " + op + " on an interval is not supported", loc);
    return make_expr("(" + micros_of(l) + " " + op + " " + micros_of(r) + ")", TypeClass::boolean);
  }
  if (op == "=" || op == "<>" || op == "<" || op == ">" || op == "<=" || op == ">=") {
    r = coerce_literal(std::move(r), l.type, nullptr, loc);
    l = coerce_literal(std::move(l), r.type, nullptr, loc);
    if (l.type == TypeClass::json || r.type == TypeClass::json) {
      if (op != "=" && op != "<>") refuse("ordering comparison of json values is not supported", loc);
      // MariaDB's JSON is text: JSON_EQUALS compares values; MySQL compares JSON values natively.
      if (dialect() == Dialect::mariadb)
        return make_expr("(JSON_EQUALS(" + l.sql + ", " + r.sql + ")" + (op == "=" ? " = 1)" : " = 0)"),
                         TypeClass::boolean);
      return make_expr("(CAST(" + l.sql + " AS JSON) " + op + " CAST(" + r.sql + " AS JSON))", TypeClass::boolean);
    }
    return make_expr("(" + l.sql + " " + op + " " + r.sql + ")", TypeClass::boolean, l.not_null && r.not_null);
  }
  if (op == "||") {
    if (l.type == TypeClass::json || r.type == TypeClass::json) refuse("jsonb || jsonb is not supported", loc);
    if (l.type == TypeClass::array || r.type == TypeClass::array) refuse("array concatenation is not supported", loc);
    if (l.type == TypeClass::bytea || r.type == TypeClass::bytea)
      return make_expr("CONCAT(" + l.sql + ", " + r.sql + ")", TypeClass::bytea);
    auto as_text = [](const Expr& e) {
      // true || 'x' is 'truex' in PostgreSQL, '1x' in MySQL.
      if (e.type == TypeClass::boolean) return "IF(" + e.sql + ", 'true', 'false')";
      return e.sql;
    };
    return make_expr("CONCAT(" + as_text(l) + ", " + as_text(r) + ")", TypeClass::text, l.not_null && r.not_null);
  }
  if (op == "+" || op == "-" || op == "*") {
    if (op == "*" && (r.interval || l.interval))
      refuse("interval * number is supported only inside timestamp arithmetic", loc);
    return make_expr("(" + l.sql + " " + op + " " + r.sql + ")", arithmetic_result(l.type, r.type),
                     l.not_null && r.not_null);
  }
  if (op == "/") {
    TypeClass t = arithmetic_result(l.type, r.type);
    if (t == TypeClass::integer) return make_expr("(" + l.sql + " DIV " + r.sql + ")", TypeClass::integer);
    if (t == TypeClass::numeric || t == TypeClass::floating) return make_expr("(" + l.sql + " / " + r.sql + ")", t);
    refuse(
        "cannot tell whether '/' divides integers (PostgreSQL truncates, MySQL does not): operand types are unknown; "
        "cast an operand",
        loc);
  }
  if (op == "%") return make_expr("(" + l.sql + " % " + r.sql + ")", arithmetic_result(l.type, r.type));
  if (op == "^") return make_expr("POWER(" + l.sql + ", " + r.sql + ")", TypeClass::floating);
  if (op == "~" || op == "~*" || op == "!~" || op == "!~*") {
    const bool negated = op.starts_with("!");
    const bool icase = op.ends_with("*");
    std::string pattern = icase ? "CONCAT('(?i)', " + r.sql + ")" : r.sql;
    return make_expr("(" + l.sql + (negated ? " NOT REGEXP " : " REGEXP ") + pattern + ")", TypeClass::boolean);
  }
  if (op == "&" || op == "|" || op == "<<" || op == ">>") {
    if (l.type == TypeClass::integer && r.type == TypeClass::integer)
      return make_expr("(" + l.sql + " " + op + " " + r.sql + ")", TypeClass::integer);
    refuse("bitwise operator " + op + " needs integer operands of known type", loc);
  }
  if (op == "#") refuse("bitwise XOR (#) is not supported", loc);
  refuse("operator " + op + " is not supported", loc);
}

Expr Emitter::interval_arithmetic(const std::string& op, Expr l, const Node& rnode, int loc) {
  Expr r = expr(rnode);
  const bool subtract = op == "-";
  if (r.interval) {
    std::string base = l.sql;
    TypeClass t = l.type;
    if (l.type == TypeClass::date) {
      base = "CAST(" + l.sql + " AS DATETIME(6))";  // date + interval is a timestamp
      t = TypeClass::timestamp;
    }
    return make_expr(apply_interval(base, *r.interval, subtract), t, l.not_null);
  }
  if (l.type == TypeClass::date && r.type == TypeClass::integer) {
    return make_expr(std::string(subtract ? "DATE_SUB(" : "DATE_ADD(") + l.sql + ", INTERVAL (" + r.sql + ") DAY)",
                     TypeClass::date);
  }
  if (subtract) {
    r = coerce_literal(std::move(r), l.type, nullptr, loc);
    if (l.type == TypeClass::date && r.type == TypeClass::date)
      return make_expr("DATEDIFF(" + l.sql + ", " + r.sql + ")", TypeClass::integer);
    if ((l.type == TypeClass::timestamp || l.type == TypeClass::timestamptz) &&
        (r.type == TypeClass::timestamp || r.type == TypeClass::timestamptz)) {
      Expr e = make_expr("TIMESTAMPDIFF(MICROSECOND, " + r.sql + ", " + l.sql + ")", TypeClass::interval);
      e.interval_micros = true;
      return e;
    }
  }
  refuse("date/time " + op + " needs an interval constant, an integer number of days or another timestamp", loc);
}

Expr Emitter::json_operator(const std::string& op, Expr l, const Node& rnode, int loc) {
  Expr r = expr(rnode);
  auto member_path = [&](const Expr& key) -> std::string {
    if (key.integer) return quote_string("$[" + std::to_string(*key.integer) + "]");
    if (key.literal) {
      boost::json::string quoted(*key.literal);
      return quote_string("$." + boost::json::serialize(boost::json::value(quoted)));
    }
    if (key.parameter) return "CONCAT('$.', JSON_QUOTE(" + key.sql + ") COLLATE " + text_collation(dialect()) + ")";
    refuse("a json key must be a constant or a parameter", loc);
  };
  auto text_of = [&](const std::string& extracted) { return json_text(extracted); };
  if (op == "->" || op == "->>") {
    std::string extracted = "JSON_EXTRACT(" + l.sql + ", " + member_path(r) + ")";
    if (op == "->") return make_expr(extracted, TypeClass::json);
    return make_expr(text_of(extracted), TypeClass::text);
  }
  if (op == "#>" || op == "#>>") {
    if (!r.literal) refuse("a json path (#>, #>>) must be a constant like '{a,b}'", loc);
    const std::string& text = *r.literal;
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') refuse("json path must look like '{a,b}'", loc);
    std::string path = "$";
    std::string body = text.substr(1, text.size() - 2);
    std::size_t pos = 0;
    while (pos <= body.size() && !body.empty()) {
      auto comma = body.find(',', pos);
      if (comma == std::string::npos) comma = body.size();
      std::string key = body.substr(pos, comma - pos);
      if (!key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); }))
        refuse("a numeric json path element is ambiguous (array index or object key) in MySQL", loc);
      path += "." + boost::json::serialize(boost::json::value(boost::json::string(key)));
      pos = comma + 1;
      if (comma == body.size()) break;
    }
    std::string extracted = "JSON_EXTRACT(" + l.sql + ", " + quote_string(path) + ")";
    if (op == "#>") return make_expr(extracted, TypeClass::json);
    return make_expr(text_of(extracted), TypeClass::text);
  }
  if (op == "@>") return make_expr("JSON_CONTAINS(" + l.sql + ", " + r.sql + ")", TypeClass::boolean);
  if (op == "<@") return make_expr("JSON_CONTAINS(" + r.sql + ", " + l.sql + ")", TypeClass::boolean);
  refuse("json operator " + op + " is not supported", loc);
}

PgType Emitter::type_name(const Object& tn) {
  auto names = string_list(array_field(tn, "names"));
  PgType t;
  if (names.empty()) refuse("empty type name", location_of(tn));
  std::string base = names.back();
  if (names.size() == 2 && names[0] != "pg_catalog") t.schema = names[0];
  t.serial = base == "serial" || base == "bigserial" || base == "smallserial" || base == "serial4" ||
             base == "serial8" || base == "serial2";
  t.name = canonical_type_name(base);
  if (const Array* mods = array_field(tn, "typmods")) {
    for (const auto& m : *mods) {
      const Object* c = as(m, "A_Const");
      if (!c || !c->if_contains("ival")) refuse("type modifiers must be integer constants", location_of(tn));
      t.mods.push_back(static_cast<int>(int_field(c->at("ival").as_object(), "ival")));
    }
  }
  // interval(6), timestamp(3): the parser gives a precision typmod. INTERVAL field restrictions
  // (YEAR TO MONTH) arrive as a bitmask; keep only what matters here.
  if (t.name == "interval") t.mods.clear();
  if (const Array* bounds = array_field(tn, "arrayBounds")) t.array_dims = static_cast<int>(bounds->size());
  return t;
}

Expr Emitter::cast_to(Expr value, const PgType& t, int loc) {
  const TypeClass target = type_class(t);
  if (value.parameter) {
    // A bound value is converted to MySQL's form by the caller (parameter_types).
    value = coerce_literal(std::move(value), target, &t, loc);
    if (target == TypeClass::boolean || target == TypeClass::timestamptz || target == TypeClass::bytea ||
        target == TypeClass::uuid || target == TypeClass::json || target == TypeClass::array)
      return make_expr(value.sql, target);
  }
  if (t.name == "interval") {
    if (!value.literal) refuse("only constant intervals are supported", loc);
    auto parts = parse_interval_literal(*value.literal);
    if (!parts) refuse("interval " + quote_string(*value.literal) + " is not in a supported form", loc);
    Expr e;
    e.type = TypeClass::interval;
    e.interval = *parts;
    e.not_null = true;
    return e;
  }
  if (value.literal) {
    switch (target) {
      case TypeClass::boolean:
      case TypeClass::timestamptz:
      case TypeClass::timestamp:
      case TypeClass::date:
      case TypeClass::bytea:
      case TypeClass::uuid:
      case TypeClass::array:
        return coerce_literal(std::move(value), target, &t, loc);
      case TypeClass::json: {
        boost::system::error_code ec;
        boost::json::parse(*value.literal, ec);
        if (ec) refuse("invalid json literal " + quote_string(*value.literal), loc);
        return make_expr(value.sql, TypeClass::json, true);
      }
      case TypeClass::text: {
        Expr e = value;
        e.type = TypeClass::text;
        if (t.name == "character varying" && !t.mods.empty())
          e.sql = "CAST(" + value.sql + " AS CHAR(" + std::to_string(t.mods[0]) + "))";
        return e;
      }
      default:
        break;
    }
  }
  if (target == TypeClass::text && value.type == TypeClass::boolean)
    return make_expr("IF(" + value.sql + ", 'true', 'false')", TypeClass::text, value.not_null);
  if (target == TypeClass::boolean) {
    if (value.type == TypeClass::boolean) return value;
    if (value.type == TypeClass::integer)
      return make_expr("(" + value.sql + " <> 0)", TypeClass::boolean, value.not_null);
    refuse("cast to boolean is supported for constants and integers only", loc);
  }
  if (target == TypeClass::integer && (value.type == TypeClass::numeric || value.type == TypeClass::floating)) {
    // numeric -> integer rounds half away from zero in PostgreSQL; floats round half to even.
    return make_expr("CAST(ROUND(" + value.sql + ") AS SIGNED)", TypeClass::integer, value.not_null);
  }
  if (target == TypeClass::json) {
    if (value.type == TypeClass::json) return value;
    refuse("cast to json is supported for constants and json values only", loc);
  }
  if (target == TypeClass::timestamptz && value.type == TypeClass::timestamp)
    return make_expr(value.sql, target, value.not_null);
  if (target == TypeClass::timestamp && value.type == TypeClass::timestamptz)
    return make_expr(value.sql, target, value.not_null);
  if (target == TypeClass::unknown && catalog_.find_enum(t.schema.empty() ? "public" : t.schema, t.name))
    return make_expr(value.sql, TypeClass::text, value.not_null);
  auto cast = mysql_cast_target(t);
  if (!cast) refuse(cast.error(), loc);
  Expr e = make_expr("CAST(" + value.sql + " AS " + *cast + ")", target, value.not_null);
  if (value.integer && target == TypeClass::integer) return value;
  return e;
}

Expr Emitter::type_cast(const Object& c) {
  Expr value = expr(*node_field(c, "arg"));
  PgType t = type_name(node_field(c, "typeName")->as_object());
  return cast_to(std::move(value), t, location_of(c));
}

Expr Emitter::sql_value_function(const Object& f) {
  const std::string op = string_field(f, "op");
  if (op == "SVFOP_CURRENT_DATE") return make_expr("CURRENT_DATE", TypeClass::date, true);
  if (op == "SVFOP_CURRENT_TIMESTAMP" || op == "SVFOP_CURRENT_TIMESTAMP_N")
    return make_expr("NOW(6)", TypeClass::timestamptz, true);
  if (op == "SVFOP_LOCALTIMESTAMP" || op == "SVFOP_LOCALTIMESTAMP_N")
    return make_expr("NOW(6)", TypeClass::timestamp, true);
  if (op == "SVFOP_LOCALTIME" || op == "SVFOP_LOCALTIME_N") return make_expr("CURTIME(6)", TypeClass::time, true);
  if (op == "SVFOP_CURRENT_TIME" || op == "SVFOP_CURRENT_TIME_N")
    refuse("CURRENT_TIME (time with time zone) has no MySQL equivalent", location_of(f));
  refuse("the SQL value function " + op.substr(6) + " has no MySQL translation (the session answers it)",
         location_of(f));
}

Expr Emitter::case_expr(const Object& c) {
  std::string sql = "(CASE";
  Expr arg;
  if (const Node* a = node_field(c, "arg")) {
    arg = expr(*a);
    sql += " " + arg.sql;
  }
  TypeClass t = TypeClass::unknown;
  for (const auto& w : *array_field(c, "args")) {
    const Object& when = node_body(w);
    Expr cond = expr(*node_field(when, "expr"));
    if (node_field(c, "arg")) cond = coerce_literal(std::move(cond), arg.type, nullptr, location_of(when));
    Expr result = expr(*node_field(when, "result"));
    if (t == TypeClass::unknown || t == TypeClass::null) t = result.type;
    sql += " WHEN " + cond.sql + " THEN " + result.sql;
  }
  if (const Node* d = node_field(c, "defresult")) sql += " ELSE " + expr(*d).sql;
  return make_expr(sql + " END)", t);
}

Expr Emitter::sublink(const Object& s) {
  const std::string kind = string_field(s, "subLinkType");
  const Object& query = node_body(*node_field(s, "subselect"));
  const int loc = location_of(s);
  if (kind == "EXISTS_SUBLINK") return make_expr("EXISTS (" + select_statement(query) + ")", TypeClass::boolean, true);
  if (kind == "EXPR_SUBLINK") {
    std::string q = select_statement(query);
    return make_expr("(" + q + ")");
  }
  if (kind == "ANY_SUBLINK" || kind == "ALL_SUBLINK") {
    Expr test = expr(*node_field(s, "testexpr"));
    auto ops = string_list(array_field(s, "operName"));
    std::string op = ops.empty() ? "=" : ops.back();
    std::string q = select_statement(query);
    if (kind == "ANY_SUBLINK" && op == "=") return make_expr("(" + test.sql + " IN (" + q + "))", TypeClass::boolean);
    return make_expr("(" + test.sql + " " + op + (kind == "ANY_SUBLINK" ? " ANY (" : " ALL (") + q + "))",
                     TypeClass::boolean);
  }
  if (kind == "ARRAY_SUBLINK") refuse("ARRAY(subquery) is not supported", loc);
  refuse("subquery form " + kind + " is not supported", loc);
}

}  // namespace tandem::sql::detail

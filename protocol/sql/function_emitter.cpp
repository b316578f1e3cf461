// Function calls: string, math, date/time, json and aggregate functions mapped to MySQL's.
#include <algorithm>
#include <cctype>
#include <map>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"

namespace tandem::sql::detail {
namespace {

// to_char's date/time template patterns that DATE_FORMAT can express exactly.
std::optional<std::string> date_format_pattern(const std::string& pg) {
  static const std::vector<std::pair<std::string, std::string>> kTokens = {
      {"FMMonth", "%M"}, {"FMDay", "%W"}, {"YYYY", "%Y"}, {"HH24", "%H"}, {"HH12", "%h"}, {"Mon", "%b"},
      {"Dy", "%a"},      {"YY", "%y"},    {"MM", "%m"},   {"DD", "%d"},   {"HH", "%h"},   {"MI", "%i"},
      {"SS", "%s"},      {"US", "%f"},    {"AM", "%p"},   {"PM", "%p"},   {"DDD", "%j"}};
  std::string out;
  std::size_t i = 0;
  while (i < pg.size()) {
    if (pg[i] == '"') {  // quoted literal text
      ++i;
      while (i < pg.size() && pg[i] != '"') {
        if (pg[i] == '%') out += '%';
        out += pg[i++];
      }
      ++i;
      continue;
    }
    bool matched = false;
    // Longest tokens first: DDD before DD.
    if (pg.compare(i, 3, "DDD") == 0) {
      out += "%j";
      i += 3;
      continue;
    }
    for (const auto& [token, format] : kTokens) {
      if (pg.compare(i, token.size(), token) == 0) {
        out += format;
        i += token.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const char c = pg[i];
    if (std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;  // a pattern DATE_FORMAT lacks
    if (c == '%') out += '%';
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

Expr Emitter::aggregate_call(const std::string& name, const Object& f) {
  const Array* args = array_field(f, "args");
  const int loc = location_of(f);
  const bool distinct = bool_field(f, "agg_distinct");
  const Node* filter = node_field(f, "agg_filter");
  const Array* order = array_field(f, "agg_order");
  std::string filter_sql;
  if (filter) filter_sql = expr(*filter).sql;
  // FILTER (WHERE c) keeps rows where c is true: every MySQL aggregate ignores the NULLs this
  // CASE gives the others.
  auto argument = [&](const Node& a) {
    Expr e = expr(a);
    if (filter) e.sql = "(CASE WHEN " + filter_sql + " THEN " + e.sql + " END)";
    return e;
  };
  const std::string dist = distinct ? "DISTINCT " : "";
  if (name == "count") {
    if (bool_field(f, "agg_star")) {
      if (filter) return make_expr("COUNT(CASE WHEN " + filter_sql + " THEN 1 END)", TypeClass::integer, true);
      return make_expr("COUNT(*)", TypeClass::integer, true);
    }
    if (!args || args->size() != 1) refuse("count() takes one argument", loc);
    return make_expr("COUNT(" + dist + argument((*args)[0]).sql + ")", TypeClass::integer, true);
  }
  if (!args || args->empty()) refuse(name + "() needs an argument", loc);
  if (order && name != "string_agg" && name != "array_agg" && name != "json_agg" && name != "jsonb_agg")
    refuse("ORDER BY inside " + name + "() is not supported", loc);
  if (name == "sum" || name == "min" || name == "max" || name == "avg") {
    Expr a = argument((*args)[0]);
    TypeClass t = a.type;
    if (name == "sum" && t == TypeClass::integer) t = TypeClass::numeric;  // bigint/numeric in PostgreSQL
    if (name == "avg") t = a.type == TypeClass::floating ? TypeClass::floating : TypeClass::numeric;
    std::string fn = name;
    std::transform(fn.begin(), fn.end(), fn.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return make_expr(fn + "(" + dist + a.sql + ")", t);
  }
  if (name == "bool_and" || name == "every")
    return make_expr("(MIN(" + dist + argument((*args)[0]).sql + ") = 1)", TypeClass::boolean);
  if (name == "bool_or") return make_expr("(MAX(" + dist + argument((*args)[0]).sql + ") = 1)", TypeClass::boolean);
  if (name == "stddev" || name == "stddev_samp")
    return make_expr("STDDEV_SAMP(" + argument((*args)[0]).sql + ")", TypeClass::numeric);
  if (name == "stddev_pop") return make_expr("STDDEV_POP(" + argument((*args)[0]).sql + ")", TypeClass::numeric);
  if (name == "variance" || name == "var_samp")
    return make_expr("VAR_SAMP(" + argument((*args)[0]).sql + ")", TypeClass::numeric);
  if (name == "var_pop") return make_expr("VAR_POP(" + argument((*args)[0]).sql + ")", TypeClass::numeric);
  if (name == "string_agg") {
    if (args->size() != 2) refuse("string_agg() takes two arguments", loc);
    Expr value = argument((*args)[0]);
    Expr sep = expr((*args)[1]);
    if (!sep.literal) refuse("string_agg()'s separator must be a constant for MySQL's GROUP_CONCAT", loc);
    std::string sql = "GROUP_CONCAT(" + dist + value.sql;
    if (order) sql += " ORDER BY " + order_by(*order);
    return make_expr(sql + " SEPARATOR " + sep.sql + ")", TypeClass::text);
  }
  if (name == "array_agg" || name == "json_agg" || name == "jsonb_agg") {
    if (order) refuse(name + "(... ORDER BY ...) is not accepted by MySQL 8.0's JSON_ARRAYAGG", loc);
    if (distinct) refuse(name + "(DISTINCT ...) is not supported", loc);
    return make_expr("JSON_ARRAYAGG(" + argument((*args)[0]).sql + ")", TypeClass::json);
  }
  refuse("aggregate " + name + "() has no MySQL translation", loc);
}

Expr Emitter::func_call(const Object& f) {
  auto names = string_list(array_field(f, "funcname"));
  const int loc = location_of(f);
  if (names.size() == 2 && names[0] != "pg_catalog")
    refuse("function " + names[0] + "." + names[1] + "() has no MySQL translation", loc);
  const std::string name = ascii_lower(names.back());
  const Array* args_node = array_field(f, "args");
  const std::size_t argc = args_node ? args_node->size() : 0;
  auto arg = [&](std::size_t i) -> const Node& { return (*args_node)[i]; };
  auto arity = [&](std::size_t lo, std::size_t hi) {
    if (argc < lo || argc > hi) refuse(name + "() called with " + std::to_string(argc) + " arguments", loc);
  };

  static const std::vector<std::string> kAggregates = {
      "count",     "sum",      "min",       "max",    "avg",         "bool_and",   "bool_or",  "every",    "string_agg",
      "array_agg", "json_agg", "jsonb_agg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"};
  const bool is_aggregate = std::find(kAggregates.begin(), kAggregates.end(), name) != kAggregates.end();
  const Node* over = node_field(f, "over");
  if (is_aggregate && !over) return aggregate_call(name, f);
  if (over) {
    static const std::vector<std::string> kWindowOnly = {"row_number",  "rank",       "dense_rank", "percent_rank",
                                                         "cume_dist",   "ntile",      "lag",        "lead",
                                                         "first_value", "last_value", "nth_value"};
    const bool window_only = std::find(kWindowOnly.begin(), kWindowOnly.end(), name) != kWindowOnly.end();
    if (!window_only && !is_aggregate) refuse(name + "() cannot be used as a window function", loc);
    Expr call;
    if (is_aggregate) {
      if (node_field(f, "agg_filter")) refuse("FILTER on a window aggregate is not supported", loc);
      call = aggregate_call(name, f);
    } else {
      std::string fn = name;
      std::transform(fn.begin(), fn.end(), fn.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      std::vector<Expr> window_args;
      std::string list;
      for (std::size_t i = 0; i < argc; ++i) {
        window_args.push_back(expr(arg(i)));
        list += (i ? ", " : "") + window_args.back().sql;
      }
      call = make_expr(fn + "(" + list + ")");
      if (name == "row_number" || name == "rank" || name == "dense_rank" || name == "ntile")
        call.type = TypeClass::integer;
      if (name == "percent_rank" || name == "cume_dist") call.type = TypeClass::floating;
      if ((name == "lag" || name == "lead") && argc > 2)
        refuse(
            name + "() with a default value is not accepted by MariaDB (and COALESCE would also replace NULL values)",
            loc);
      if ((name == "lag" || name == "lead" || name.ends_with("_value")) && argc > 0) call.type = window_args[0].type;
    }
    const Object& w = node_body(*over);
    std::string refname = string_field(w, "name");
    std::string sql =
        call.sql + (refname.empty() ? " OVER (" + window_spec(w) + ")" : " OVER " + quote_identifier(refname));
    // MariaDB prints these DOUBLE results with 10 decimals; adding a double restores full precision.
    if (name == "percent_rank" || name == "cume_dist") sql = "(" + sql + " + 0e0)";
    return make_expr(sql, call.type);
  }

  if ((name == "extract" || name == "date_part") && argc == 2) {
    // extract(year|month from age(a, b)): whole years, and months past them, between b and a.
    if (const Object* inner = as(arg(1), "FuncCall");
        inner && string_list(array_field(*inner, "funcname")).back() == "age") {
      Expr field = expr(arg(0));
      const Array* age_args = array_field(*inner, "args");
      if (!field.literal || !age_args || age_args->empty() || age_args->size() > 2)
        refuse("extract() from age() needs a constant field", loc);
      const std::string later = age_args->size() == 2 ? expr((*age_args)[0]).sql : std::string("CURRENT_DATE");
      const std::string earlier = expr(age_args->back()).sql;
      const std::string f = ascii_lower(*field.literal);
      if (f == "year") return make_expr("TIMESTAMPDIFF(YEAR, " + earlier + ", " + later + ")", TypeClass::numeric);
      if (f == "month")
        return make_expr("(TIMESTAMPDIFF(MONTH, " + earlier + ", " + later + ") % 12)", TypeClass::numeric);
      refuse("extract(" + f + " from age(...)) is not supported; only year and month", loc);
    }
  }
  std::vector<Expr> args;
  for (std::size_t i = 0; i < argc; ++i) args.push_back(expr(arg(i)));
  auto sql_of = [&](std::size_t i) -> const std::string& { return args[i].sql; };
  auto all_not_null = [&] { return std::all_of(args.begin(), args.end(), [](const Expr& e) { return e.not_null; }); };

  // Same name, same meaning.
  static const std::map<std::string, std::pair<std::string, TypeClass>> kSame = {
      {"lower", {"LOWER", TypeClass::text}},
      {"upper", {"UPPER", TypeClass::text}},
      {"replace", {"REPLACE", TypeClass::text}},
      {"repeat", {"REPEAT", TypeClass::text}},
      {"reverse", {"REVERSE", TypeClass::text}},
      {"md5", {"MD5", TypeClass::text}},
      {"abs", {"ABS", TypeClass::unknown}},
      {"sign", {"SIGN", TypeClass::unknown}},
      {"sqrt", {"SQRT", TypeClass::floating}},
      {"exp", {"EXP", TypeClass::floating}},
      {"ln", {"LN", TypeClass::floating}},
      {"power", {"POWER", TypeClass::floating}},
      {"pow", {"POWER", TypeClass::floating}},
      {"mod", {"MOD", TypeClass::unknown}},
      {"sin", {"SIN", TypeClass::floating}},
      {"cos", {"COS", TypeClass::floating}},
      {"tan", {"TAN", TypeClass::floating}},
      {"asin", {"ASIN", TypeClass::floating}},
      {"acos", {"ACOS", TypeClass::floating}},
      {"atan", {"ATAN", TypeClass::floating}},
      {"atan2", {"ATAN2", TypeClass::floating}},
      {"degrees", {"DEGREES", TypeClass::floating}},
      {"radians", {"RADIANS", TypeClass::floating}},
      {"octet_length", {"OCTET_LENGTH", TypeClass::integer}},
      {"bit_length", {"BIT_LENGTH", TypeClass::integer}},
      {"length", {"CHAR_LENGTH", TypeClass::integer}},
      {"char_length", {"CHAR_LENGTH", TypeClass::integer}},
      {"character_length", {"CHAR_LENGTH", TypeClass::integer}},
      {"concat_ws", {"CONCAT_WS", TypeClass::text}},
      {"ceil", {"CEILING", TypeClass::unknown}},
      {"ceiling", {"CEILING", TypeClass::unknown}},
      {"floor", {"FLOOR", TypeClass::unknown}}};
  if (auto it = kSame.find(name); it != kSame.end()) {
    if (name == "length" && argc == 1 && args[0].type == TypeClass::bytea)
      return make_expr("OCTET_LENGTH(" + sql_of(0) + ")", TypeClass::integer);
    TypeClass t = it->second.second;
    if (t == TypeClass::unknown && argc > 0) t = args[0].type;
    if ((name == "ceil" || name == "ceiling" || name == "floor") && t == TypeClass::integer) t = TypeClass::integer;
    std::string sql = it->second.first + "(";
    for (std::size_t i = 0; i < argc; ++i) sql += (i ? ", " : "") + sql_of(i);
    return make_expr(sql + ")", t, all_not_null() && name != "mod");
  }
  if (name == "pi") {
    arity(0, 0);
    return make_expr("(PI() + 0e0)", TypeClass::floating, true);  // PI() alone prints 6 decimals
  }
  if (name == "log") {
    arity(1, 2);
    if (argc == 1)
      return make_expr("LOG10(" + sql_of(0) + ")", TypeClass::floating);  // log(x) is base 10 in PostgreSQL
    return make_expr("LOG(" + sql_of(0) + ", " + sql_of(1) + ")", TypeClass::floating);
  }
  if (name == "log10") return make_expr("LOG10(" + sql_of(0) + ")", TypeClass::floating);
  if (name == "round") {
    arity(1, 2);
    return make_expr("ROUND(" + sql_of(0) + (argc == 2 ? ", " + sql_of(1) : std::string()) + ")", args[0].type);
  }
  if (name == "trunc") {
    arity(1, 2);
    return make_expr("TRUNCATE(" + sql_of(0) + ", " + (argc == 2 ? sql_of(1) : std::string("0")) + ")", args[0].type);
  }
  if (name == "div") {
    arity(2, 2);
    return make_expr("(" + sql_of(0) + " DIV " + sql_of(1) + ")", TypeClass::numeric);
  }
  if (name == "random") {
    arity(0, 0);
    return make_expr("RAND()", TypeClass::floating, true);
  }
  if (name == "concat") {
    // concat() skips NULLs like CONCAT_WS; MySQL's CONCAT would return NULL.
    std::string sql = "CONCAT_WS(''";
    for (auto& a : args) sql += ", " + (a.type == TypeClass::boolean ? "IF(" + a.sql + ", 'true', 'false')" : a.sql);
    return make_expr(sql + ")", TypeClass::text, true);
  }
  if (name == "substring" || name == "substr") {
    arity(2, 3);
    if (args[1].literal || args[1].type == TypeClass::text)
      refuse("substring(... from pattern) with a regular expression is not supported", loc);
    if (args[1].integer && *args[1].integer >= 1)
      return make_expr(
          "SUBSTRING(" + sql_of(0) + ", " + sql_of(1) + (argc == 3 ? ", " + sql_of(2) : std::string()) + ")",
          TypeClass::text);
    // PostgreSQL counts positions before the first character; MySQL returns '' for start < 1.
    std::string start = "GREATEST(" + sql_of(1) + ", 1)";
    if (argc == 2) return make_expr("SUBSTRING(" + sql_of(0) + ", " + start + ")", TypeClass::text);
    return make_expr("SUBSTRING(" + sql_of(0) + ", " + start + ", GREATEST(" + sql_of(1) + " + " + sql_of(2) + " - " +
                         start + ", 0))",
                     TypeClass::text);
  }
  if (name == "position") {  // position(a in b) arrives as position(b, a)
    arity(2, 2);
    return make_expr("LOCATE(" + sql_of(1) + ", " + sql_of(0) + ")", TypeClass::integer);
  }
  if (name == "strpos") {
    arity(2, 2);
    return make_expr("LOCATE(" + sql_of(1) + ", " + sql_of(0) + ")", TypeClass::integer);
  }
  if (name == "btrim" || name == "ltrim" || name == "rtrim") {
    arity(1, 2);
    const char* side = name == "btrim" ? "BOTH" : name == "ltrim" ? "LEADING" : "TRAILING";
    if (argc == 1) return make_expr("TRIM(" + std::string(side) + " ' ' FROM " + sql_of(0) + ")", TypeClass::text);
    // PostgreSQL removes any of the characters; MySQL removes the whole string as a unit.
    if (!args[1].literal || args[1].literal->size() != 1)
      refuse(name + "() with a set of characters is supported only for a single constant character", loc);
    return make_expr("TRIM(" + std::string(side) + " " + sql_of(1) + " FROM " + sql_of(0) + ")", TypeClass::text);
  }
  if (name == "left" || name == "right") {
    arity(2, 2);
    const std::string fn = name == "left" ? "LEFT(" : "RIGHT(";
    if (args[1].integer && *args[1].integer >= 0)
      return make_expr(fn + sql_of(0) + ", " + sql_of(1) + ")", TypeClass::text);
    // A negative count means all but the last (first) |n| characters.
    return make_expr(fn + sql_of(0) + ", IF(" + sql_of(1) + " < 0, GREATEST(CHAR_LENGTH(" + sql_of(0) + ") + " +
                         sql_of(1) + ", 0), " + sql_of(1) + "))",
                     TypeClass::text);
  }
  if (name == "lpad" || name == "rpad") {
    arity(2, 3);
    std::string fill = argc == 3 ? sql_of(2) : std::string("' '");
    return make_expr((name == "lpad" ? "LPAD(" : "RPAD(") + sql_of(0) + ", " + sql_of(1) + ", " + fill + ")",
                     TypeClass::text);
  }
  if (name == "split_part") {
    arity(3, 3);
    if (!args[2].integer || *args[2].integer < 1)
      refuse("split_part()'s field number must be a positive constant", loc);
    const std::string& s = sql_of(0);
    const std::string& d = sql_of(1);
    const std::string& n = sql_of(2);
    // Past the last field PostgreSQL returns '', SUBSTRING_INDEX the last field; NULL stays NULL.
    const std::string within = n + " <= 1 + (CHAR_LENGTH(" + s + ") - CHAR_LENGTH(REPLACE(" + s + ", " + d +
                               ", ''))) DIV CHAR_LENGTH(" + d + ")";
    return make_expr("(CASE WHEN " + within + " THEN SUBSTRING_INDEX(SUBSTRING_INDEX(" + s + ", " + d + ", " + n +
                         "), " + d + ", -1) WHEN NOT (" + within + ") THEN '' END)",
                     TypeClass::text);
  }
  if (name == "regexp_replace") {
    arity(3, 4);
    if (argc != 4 || !args[3].literal || *args[3].literal != "g")
      refuse("regexp_replace() is supported only with the 'g' flag (MySQL replaces every match)", loc);
    if (!args[2].literal || args[2].literal->find('\\') != std::string::npos)
      refuse("regexp_replace()'s replacement must be a constant without back-references", loc);
    return make_expr("REGEXP_REPLACE(" + sql_of(0) + ", " + sql_of(1) + ", " + sql_of(2) + ")", TypeClass::text);
  }
  if (name == "now" || name == "transaction_timestamp" || name == "statement_timestamp") {
    arity(0, 0);
    return make_expr("NOW(6)", TypeClass::timestamptz, true);
  }
  if (name == "clock_timestamp") {
    arity(0, 0);
    return make_expr("SYSDATE(6)", TypeClass::timestamptz, true);
  }
  if (name == "to_timestamp") {
    if (argc != 1) refuse("to_timestamp(text, format) is not supported", loc);
    return make_expr("FROM_UNIXTIME(" + sql_of(0) + ")", TypeClass::timestamptz);
  }
  if (name == "date" && argc == 1) return make_expr("DATE(" + sql_of(0) + ")", TypeClass::date);
  if (name == "date_trunc") {
    arity(2, 2);
    if (!args[0].literal) refuse("date_trunc()'s field must be a constant", loc);
    const std::string field = ascii_lower(*args[0].literal);
    const std::string& x = sql_of(1);
    TypeClass t = args[1].type == TypeClass::date ? TypeClass::timestamptz : args[1].type;
    static const std::map<std::string, std::string> kFormats = {
        {"year", "%Y-01-01 00:00:00"}, {"month", "%Y-%m-01 00:00:00"},  {"day", "%Y-%m-%d 00:00:00"},
        {"hour", "%Y-%m-%d %H:00:00"}, {"minute", "%Y-%m-%d %H:%i:00"}, {"second", "%Y-%m-%d %H:%i:%s"}};
    if (auto it = kFormats.find(field); it != kFormats.end())
      return make_expr("CAST(DATE_FORMAT(" + x + ", '" + it->second + "') AS DATETIME(6))", t);
    if (field == "week")
      return make_expr("CAST(DATE_SUB(DATE(" + x + "), INTERVAL WEEKDAY(" + x + ") DAY) AS DATETIME(6))", t);
    if (field == "quarter")
      return make_expr("CAST(MAKEDATE(YEAR(" + x + "), 1) + INTERVAL (QUARTER(" + x + ") - 1) QUARTER AS DATETIME(6))",
                       t);
    refuse("date_trunc('" + field + "') is not supported", loc);
  }
  if (name == "extract" || name == "date_part") {
    arity(2, 2);
    if (!args[0].literal) refuse(name + "()'s field must be a constant", loc);
    const std::string field = ascii_lower(*args[0].literal);
    const Expr& source = args[1];
    if (source.interval_micros) {
      // extract(epoch from t1 - t2): the span in seconds.
      if (field == "epoch") return make_expr("(" + source.sql + " / 1000000)", TypeClass::numeric);
      refuse("extract(" + field + ") from a timestamp difference is supported only for epoch", loc);
    }
    if (source.type == TypeClass::interval) refuse("extract() from an interval is not supported", loc);
    const std::string& x = source.sql;
    static const std::map<std::string, std::string> kParts = {
        {"year", "YEAR(%)"},
        {"month", "MONTH(%)"},
        {"day", "DAY(%)"},
        {"hour", "HOUR(%)"},
        {"minute", "MINUTE(%)"},
        {"quarter", "QUARTER(%)"},
        {"doy", "DAYOFYEAR(%)"},
        {"dow", "(DAYOFWEEK(%) - 1)"},
        {"isodow", "(WEEKDAY(%) + 1)"},
        {"week", "WEEK(%, 3)"},
        {"isoyear", "(YEARWEEK(%, 3) DIV 100)"},
        {"decade", "(YEAR(%) DIV 10)"},
        {"century", "((YEAR(%) + 99) DIV 100)"},
        {"second", "(SECOND(%) + MICROSECOND(%) / 1000000)"},
        {"milliseconds", "(SECOND(%) * 1000 + MICROSECOND(%) / 1000)"},
        {"microseconds", "(SECOND(%) * 1000000 + MICROSECOND(%))"},
        // UNIX_TIMESTAMP() is 0 before 1970; the difference in microseconds is not.
        {"epoch", "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', %) / 1000000)"}};
    auto it = kParts.find(field);
    if (it == kParts.end()) refuse("extract(" + field + ") is not supported", loc);
    std::string sql;
    for (char c : it->second) {
      if (c == '%')
        sql += x;
      else
        sql += c;
    }
    return make_expr(sql, TypeClass::numeric, source.not_null);
  }
  if (name == "age") refuse("age() returns an interval, which MySQL lacks; compare timestamps instead", loc);
  if (name == "to_char") {
    arity(2, 2);
    if (!args[1].literal) refuse("to_char()'s format must be a constant", loc);
    if (!(args[0].type == TypeClass::timestamp || args[0].type == TypeClass::timestamptz ||
          args[0].type == TypeClass::date))
      refuse("to_char() is supported for dates and timestamps of known type only", loc);
    auto pattern = date_format_pattern(*args[1].literal);
    if (!pattern)
      refuse("to_char() format " + quote_string(*args[1].literal) + " uses a pattern MySQL cannot express", loc);
    return make_expr("DATE_FORMAT(" + sql_of(0) + ", " + quote_string(*pattern) + ")", TypeClass::text);
  }
  if (name == "gen_random_uuid" || name == "uuid_generate_v4") {
    arity(0, 0);
    return make_expr("UUID()", TypeClass::uuid, true);
  }
  if (name == "json_build_object" || name == "jsonb_build_object") {
    if (argc % 2) refuse(name + "() needs key/value pairs", loc);
    std::string sql = "JSON_OBJECT(";
    for (std::size_t i = 0; i < argc; ++i) sql += (i ? ", " : "") + sql_of(i);
    return make_expr(sql + ")", TypeClass::json, true);
  }
  if (name == "json_build_array" || name == "jsonb_build_array") {
    std::string sql = "JSON_ARRAY(";
    for (std::size_t i = 0; i < argc; ++i) sql += (i ? ", " : "") + sql_of(i);
    return make_expr(sql + ")", TypeClass::json, true);
  }
  if (name == "json_array_length" || name == "jsonb_array_length") {
    arity(1, 1);
    return make_expr("JSON_LENGTH(" + sql_of(0) + ")", TypeClass::integer);
  }
  if (name == "json_typeof" || name == "jsonb_typeof") {
    arity(1, 1);
    return make_expr(
        "(CASE JSON_TYPE(" + sql_of(0) +
            ") WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' WHEN 'STRING' THEN 'string' WHEN 'BOOLEAN' "
            "THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN 'INTEGER' THEN 'number' WHEN 'DOUBLE' THEN 'number' "
            "WHEN 'DECIMAL' THEN 'number' WHEN 'UNSIGNED INTEGER' THEN 'number' END)",
        TypeClass::text);
  }
  if (name == "json_extract_path_text" || name == "jsonb_extract_path_text" || name == "json_extract_path" ||
      name == "jsonb_extract_path") {
    if (argc < 2) refuse(name + "() needs a path", loc);
    std::string path = "$";
    for (std::size_t i = 1; i < argc; ++i) {
      if (!args[i].literal) refuse(name + "()'s path elements must be constants", loc);
      path += "." + boost::json::serialize(boost::json::value(boost::json::string(*args[i].literal)));
    }
    std::string extracted = "JSON_EXTRACT(" + sql_of(0) + ", " + quote_string(path) + ")";
    if (!name.ends_with("_text")) return make_expr(extracted, TypeClass::json);
    return make_expr(json_text(extracted), TypeClass::text);
  }
  if (name == "coalesce") {
    std::string sql = "COALESCE(";
    for (std::size_t i = 0; i < argc; ++i) sql += (i ? ", " : "") + sql_of(i);
    return make_expr(sql + ")", argc ? args[0].type : TypeClass::unknown);
  }
  if (name == "nextval" || name == "currval" || name == "setval" || name == "lastval")
    refuse(name + "(): sequences become AUTO_INCREMENT on MySQL; the caller pins generated keys", loc);
  if (name == "generate_series" || name == "unnest" || name == "json_each" || name == "jsonb_each" ||
      name == "json_array_elements" || name == "jsonb_array_elements" || name == "regexp_split_to_table")
    refuse("set-returning function " + name + "() is not supported", loc);
  refuse("function " + name + "() has no MySQL translation", loc);
}

}  // namespace tandem::sql::detail

// Queries: SELECT with joins, CTEs, set operations, grouping, windows, ordering, limits, locks.
#include <algorithm>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"

namespace tandem::sql::detail {
namespace {

// MySQL requires LIMIT before OFFSET; this is its documented "no limit".
constexpr const char* kNoLimit = "18446744073709551615";

std::string limit_value(const Expr& e, const char* what, int loc) {
  if (e.integer || e.parameter) return e.sql;
  refuse(std::string(what) + " must be an integer constant or a parameter for MySQL", loc);
}

}  // namespace

bool Emitter::is_cte(const std::string& name) const {
  for (const auto& level : ctes_)
    if (std::find(level.begin(), level.end(), name) != level.end()) return true;
  return false;
}

// PostgreSQL's names for unnamed select-list items (FigureColname), so clients see the same
// column names from MySQL.
std::string Emitter::figure_column_name(const Node& n) {
  const std::string_view type = node_type(n);
  const Object& o = node_body(n);
  if (type == "ColumnRef") {
    const Array* fields = array_field(o, "fields");
    const Node& last = fields->back();
    return as(last, "A_Star") ? "*" : string_value(last);
  }
  if (type == "FuncCall") return string_list(array_field(o, "funcname")).back();
  if (type == "TypeCast") {
    std::string inner = figure_column_name(*node_field(o, "arg"));
    if (inner != "?column?") return inner;
    auto names = string_list(array_field(node_field(o, "typeName")->as_object(), "names"));
    return names.back();
  }
  if (type == "A_Const" && o.contains("boolval")) return "bool";  // TRUE is a cast to bool in PostgreSQL
  if (type == "CaseExpr") return "case";
  if (type == "CoalesceExpr") return "coalesce";
  if (type == "MinMaxExpr") return string_field(o, "op") == "IS_GREATEST" ? "greatest" : "least";
  if (type == "A_Expr" && string_field(o, "kind") == "AEXPR_NULLIF") return "nullif";
  if (type == "RowExpr") return "row";
  if (type == "A_ArrayExpr") return "array";
  if (type == "SubLink") {
    const std::string kind = string_field(o, "subLinkType");
    if (kind == "EXISTS_SUBLINK") return "exists";
    if (kind == "ARRAY_SUBLINK") return "array";
    if (kind == "EXPR_SUBLINK") {
      const Object& q = node_body(*node_field(o, "subselect"));
      if (const Array* tl = array_field(q, "targetList"); tl && !tl->empty()) {
        const Object& rt = node_body((*tl)[0]);
        std::string alias = string_field(rt, "name");
        if (!alias.empty()) return alias;
        return figure_column_name(*node_field(rt, "val"));
      }
    }
    return "?column?";
  }
  if (type == "SQLValueFunction") {
    std::string op = string_field(o, "op");  // SVFOP_CURRENT_TIMESTAMP_N -> current_timestamp
    op = op.substr(6);
    if (op.ends_with("_N")) op.resize(op.size() - 2);
    return ascii_lower(op);
  }
  return "?column?";
}

ScopeEntry Emitter::scope_entry_for(const Object& range_var) {
  ScopeEntry e;
  e.table = string_field(range_var, "relname");
  e.schema = schema_of(range_var);
  e.alias = e.table;
  if (const Node* alias = node_field(range_var, "alias")) e.alias = string_field(alias->as_object(), "aliasname");
  if (const TableInfo* info = catalog_.find(e.schema, e.table)) {
    e.columns = info->columns;
  }
  return e;
}

std::string Emitter::window_spec(const Object& w) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!out.empty()) out += " ";
    out += part;
  };
  if (std::string ref = string_field(w, "refname"); !ref.empty()) add(quote_identifier(ref));
  if (const Array* p = array_field(w, "partitionClause")) add("PARTITION BY " + expr_list(p));
  if (const Array* o = array_field(w, "orderClause")) add("ORDER BY " + order_by(*o));
  const long long options = int_field(w, "frameOptions", 0);
  constexpr long long kNonDefault = 0x1, kRange = 0x2, kRows = 0x4, kGroups = 0x8, kBetween = 0x10,
                      kStartUnboundedPreceding = 0x20, kEndUnboundedFollowing = 0x100, kStartCurrentRow = 0x200,
                      kEndCurrentRow = 0x400, kStartOffsetPreceding = 0x800, kEndOffsetPreceding = 0x1000,
                      kStartOffsetFollowing = 0x2000, kEndOffsetFollowing = 0x4000, kExclusions = 0x38000;
  if (options & kNonDefault) {
    if (options & kGroups) refuse("GROUPS window frames are not supported by MySQL", location_of(w));
    if (options & kExclusions) refuse("EXCLUDE in window frames is not supported by MySQL", location_of(w));
    std::string frame = (options & kRows) ? "ROWS " : (options & kRange) ? "RANGE " : "ROWS ";
    auto bound = [&](bool start) -> std::string {
      if (start) {
        if (options & kStartUnboundedPreceding) return "UNBOUNDED PRECEDING";
        if (options & kStartCurrentRow) return "CURRENT ROW";
        const Node* off = node_field(w, "startOffset");
        if (options & kStartOffsetPreceding) return expr(*off).sql + " PRECEDING";
        if (options & kStartOffsetFollowing) return expr(*off).sql + " FOLLOWING";
      } else {
        if (options & kEndUnboundedFollowing) return "UNBOUNDED FOLLOWING";
        if (options & kEndCurrentRow) return "CURRENT ROW";
        const Node* off = node_field(w, "endOffset");
        if (options & kEndOffsetPreceding) return expr(*off).sql + " PRECEDING";
        if (options & kEndOffsetFollowing) return expr(*off).sql + " FOLLOWING";
      }
      refuse("unsupported window frame bound", location_of(w));
    };
    if (options & kBetween)
      frame += "BETWEEN " + bound(true) + " AND " + bound(false);
    else
      frame += bound(true);
    add(frame);
  }
  return out;
}

std::string Emitter::sort_item(const Object& s) {
  const Node* node = node_field(s, "node");
  const int loc = location_of(s);
  Expr key;
  // ORDER BY 2 names the second select-list item.
  if (const Object* c = as(*node, "A_Const"); c && c->if_contains("ival") && !targets_.empty()) {
    long long n = int_field(c->at("ival").as_object(), "ival");
    if (n < 1 || n > static_cast<long long>(targets_.back().size()))
      refuse("ORDER BY position " + std::to_string(n) + " is not in the select list", loc);
    key = targets_.back()[static_cast<std::size_t>(n - 1)];
    if (key.sql == "*") refuse("ORDER BY position of a * item is not supported", loc);
    const std::string position = std::to_string(n);
    const std::string dir = string_field(s, "sortby_dir");
    const std::string nulls = string_field(s, "sortby_nulls");
    const bool desc = dir == "SORTBY_DESC";
    const bool nulls_first = nulls == "SORTBY_NULLS_FIRST" || (nulls == "SORTBY_NULLS_DEFAULT" && desc);
    if (key.not_null || nulls_first == !desc) return position + (desc ? " DESC" : "");
    return "(" + key.sql + " IS NULL)" + (nulls_first ? " DESC, " : ", ") + position + (desc ? " DESC" : "");
  }
  key = expr(*node);
  const std::string dir = string_field(s, "sortby_dir");
  if (dir == "SORTBY_USING") refuse("ORDER BY ... USING is not supported", loc);
  const std::string nulls = string_field(s, "sortby_nulls");
  const bool desc = dir == "SORTBY_DESC";
  // PostgreSQL puts NULLs last ascending and first descending, MySQL the other way round.
  const bool nulls_first = nulls == "SORTBY_NULLS_FIRST" || (nulls == "SORTBY_NULLS_DEFAULT" && desc);
  const std::string plain = key.sql + (desc ? " DESC" : "");
  if (key.not_null || nulls_first == !desc) return plain;
  return "(" + key.sql + " IS NULL)" + (nulls_first ? " DESC, " : ", ") + plain;
}

std::string Emitter::order_by(const Array& sort_clause) {
  std::string out;
  for (const auto& item : sort_clause) {
    if (!out.empty()) out += ", ";
    out += sort_item(node_body(item));
  }
  return out;
}

std::string Emitter::locking(const Array& clauses) {
  if (clauses.size() > 1) refuse("several locking clauses are not supported", location_of(clauses[0]));
  const Object& c = node_body(clauses[0]);
  if (array_field(c, "lockedRels")) refuse("FOR UPDATE/SHARE OF <table> is not accepted by MariaDB", location_of(c));
  const std::string strength = string_field(c, "strength");
  const std::string wait = string_field(c, "waitPolicy");
  const bool share = strength == "LCS_FORSHARE" || strength == "LCS_FORKEYSHARE";
  std::string suffix;
  if (wait == "LockWaitSkip") suffix = " SKIP LOCKED";
  if (wait == "LockWaitError") suffix = " NOWAIT";
  if (share) {
    // MySQL 8.0 takes NOWAIT/SKIP LOCKED only with FOR SHARE, MariaDB only LOCK IN SHARE MODE.
    if (!suffix.empty())
      refuse("FOR SHARE with NOWAIT or SKIP LOCKED has no spelling both MySQL and MariaDB accept", location_of(c));
    return " LOCK IN SHARE MODE";
  }
  // FOR NO KEY UPDATE takes a weaker lock in PostgreSQL; FOR UPDATE is the nearest, stronger one.
  return " FOR UPDATE" + suffix;
}

std::string Emitter::limit_clause(const Object& s) {
  const std::string option = string_field(s, "limitOption");
  if (option == "LIMIT_OPTION_WITH_TIES") refuse("FETCH ... WITH TIES is not supported by MySQL", location_of(s));
  const Node* count = node_field(s, "limitCount");
  const Node* offset = node_field(s, "limitOffset");
  std::string out;
  std::string count_sql;
  if (count) {
    Expr c = expr(*count);
    if (c.type != TypeClass::null) count_sql = limit_value(c, "LIMIT", location_of(*count));
  }
  if (!count_sql.empty()) out += " LIMIT " + count_sql;
  if (offset) {
    Expr o = expr(*offset);
    if (count_sql.empty()) out += std::string(" LIMIT ") + kNoLimit;
    out += " OFFSET " + limit_value(o, "OFFSET", location_of(*offset));
  }
  return out;
}

std::string Emitter::with_clause(const Object& with) {
  std::string out = bool_field(with, "recursive") ? "WITH RECURSIVE " : "WITH ";
  const Array* ctes = array_field(with, "ctes");
  for (std::size_t i = 0; i < ctes->size(); ++i) {
    const Object& cte = node_body((*ctes)[i]);
    const std::string name = string_field(cte, "ctename");
    ctes_.back().push_back(name);  // visible to later CTEs and to itself when recursive
    const Node* query = node_field(cte, "ctequery");
    if (node_type(*query) != "SelectStmt")
      refuse("data-modifying statements in WITH are not supported", location_of(cte));
    if (i) out += ", ";
    out += quote_identifier(name);
    if (const Array* cols = array_field(cte, "aliascolnames")) {
      out += " (";
      auto names = string_list(cols);
      for (std::size_t j = 0; j < names.size(); ++j) out += (j ? ", " : "") + quote_identifier(names[j]);
      out += ")";
    }
    if (string_field(cte, "ctematerialized") == "CTEMaterializeAlways" ||
        string_field(cte, "ctematerialized") == "CTEMaterializeNever") {
      // MATERIALIZED is a planner hint; the result is the same.
    }
    out += " AS (" + select_statement(node_body(*query)) + ")";
  }
  return out + " ";
}

std::string Emitter::values_as_select(const Object& s, const std::vector<std::string>& names) {
  // MySQL spells a row constructor VALUES ROW(...), MariaDB VALUES (...): a UNION ALL of
  // SELECTs is read the same by both.
  const Array* lists = array_field(s, "valuesLists");
  std::string out;
  std::size_t row = 0;
  last_select_columns_.clear();
  for (const auto& l : *lists) {
    const Array& items = node_body(l).at("items").as_array();
    if (row) out += " UNION ALL ";
    out += "SELECT ";
    for (std::size_t i = 0; i < items.size(); ++i) {
      Expr e = expr(items[i]);
      if (i) out += ", ";
      out += e.sql;
      const std::string name = i < names.size() ? names[i] : "column" + std::to_string(i + 1);
      if (row == 0) {
        out += " AS " + quote_identifier(name);
        last_select_columns_.push_back({name, representative_type(e.type), false});
      }
    }
    ++row;
  }
  return out;
}

std::string Emitter::from_item(const Node& n) {
  const std::string_view type = node_type(n);
  const Object& o = node_body(n);
  if (type == "RangeVar") {
    ScopeEntry e = scope_entry_for(o);
    std::string sql;
    if (schema_of(o) == "public" && string_field(o, "schemaname").empty() && is_cte(e.table)) {
      sql = quote_identifier(e.table);
    } else {
      sql = table_name(o);
      touch(e.schema, e.table);
    }
    if (const Node* alias = node_field(o, "alias")) {
      if (array_field(alias->as_object(), "colnames"))
        refuse("column aliases on a table are not supported", location_of(o));
      sql += " AS " + quote_identifier(e.alias);
    }
    scopes_.back().push_back(std::move(e));
    return sql;
  }
  if (type == "JoinExpr") {
    if (node_field(o, "alias") || node_field(o, "join_using_alias"))
      refuse("aliases on joins are not supported", location_of(o));
    const std::string jt = string_field(o, "jointype");
    std::string left = from_item(*node_field(o, "larg"));
    std::string right = from_item(*node_field(o, "rarg"));
    std::string kind;
    if (jt == "JOIN_INNER")
      kind = "JOIN";
    else if (jt == "JOIN_LEFT")
      kind = "LEFT JOIN";
    else if (jt == "JOIN_RIGHT")
      kind = "RIGHT JOIN";
    else if (jt == "JOIN_FULL")
      refuse("FULL JOIN is not supported by MySQL", location_of(o));
    else
      refuse("join type " + jt + " is not supported", location_of(o));
    if (bool_field(o, "isNatural")) return "(" + left + " NATURAL " + kind + " " + right + ")";
    if (const Array* u = array_field(o, "usingClause")) {
      auto cols = string_list(u);
      std::string list;
      for (const auto& c : cols) list += (list.empty() ? "" : ", ") + quote_identifier(c);
      return "(" + left + " " + kind + " " + right + " USING (" + list + "))";
    }
    if (const Node* q = node_field(o, "quals"))
      return "(" + left + " " + kind + " " + right + " ON " + expr(*q).sql + ")";
    return "(" + left + " CROSS JOIN " + right + ")";
  }
  if (type == "RangeSubselect") {
    if (bool_field(o, "lateral")) refuse("LATERAL subqueries are not accepted by MariaDB", location_of(n));
    const Node* alias = node_field(o, "alias");
    if (!alias) refuse("a subquery in FROM needs an alias", location_of(n));
    const Object& a = alias->as_object();
    const std::string name = string_field(a, "aliasname");
    const Object& query = node_body(*node_field(o, "subquery"));
    std::string sql;
    std::vector<std::string> colnames = string_list(array_field(a, "colnames"));
    if (array_field(query, "valuesLists")) {
      sql = "(" + values_as_select(query, colnames) + ") AS " + quote_identifier(name);
    } else {
      if (!colnames.empty()) refuse("column aliases on a subquery are not accepted by MariaDB", location_of(n));
      sql = "(" + select_statement(query) + ") AS " + quote_identifier(name);
    }
    ScopeEntry e;
    e.alias = name;
    e.columns = last_select_columns_;
    scopes_.back().push_back(std::move(e));
    return sql;
  }
  if (type == "RangeFunction") refuse("functions in FROM are not supported", location_of(n));
  refuse(std::string(type) + " in FROM is not supported", location_of(n));
}

std::string Emitter::select_core(const Object& s) {
  if (array_field(s, "valuesLists")) return values_as_select(s, {});
  if (node_field(s, "intoClause")) refuse("SELECT INTO is not supported", location_of(s));
  std::string sql = "SELECT ";
  if (const Array* distinct = array_field(s, "distinctClause")) {
    bool on = false;
    for (const auto& d : *distinct)
      if (d.is_object() && !d.as_object().empty()) on = true;
    if (on) refuse("DISTINCT ON is not supported by MySQL", location_of(s));
    sql += "DISTINCT ";
  }
  scopes_.emplace_back();
  std::string from;
  if (const Array* items = array_field(s, "fromClause")) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (i) from += ", ";
      from += from_item((*items)[i]);
    }
  }
  targets_.emplace_back();
  std::vector<ColumnInfo> columns;
  std::string list;
  if (const Array* tl = array_field(s, "targetList")) {
    for (std::size_t i = 0; i < tl->size(); ++i) {
      const Object& rt = node_body((*tl)[i]);
      const Node* val = node_field(rt, "val");
      Expr e = expr(*val);
      if (e.interval || e.interval_micros)
        refuse("an interval value cannot be returned: MySQL has no interval type", location_of(rt));
      std::string alias = string_field(rt, "name");
      if (i) list += ", ";
      list += e.sql;
      const bool plain_column = node_type(*val) == "ColumnRef";
      const std::string name = alias.empty() ? figure_column_name(*val) : alias;
      if (!alias.empty() || (!plain_column && name != "*")) list += " AS " + quote_identifier(name);
      columns.push_back({name, representative_type(e.type), e.not_null});
      targets_.back().push_back(e);
    }
  }
  sql += list;
  if (!from.empty()) sql += " FROM " + from;
  if (const Node* where = node_field(s, "whereClause")) sql += " WHERE " + expr(*where).sql;
  if (const Array* group = array_field(s, "groupClause")) {
    std::string g;
    for (const auto& item : *group) {
      if (node_type(item) == "GroupingSet")
        refuse("GROUPING SETS, ROLLUP and CUBE are not supported", location_of(item));
      if (!g.empty()) g += ", ";
      g += expr(item).sql;
    }
    sql += " GROUP BY " + g;
  }
  if (const Node* having = node_field(s, "havingClause")) sql += " HAVING " + expr(*having).sql;
  if (const Array* windows = array_field(s, "windowClause")) {
    std::string w;
    for (const auto& item : *windows) {
      const Object& def = node_body(item);
      if (!w.empty()) w += ", ";
      w += quote_identifier(string_field(def, "name")) + " AS (" + window_spec(def) + ")";
    }
    sql += " WINDOW " + w;
  }
  if (const Array* sort = array_field(s, "sortClause")) sql += " ORDER BY " + order_by(*sort);
  sql += limit_clause(s);
  if (const Array* locks = array_field(s, "lockingClause")) sql += locking(*locks);
  targets_.pop_back();
  scopes_.pop_back();
  last_select_columns_ = std::move(columns);
  return sql;
}

std::string Emitter::select_statement(const Object& s) {
  ctes_.emplace_back();
  std::string prefix;
  if (const Node* with = node_field(s, "withClause")) prefix = with_clause(with->as_object());
  const std::string op = string_field(s, "op");
  std::string body;
  if (op.empty() || op == "SETOP_NONE") {
    body = select_core(s);
  } else {
    const Object& l = node_body(*node_field(s, "larg"));
    const Object& r = node_body(*node_field(s, "rarg"));
    std::string left = select_statement(l);
    auto left_columns = last_select_columns_;
    std::string right = select_statement(r);
    std::string word = op == "SETOP_UNION" ? "UNION" : op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT";
    if (bool_field(s, "all")) word += " ALL";
    body = "(" + left + ") " + word + " (" + right + ")";
    last_select_columns_ = left_columns;
    // ORDER BY on a set operation refers to output columns by name or position.
    scopes_.emplace_back();
    ScopeEntry out;
    out.columns = left_columns;
    scopes_.back().push_back(out);
    targets_.emplace_back();
    for (const auto& c : left_columns) targets_.back().push_back(make_expr(quote_identifier(c.name)));
    if (const Array* sort = array_field(s, "sortClause")) body += " ORDER BY " + order_by(*sort);
    body += limit_clause(s);
    if (array_field(s, "lockingClause"))
      refuse("locking clauses on UNION/INTERSECT/EXCEPT are not supported", location_of(s));
    targets_.pop_back();
    scopes_.pop_back();
  }
  ctes_.pop_back();
  return prefix + body;
}

}  // namespace tandem::sql::detail

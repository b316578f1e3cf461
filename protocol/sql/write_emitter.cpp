// Writes: INSERT (multi-row, SELECT, ON CONFLICT), UPDATE (FROM), DELETE (USING), TRUNCATE.
#include <algorithm>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"

namespace tandem::sql::detail {
namespace {

const ColumnInfo* find_column(const ScopeEntry& target, const std::string& name) {
  for (const auto& c : target.columns)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

bool references_column(const Node& n, const std::string& name) {
  if (n.is_object()) {
    const Object& o = n.as_object();
    if (auto* c = o.if_contains("ColumnRef")) {
      const Array* fields = array_field(c->as_object(), "fields");
      if (fields && !fields->empty() && as(fields->back(), "String") && string_value(fields->back()) == name) {
        return !(fields->size() == 2 && as((*fields)[0], "String") && string_value((*fields)[0]) == "excluded");
      }
      return false;
    }
    for (const auto& [key, value] : o)
      if (references_column(value, name)) return true;
    return false;
  }
  if (n.is_array()) {
    for (const auto& v : n.as_array())
      if (references_column(v, name)) return true;
  }
  return false;
}

ScopeEntry Emitter::begin_target(const Object& s, const char* verb) {
  const Object& rel = node_body(*node_field(s, "relation"));
  if (node_field(s, "withClause")) refuse(std::string("WITH before ") + verb + " is not supported", location_of(s));
  ScopeEntry target = scope_entry_for(rel);
  touch(target.schema, target.table);
  scopes_.emplace_back();
  scopes_.back().push_back(target);
  return target;
}

std::string Emitter::finish_target(const Object& s, std::string sql) {
  if (const Node* where = node_field(s, "whereClause")) {
    if (as(*where, "CurrentOfExpr")) refuse("WHERE CURRENT OF is not supported", location_of(s));
    sql += " WHERE " + expr(*where).sql;
  }
  scopes_.pop_back();
  if (const Array* ret = array_field(s, "returningList")) out_.emulation = returning_note(*ret);
  return sql;
}

// SET lists of UPDATE and ON CONFLICT DO UPDATE. MySQL applies them left to right, each seeing
// the previous ones' results; PostgreSQL computes all from the old row. Reading an already
// assigned column is therefore refused.
std::string Emitter::assignments(const Array& list, const ScopeEntry& target, const std::string& qualifier,
                                 const char* what) {
  std::string set;
  std::vector<std::string> assigned;
  for (const auto& a : list) {
    const Object& rt = node_body(a);
    if (array_field(rt, "indirection"))
      refuse(std::string(what) + " of a subscript or field is not supported", location_of(rt));
    const std::string name = string_field(rt, "name");
    const Node* val = node_field(rt, "val");
    if (const Object* multi = as(*val, "MultiAssignRef")) {
      const Object* row = as(*node_field(*multi, "source"), "RowExpr");
      if (!row) refuse("SET (a, b) = (subquery) is not supported", location_of(rt));
      val = &(*array_field(*row, "args"))[static_cast<std::size_t>(int_field(*multi, "colno") - 1)];
    }
    for (const auto& earlier : assigned)
      if (references_column(*val, earlier))
        refuse(std::string(what) + " reads column " + earlier +
                   " after assigning it; MySQL evaluates SET left to right, PostgreSQL from the old row",
               location_of(rt));
    Expr e = expr(*val);
    if (const ColumnInfo* ci = find_column(target, name)) {
      PgType t = parse_type_string(ci->pg_type);
      e = coerce_literal(std::move(e), type_class(t), &t, location_of(rt));
    }
    if (!set.empty()) set += ", ";
    set += qualifier + quote_identifier(name) + " = " + e.sql;
    assigned.push_back(name);
  }
  return set;
}

std::string Emitter::returning_note(const Array& list) {
  std::string cols;
  for (const auto& item : list) {
    const Object& rt = node_body(item);
    if (!cols.empty()) cols += ", ";
    const Node* val = node_field(rt, "val");
    std::string alias = string_field(rt, "name");
    cols += alias.empty() ? figure_column_name(*val) : alias;
  }
  return "RETURNING " + cols +
         ": MySQL has no RETURNING; the caller reads the rows back (LAST_INSERT_ID() for generated keys)";
}

std::string Emitter::insert_statement(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  if (node_field(rel, "alias")) refuse("an alias on the INSERT target is not accepted by MySQL", location_of(rel));
  if (node_field(s, "withClause")) refuse("WITH before INSERT is not supported", location_of(s));
  ScopeEntry target = scope_entry_for(rel);
  touch(target.schema, target.table);
  std::string sql = "INSERT INTO " + table_name(rel);
  std::vector<std::string> columns;
  if (const Array* cols = array_field(s, "cols")) {
    for (const auto& c : *cols) {
      const Object& rt = node_body(c);
      if (array_field(rt, "indirection")) refuse("INSERT into a subscript or field is not supported", location_of(rt));
      columns.push_back(string_field(rt, "name"));
    }
  } else {
    for (const auto& c : target.columns) columns.push_back(c.name);
  }
  const bool listed = array_field(s, "cols") != nullptr;
  if (listed) {
    sql += " (";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(columns[i]);
    sql += ")";
  }
  auto column_type = [&](std::size_t i) -> std::optional<PgType> {
    if (i >= columns.size()) return std::nullopt;
    if (const ColumnInfo* c = find_column(target, columns[i])) return parse_type_string(c->pg_type);
    return std::nullopt;
  };
  const Node* select = node_field(s, "selectStmt");
  if (!select) {
    sql += listed ? " VALUES ()" : " () VALUES ()";
  } else {
    const Object& q = node_body(*select);
    if (const Array* rows = array_field(q, "valuesLists"); rows && !node_field(q, "withClause")) {
      scopes_.emplace_back();
      sql += " VALUES ";
      for (std::size_t r = 0; r < rows->size(); ++r) {
        const Array& items = node_body((*rows)[r]).at("items").as_array();
        if (listed && items.size() != columns.size())
          refuse("INSERT has " + std::to_string(items.size()) + " values for " + std::to_string(columns.size()) +
                     " columns",
                 location_of((*rows)[r]));
        sql += r ? ", (" : "(";
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i) sql += ", ";
          if (as(items[i], "SetToDefault")) {
            sql += "DEFAULT";
            continue;
          }
          Expr e = expr(items[i]);
          if (auto t = column_type(i)) e = coerce_literal(std::move(e), type_class(*t), &*t, location_of(items[i]));
          sql += e.sql;
        }
        sql += ")";
      }
      scopes_.pop_back();
    } else {
      sql += " " + select_statement(q);
    }
  }
  if (const Node* oc = node_field(s, "onConflictClause")) {
    const Object& c = oc->as_object();
    out_.exact_row_count = false;
    if (const TableInfo* info = catalog_.find(target.schema, target.table); info && info->unique_keys > 1)
      refuse("ON CONFLICT on " + target.table +
                 ", which has several unique keys: MySQL's ON DUPLICATE KEY UPDATE fires on any of them",
             location_of(c));
    const std::string action = string_field(c, "action");
    if (action == "ONCONFLICT_NOTHING") {
      // A no-op assignment: unlike INSERT IGNORE it leaves every other error an error.
      std::string column;
      if (const Node* infer = node_field(c, "infer")) {
        if (const Array* elems = array_field(infer->as_object(), "indexElems"); elems && !elems->empty())
          column = string_field(node_body((*elems)[0]), "name");
      }
      if (column.empty() && !columns.empty()) column = columns[0];
      if (column.empty()) refuse("ON CONFLICT DO NOTHING needs a column list or a conflict target", location_of(c));
      sql += " ON DUPLICATE KEY UPDATE " + quote_identifier(column) + " = " + quote_identifier(column);
    } else {
      if (node_field(c, "whereClause"))
        refuse("ON CONFLICT DO UPDATE ... WHERE is not supported by MySQL", location_of(c));
      scopes_.emplace_back();
      scopes_.back().push_back(target);
      in_on_conflict_ = true;
      const std::string set = assignments(*array_field(c, "targetList"), target, "", "ON CONFLICT DO UPDATE");
      in_on_conflict_ = false;
      scopes_.pop_back();
      sql += " ON DUPLICATE KEY UPDATE " + set;
    }
  }
  if (const Array* ret = array_field(s, "returningList")) out_.emulation = returning_note(*ret);
  return sql;
}

std::string Emitter::update_statement(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  const ScopeEntry target = begin_target(s, "UPDATE");
  std::string tables = table_name(rel);
  if (node_field(rel, "alias")) tables += " AS " + quote_identifier(target.alias);
  const Array* from = array_field(s, "fromClause");
  if (from) {
    for (const auto& item : *from) tables += ", " + from_item(item);
  }
  // Several tables are in play: name the target's columns unambiguously.
  const std::string set =
      assignments(*array_field(s, "targetList"), target, from ? quote_identifier(target.alias) + "." : "", "UPDATE");
  std::string sql = "UPDATE " + tables + " SET " + set;
  return finish_target(s, std::move(sql));
}

std::string Emitter::delete_statement(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  const ScopeEntry target = begin_target(s, "DELETE");
  const Array* using_clause = array_field(s, "usingClause");
  std::string sql;
  if (using_clause || node_field(rel, "alias")) {
    // The multi-table form is the one both servers accept with aliases.
    sql = "DELETE " + quote_identifier(target.alias) + " FROM " + table_name(rel);
    if (node_field(rel, "alias")) sql += " AS " + quote_identifier(target.alias);
    if (using_clause)
      for (const auto& item : *using_clause) sql += ", " + from_item(item);
  } else {
    sql = "DELETE FROM " + table_name(rel);
  }
  return finish_target(s, std::move(sql));
}

std::vector<std::string> Emitter::truncate_statement(const Object& s) {
  if (bool_field(s, "restart_seqs"))
    refuse("TRUNCATE ... RESTART IDENTITY is not supported (resetting AUTO_INCREMENT commits implicitly)",
           location_of(s));
  if (string_field(s, "behavior") == "DROP_CASCADE") refuse("TRUNCATE ... CASCADE is not supported", location_of(s));
  // MySQL's TRUNCATE commits the open transaction; DELETE keeps PostgreSQL's transactional
  // TRUNCATE, and, like it, leaves AUTO_INCREMENT where it was.
  std::vector<std::string> out;
  out_.exact_row_count = false;  // PostgreSQL reports 0 rows for TRUNCATE, DELETE the rows deleted
  for (const auto& r : *array_field(s, "relations")) {
    const Object& rel = node_body(r);
    touch(schema_of(rel), string_field(rel, "relname"));
    out.push_back("DELETE FROM " + table_name(rel));
  }
  return out;
}

}  // namespace tandem::sql::detail

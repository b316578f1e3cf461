// DDL: CREATE TABLE with the type map, indexes, ALTER TABLE, RENAME, DROP, enum types.
#include <algorithm>
#include <map>
#include <set>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"

namespace tandem::sql::detail {
namespace {

std::string column_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + quote_identifier(n);
  return out;
}

std::string fk_action(const std::string& code, int loc) {
  if (code == "a" || code.empty()) return "NO ACTION";
  if (code == "r") return "RESTRICT";
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "d") refuse("ON DELETE/UPDATE SET DEFAULT is not supported by InnoDB", loc);
  refuse("unknown foreign key action", loc);
}

bool is_text_or_blob(const std::string& mysql_type) {
  return mysql_type.starts_with("LONGTEXT") || mysql_type.starts_with("LONGBLOB") || mysql_type == "JSON";
}

std::string definition_of(const ColumnInfo& c) {
  std::string out = c.mysql_type;
  if (c.not_null) out += " NOT NULL";
  if (c.auto_increment) out += " AUTO_INCREMENT";
  if (!c.mysql_default.empty()) out += " DEFAULT " + c.mysql_default;
  return out;
}

}  // namespace

std::string Emitter::default_expression(const Node& raw, const PgType& type) {
  const TypeClass cls = type_class(type);
  if (const Object* f = as(raw, "FuncCall")) {
    auto names = string_list(array_field(*f, "funcname"));
    if (names.back() == "now" || names.back() == "transaction_timestamp" || names.back() == "statement_timestamp") {
      return "CURRENT_TIMESTAMP(" + std::to_string(type.mods.empty() ? 6 : type.mods[0]) + ")";
    }
  }
  if (const Object* v = as(raw, "SQLValueFunction")) {
    const std::string op = string_field(*v, "op");
    if (op.starts_with("SVFOP_CURRENT_TIMESTAMP") || op.starts_with("SVFOP_LOCALTIMESTAMP"))
      return "CURRENT_TIMESTAMP(" + std::to_string(type.mods.empty() ? 6 : type.mods[0]) + ")";
  }
  Expr e = expr(raw);
  e = coerce_literal(std::move(e), cls, &type, location_of(raw));
  auto mysql = mysql_column_type(type, dialect(), catalog_);
  const bool literal_ok =
      (e.literal || e.integer || e.sql == "TRUE" || e.sql == "FALSE" || e.sql == "NULL" ||
       (!e.sql.empty() && (std::isdigit(static_cast<unsigned char>(e.sql[0])) || e.sql[0] == '-' || e.sql[0] == '\'')));
  // MySQL 8.0 takes only parenthesized expressions as defaults of TEXT, BLOB and JSON columns.
  if (literal_ok && !(mysql && is_text_or_blob(*mysql))) return e.sql;
  return "(" + e.sql + ")";
}

std::string Emitter::column_definition(const Object& col, const std::string& schema, bool in_unique_key, int key_bytes,
                                       ColumnInfo& info, bool& auto_increment) {
  const std::string name = string_field(col, "colname");
  if (name.size() > 64) refuse("column name " + name + " is longer than MySQL's 64 characters", location_of(col));
  PgType type = type_name(node_field(col, "typeName")->as_object());
  if (type.schema.empty() && !catalog_.find_enum(schema, type.name) && type_class(type) == TypeClass::unknown &&
      catalog_.find_enum("public", type.name))
    type.schema = "public";
  else if (type.schema.empty() && catalog_.find_enum(schema, type.name))
    type.schema = schema;
  if (node_field(col, "collClause")) {
    auto coll = string_list(array_field(node_field(col, "collClause")->as_object(), "collname"));
    if (coll.empty() || (coll.back() != "C" && coll.back() != "POSIX"))
      refuse(
          "column " + name + ": COLLATE " + (coll.empty() ? std::string() : coll.back()) + " has no MySQL equivalent",
          location_of(col));
  }
  auto mysql = mysql_column_type(type, dialect(), catalog_, {in_unique_key, key_bytes});
  if (!mysql) refuse("column " + name + ": " + mysql.error(), location_of(col));
  info.name = name;
  PgType stored = type;
  stored.serial = false;
  info.pg_type = to_string(stored);
  info.mysql_type = *mysql;
  auto_increment = type.serial;
  bool not_null = type.serial;
  std::string default_sql;
  std::string check_sql;
  if (const Array* constraints = array_field(col, "constraints")) {
    for (const auto& cn : *constraints) {
      const Object& c = node_body(cn);
      const std::string contype = string_field(c, "contype");
      if (contype == "CONSTR_NOTNULL")
        not_null = true;
      else if (contype == "CONSTR_NULL") {
      } else if (contype == "CONSTR_DEFAULT") {
        const Node* raw = node_field(c, "raw_expr");
        if (const Object* f = as(*raw, "FuncCall"); f && string_list(array_field(*f, "funcname")).back() == "nextval") {
          auto_increment = true;
          not_null = true;
          continue;
        }
        scopes_.emplace_back();
        default_sql = default_expression(*raw, type);
        scopes_.pop_back();
      } else if (contype == "CONSTR_IDENTITY") {
        auto_increment = true;
        not_null = true;
      } else if (contype == "CONSTR_GENERATED") {
        refuse("column " + name + ": generated columns are not supported", location_of(c));
      } else if (contype == "CONSTR_PRIMARY" || contype == "CONSTR_UNIQUE") {
        not_null = not_null || contype == "CONSTR_PRIMARY";
      } else if (contype == "CONSTR_ATTR_DEFERRED") {
        refuse("column " + name + ": INITIALLY DEFERRED constraints are not supported by MySQL", location_of(c));
      } else if (contype == "CONSTR_ATTR_DEFERRABLE" || contype == "CONSTR_ATTR_NOT_DEFERRABLE" ||
                 contype == "CONSTR_ATTR_IMMEDIATE") {
        // Checked immediately, as MySQL does.
      } else if (contype == "CONSTR_CHECK" || contype == "CONSTR_FOREIGN") {
        // Emitted as table constraints by create_table.
      } else {
        refuse("column " + name + ": constraint " + contype + " is not supported", location_of(c));
      }
    }
  }
  if (auto_increment && type_class(type) != TypeClass::integer)
    refuse("column " + name + ": an identity or sequence default needs an integer type", location_of(col));
  info.not_null = not_null;
  info.auto_increment = auto_increment;
  info.mysql_default = default_sql;
  return quote_identifier(name) + " " + definition_of(info);
}

std::string Emitter::constraint_clause(const Object& c) {
  const std::string contype = string_field(c, "contype");
  const std::string name = string_field(c, "conname");
  const int loc = location_of(c);
  if (bool_field(c, "initdeferred")) refuse("INITIALLY DEFERRED constraints are not supported by MySQL", loc);
  std::string prefix = name.empty() ? std::string() : "CONSTRAINT " + quote_identifier(name) + " ";
  if (contype == "CONSTR_PRIMARY") return "PRIMARY KEY (" + column_list(string_list(array_field(c, "keys"))) + ")";
  if (contype == "CONSTR_UNIQUE") {
    if (node_field(c, "where_clause")) refuse("partial unique constraints are not supported", loc);
    return prefix + "UNIQUE (" + column_list(string_list(array_field(c, "keys"))) + ")";
  }
  if (contype == "CONSTR_CHECK") {
    if (bool_field(c, "is_no_inherit")) refuse("CHECK ... NO INHERIT is not supported", loc);
    return prefix + "CHECK (" + expr(*node_field(c, "raw_expr")).sql + ")";
  }
  if (contype == "CONSTR_FOREIGN") {
    const Object& pk = node_body(*node_field(c, "pktable"));
    auto fk_cols = string_list(array_field(c, "fk_attrs"));
    auto pk_cols = string_list(array_field(c, "pk_attrs"));
    if (pk_cols.empty()) {
      // REFERENCES t without columns means t's primary key; take it from the catalog.
      refuse("REFERENCES without a column list is not supported; name the referenced columns", loc);
    }
    if (string_field(c, "fk_matchtype") == "f") refuse("MATCH FULL foreign keys are not supported by MySQL", loc);
    touch(schema_of(pk), string_field(pk, "relname"));
    std::string sql = prefix + "FOREIGN KEY (" + column_list(fk_cols) + ") REFERENCES " + table_name(pk) + " (" +
                      column_list(pk_cols) + ")";
    sql += " ON DELETE " + fk_action(string_field(c, "fk_del_action"), loc);
    sql += " ON UPDATE " + fk_action(string_field(c, "fk_upd_action"), loc);
    return sql;
  }
  if (contype == "CONSTR_EXCLUSION") refuse("EXCLUDE constraints are not supported by MySQL", loc);
  refuse("constraint " + contype + " is not supported", loc);
}

std::vector<std::string> Emitter::create_table(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  const int loc = location_of(s);
  if (array_field(s, "inhRelations")) refuse("table inheritance is not supported by MySQL", loc);
  if (node_field(s, "partspec") || node_field(s, "partbound")) refuse("partitioned tables are not supported", loc);
  if (node_field(s, "ofTypename")) refuse("typed tables are not supported", loc);
  const std::string schema = schema_of(rel);
  const std::string table = string_field(rel, "relname");
  if (table.size() > 64) refuse("table name " + table + " is longer than MySQL's 64 characters", loc);
  touch(schema, table);
  const Array* elements = array_field(s, "tableElts");
  // Columns in a primary key or unique constraint get a type MySQL can index whole.
  std::set<std::string> key_columns;
  std::vector<std::vector<std::string>> keys;
  std::map<std::string, PgType> column_types;
  int unique_keys = 0;
  if (elements) {
    for (const auto& e : *elements) {
      if (const Object* c = as(e, "Constraint")) {
        const std::string t = string_field(*c, "contype");
        if (t == "CONSTR_PRIMARY" || t == "CONSTR_UNIQUE") {
          ++unique_keys;
          keys.push_back(string_list(array_field(*c, "keys")));
          for (const auto& k : keys.back()) key_columns.insert(k);
        }
      } else if (const Object* col = as(e, "ColumnDef")) {
        column_types[string_field(*col, "colname")] = type_name(node_field(*col, "typeName")->as_object());
        if (const Array* cons = array_field(*col, "constraints")) {
          for (const auto& cn : *cons) {
            const std::string t = string_field(node_body(cn), "contype");
            if (t == "CONSTR_PRIMARY" || t == "CONSTR_UNIQUE") {
              ++unique_keys;
              keys.push_back({string_field(*col, "colname")});
              key_columns.insert(string_field(*col, "colname"));
            }
          }
        }
      }
    }
  }
  // InnoDB indexes at most 3072 bytes of a key: unbounded text and bytea share what the key's
  // other columns leave, and a key of bounded columns that needs more is refused.
  std::map<std::string, int> key_bytes;
  for (const auto& key : keys) {
    int fixed = 0, unbounded = 0;
    for (const auto& k : key) {
      auto it = column_types.find(k);
      if (it == column_types.end()) continue;
      if (auto b = key_part_bytes(it->second))
        fixed += *b;
      else
        ++unbounded;
    }
    std::string list;
    for (const auto& k : key) list += (list.empty() ? "" : ", ") + k;
    const int left = kInnodbMaxKeyBytes - fixed;
    if (left < 0 || (unbounded && left / unbounded < 4))
      refuse("key (" + list + ") needs " + std::to_string(fixed) + " bytes, more than the " +
                 std::to_string(kInnodbMaxKeyBytes) + " bytes InnoDB can index",
             loc);
    for (const auto& k : key) {
      auto it = column_types.find(k);
      if (it == column_types.end() || key_part_bytes(it->second) || unbounded == 0) continue;
      auto [slot, fresh] = key_bytes.emplace(k, left / unbounded);
      if (!fresh) slot->second = std::min(slot->second, left / unbounded);
    }
  }
  TableInfo info;
  info.unique_keys = unique_keys;
  std::vector<std::string> parts;
  std::vector<std::string> table_constraints;
  std::vector<std::string> auto_increment_columns;
  std::set<std::string> lower_names;
  if (elements) {
    for (const auto& e : *elements) {
      if (const Object* col = as(e, "ColumnDef")) {
        ColumnInfo ci;
        bool auto_increment = false;
        const std::string name = string_field(*col, "colname");
        auto kb = key_bytes.find(name);
        parts.push_back(column_definition(*col, schema, key_columns.count(name) > 0,
                                          kb == key_bytes.end() ? kInnodbMaxKeyBytes : kb->second, ci, auto_increment));
        if (!lower_names.insert(ascii_lower(name)).second)
          refuse("columns whose names differ only in case are one column in MySQL: " + name, location_of(*col));
        if (auto_increment) auto_increment_columns.push_back(name);
        info.columns.push_back(ci);
      }
    }
    // Column-level key, check and reference constraints, then table-level ones, with every column
    // known for CHECK expressions.
    ScopeEntry self;
    self.alias = table;
    self.schema = schema;
    self.table = table;
    self.columns = info.columns;
    scopes_.emplace_back();
    scopes_.back().push_back(self);
    for (const auto& e : *elements) {
      if (const Object* col = as(e, "ColumnDef")) {
        const std::string name = string_field(*col, "colname");
        if (const Array* cons = array_field(*col, "constraints")) {
          for (const auto& cn : *cons) {
            const Object& c = node_body(cn);
            const std::string t = string_field(c, "contype");
            if (t == "CONSTR_PRIMARY") {
              table_constraints.push_back("PRIMARY KEY (" + quote_identifier(name) + ")");
            } else if (t == "CONSTR_UNIQUE") {
              const std::string cname = string_field(c, "conname");
              table_constraints.push_back(
                  (cname.empty() ? std::string() : "CONSTRAINT " + quote_identifier(cname) + " ") + "UNIQUE (" +
                  quote_identifier(name) + ")");
            } else if (t == "CONSTR_CHECK") {
              table_constraints.push_back(constraint_clause(c));
            } else if (t == "CONSTR_FOREIGN") {
              Object copy = c;
              Array attrs;
              attrs.emplace_back(Object{{"String", Object{{"sval", name}}}});
              copy["fk_attrs"] = attrs;
              table_constraints.push_back(constraint_clause(copy));
            }
          }
        }
      } else if (const Object* c = as(e, "Constraint")) {
        table_constraints.push_back(constraint_clause(*c));
      } else if (as(e, "TableLikeClause")) {
        refuse("CREATE TABLE ... LIKE is not supported", location_of(e));
      }
    }
    scopes_.pop_back();
  }
  // Primary key columns are NOT NULL on both servers, whether or not the column says so.
  if (elements) {
    for (const auto& e : *elements)
      if (const Object* c = as(e, "Constraint"); c && string_field(*c, "contype") == "CONSTR_PRIMARY")
        for (const auto& k : string_list(array_field(*c, "keys")))
          for (auto& col : info.columns)
            if (col.name == k) col.not_null = true;
  }
  // MySQL requires an AUTO_INCREMENT column to lead some index.
  for (const auto& col : auto_increment_columns) {
    bool leads = false;
    for (const auto& k : table_constraints)
      if (k.starts_with("PRIMARY KEY (" + quote_identifier(col)) ||
          k.find("UNIQUE (" + quote_identifier(col)) != std::string::npos)
        leads = true;
    if (!leads) table_constraints.push_back("KEY (" + quote_identifier(col) + ")");
  }
  std::string sql =
      std::string(string_field(rel, "relpersistence") == "t" ? "CREATE TEMPORARY TABLE " : "CREATE TABLE ");
  if (bool_field(s, "if_not_exists")) sql += "IF NOT EXISTS ";
  sql += table_name(rel) + " (";
  for (std::size_t i = 0; i < parts.size(); ++i) sql += (i ? ", " : "") + parts[i];
  for (const auto& c : table_constraints) sql += ", " + c;
  sql += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + text_collation(dialect());
  catalog_.put_table(schema, table, std::move(info));
  return {sql};
}

std::string Emitter::create_index(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  const int loc = location_of(s);
  const std::string method = string_field(s, "accessMethod");
  if (!method.empty() && method != "btree" && method != "hash")
    refuse(method + " indexes are not supported by MySQL", loc);
  if (node_field(s, "whereClause")) refuse("partial indexes are not supported by MySQL", loc);
  if (array_field(s, "indexIncludingParams")) refuse("INCLUDE columns are not supported by MySQL", loc);
  const std::string schema = schema_of(rel);
  const std::string table = string_field(rel, "relname");
  touch(schema, table);
  const bool unique = bool_field(s, "unique");
  const TableInfo* info = catalog_.find(schema, table);
  std::string cols;
  for (const auto& p : *array_field(s, "indexParams")) {
    const Object& elem = node_body(p);
    const std::string name = string_field(elem, "name");
    if (name.empty()) refuse("expression indexes are not accepted by MariaDB", location_of(elem));
    if (array_field(elem, "opclass")) refuse("operator classes in indexes are not supported", location_of(elem));
    std::string part = quote_identifier(name);
    if (info) {
      if (const ColumnInfo* c = info->find(name)) {
        if (c->mysql_type.starts_with("LONGTEXT") || c->mysql_type.starts_with("LONGBLOB")) {
          // A prefix is fine for lookups but would make a unique index reject distinct values.
          if (unique)
            refuse("unique index on unbounded column " + name +
                       ": MySQL indexes only a prefix; declare it varchar(n <= 768)",
                   location_of(elem));
          part += "(255)";
        } else if (c->mysql_type == "JSON") {
          refuse("index on json column " + name + " is not supported by MySQL", location_of(elem));
        }
      }
    }
    if (string_field(elem, "ordering") == "SORTBY_DESC") part += " DESC";
    cols += (cols.empty() ? "" : ", ") + part;
  }
  std::string name = string_field(s, "idxname");
  if (name.empty()) refuse("CREATE INDEX without a name is not supported: name the index so it can be dropped", loc);
  if (unique && info) {
    if (TableInfo* writable = catalog_.find(schema, table)) ++writable->unique_keys;
  }
  catalog_.put_index(schema, name, table, unique);
  return std::string(unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + quote_identifier(name) + " ON " +
         table_name(rel) + " (" + cols + ")";
}

std::vector<std::string> Emitter::alter_table(const Object& s) {
  const Object& rel = node_body(*node_field(s, "relation"));
  const int loc = location_of(s);
  if (string_field(s, "objtype") != "OBJECT_TABLE") refuse("ALTER of this object type is not supported", loc);
  const std::string schema = schema_of(rel);
  const std::string table = string_field(rel, "relname");
  touch(schema, table);
  TableInfo* info = catalog_.find(schema, table);
  std::vector<std::string> actions;
  ScopeEntry self;
  self.alias = table;
  if (info) self.columns = info->columns;
  scopes_.emplace_back();
  scopes_.back().push_back(self);
  for (const auto& cmd_node : *array_field(s, "cmds")) {
    const Object& cmd = node_body(cmd_node);
    const std::string sub = string_field(cmd, "subtype");
    const std::string name = string_field(cmd, "name");
    const int cloc = location_of(cmd) >= 0 ? location_of(cmd) : loc;
    auto known_column = [&]() -> ColumnInfo& {
      ColumnInfo* c = nullptr;
      if (info)
        for (auto& col : info->columns)
          if (col.name == name) c = &col;
      if (!c)
        refuse("ALTER TABLE " + table + ": column " + name +
                   " is not known to the translator (MySQL's MODIFY restates the whole column)",
               cloc);
      return *c;
    };
    if (sub == "AT_AddColumn") {
      ColumnInfo ci;
      bool auto_increment = false;
      const Object& def = node_body(*node_field(cmd, "def"));
      if (const Array* cons = array_field(def, "constraints")) {
        for (const auto& cn : *cons) {
          const std::string t = string_field(node_body(cn), "contype");
          if (t == "CONSTR_PRIMARY" || t == "CONSTR_UNIQUE" || t == "CONSTR_FOREIGN" || t == "CONSTR_CHECK")
            refuse("ALTER TABLE ADD COLUMN with an inline key, check or reference: add the constraint separately",
                   cloc);
        }
      }
      actions.push_back("ADD COLUMN " + column_definition(def, schema, false, kInnodbMaxKeyBytes, ci, auto_increment));
      if (auto_increment) refuse("ALTER TABLE ADD COLUMN of a serial/identity column is not supported", cloc);
      if (info) info->columns.push_back(ci);
    } else if (sub == "AT_DropColumn") {
      if (string_field(cmd, "behavior") == "DROP_CASCADE") refuse("DROP COLUMN ... CASCADE is not supported", cloc);
      actions.push_back(std::string("DROP COLUMN ") + (bool_field(cmd, "missing_ok") ? "IF EXISTS " : "") +
                        quote_identifier(name));
      if (info) std::erase_if(info->columns, [&](const ColumnInfo& c) { return c.name == name; });
    } else if (sub == "AT_AlterColumnType") {
      ColumnInfo& c = known_column();
      const Object& def = node_body(*node_field(cmd, "def"));
      if (node_field(def, "raw_default")) refuse("ALTER COLUMN TYPE ... USING is not supported", cloc);
      PgType t = type_name(node_field(def, "typeName")->as_object());
      auto mysql = mysql_column_type(t, dialect(), catalog_, {c.mysql_type.starts_with("VARCHAR(768)")});
      if (!mysql) refuse("column " + name + ": " + mysql.error(), cloc);
      c.pg_type = to_string(t);
      c.mysql_type = *mysql;
      actions.push_back("MODIFY COLUMN " + quote_identifier(name) + " " + definition_of(c));
    } else if (sub == "AT_ColumnDefault") {
      ColumnInfo* c = nullptr;
      if (info)
        for (auto& col : info->columns)
          if (col.name == name) c = &col;
      if (const Node* def = node_field(cmd, "def")) {
        PgType t = c ? parse_type_string(c->pg_type) : PgType{};
        std::string d = default_expression(*def, t);
        actions.push_back("ALTER COLUMN " + quote_identifier(name) + " SET DEFAULT " + d);
        if (c) c->mysql_default = d;
      } else {
        actions.push_back("ALTER COLUMN " + quote_identifier(name) + " DROP DEFAULT");
        if (c) c->mysql_default.clear();
      }
    } else if (sub == "AT_SetNotNull" || sub == "AT_DropNotNull") {
      ColumnInfo& c = known_column();
      c.not_null = sub == "AT_SetNotNull";
      actions.push_back("MODIFY COLUMN " + quote_identifier(name) + " " + definition_of(c));
    } else if (sub == "AT_AddConstraint") {
      const Object& c = node_body(*node_field(cmd, "def"));
      const std::string t = string_field(c, "contype");
      if (t == "CONSTR_PRIMARY" || t == "CONSTR_UNIQUE") {
        for (const auto& k : string_list(array_field(c, "keys"))) {
          ColumnInfo* col = nullptr;
          if (info)
            for (auto& ci : info->columns)
              if (ci.name == k) col = &ci;
          if (col && (col->mysql_type.starts_with("LONGTEXT") || col->mysql_type.starts_with("LONGBLOB")))
            refuse("a key on unbounded column " + k + ": MySQL indexes only a prefix; declare it varchar(n <= 768)",
                   cloc);
        }
        if (info) ++info->unique_keys;
      }
      std::string clause = constraint_clause(c);
      if (t == "CONSTR_PRIMARY" && !string_field(c, "conname").empty())
        clause = "PRIMARY KEY (" + column_list(string_list(array_field(c, "keys"))) + ")";
      actions.push_back("ADD " + clause);
    } else if (sub == "AT_DropConstraint") {
      if (string_field(cmd, "behavior") == "DROP_CASCADE") refuse("DROP CONSTRAINT ... CASCADE is not supported", cloc);
      actions.push_back("DROP CONSTRAINT " + quote_identifier(name));
    } else {
      refuse("ALTER TABLE " + sub.substr(3) + " is not supported", cloc);
    }
  }
  scopes_.pop_back();
  std::string sql = "ALTER TABLE " + table_name(rel) + " ";
  for (std::size_t i = 0; i < actions.size(); ++i) sql += (i ? ", " : "") + actions[i];
  return {sql};
}

std::string Emitter::rename_statement(const Object& s) {
  const std::string type = string_field(s, "renameType");
  const int loc = location_of(s);
  const Node* relation = node_field(s, "relation");
  if (!relation) refuse("RENAME of this object is not supported", loc);
  const Object& rel = relation->as_object();
  const std::string schema = schema_of(rel);
  const std::string table = string_field(rel, "relname");
  const std::string new_name = string_field(s, "newname");
  touch(schema, table);
  if (type == "OBJECT_TABLE") {
    if (TableInfo* info = catalog_.find(schema, table)) {
      TableInfo copy = *info;
      catalog_.drop_table(schema, table);
      catalog_.put_table(schema, new_name, std::move(copy));
    }
    return "RENAME TABLE " + table_name(schema, table) + " TO " + table_name(schema, new_name);
  }
  if (type == "OBJECT_COLUMN") {
    const std::string old_name = string_field(s, "subname");
    if (TableInfo* info = catalog_.find(schema, table))
      for (auto& c : info->columns)
        if (c.name == old_name) c.name = new_name;
    return "ALTER TABLE " + table_name(schema, table) + " RENAME COLUMN " + quote_identifier(old_name) + " TO " +
           quote_identifier(new_name);
  }
  refuse("RENAME of " + type.substr(7) + " is not supported", loc);
}

std::vector<std::string> Emitter::drop_statement(const Object& s) {
  const std::string type = string_field(s, "removeType");
  const int loc = location_of(s);
  if (string_field(s, "behavior") == "DROP_CASCADE")
    refuse("DROP ... CASCADE is not supported: drop the dependent objects first", loc);
  const bool if_exists = bool_field(s, "missing_ok");
  std::vector<std::string> out;
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& obj : *array_field(s, "objects")) {
    std::vector<std::string> parts;
    if (obj.is_object() && obj.as_object().contains("List"))
      parts = string_list(array_field(node_body(obj), "items"));
    else if (obj.is_object() && obj.as_object().contains("TypeName"))
      parts = string_list(array_field(node_body(obj), "names"));
    else if (obj.is_object() && obj.as_object().contains("String"))
      parts = {string_value(obj)};
    if (parts.empty()) refuse("DROP of this object is not supported", loc);
    names.emplace_back(parts.size() > 1 ? parts[parts.size() - 2] : "public", parts.back());
  }
  if (type == "OBJECT_TABLE") {
    std::string sql = std::string("DROP TABLE ") + (if_exists ? "IF EXISTS " : "");
    for (std::size_t i = 0; i < names.size(); ++i) {
      sql += (i ? ", " : "") + table_name(names[i].first, names[i].second);
      touch(names[i].first, names[i].second);
      catalog_.drop_table(names[i].first, names[i].second);
    }
    out.push_back(sql);
    return out;
  }
  if (type == "OBJECT_INDEX") {
    for (const auto& [schema, index] : names) {
      const auto* entry = catalog_.find_index(schema, index);
      if (!entry) {
        if (if_exists) continue;
        refuse("DROP INDEX " + index + ": its table is not known to the translator (MySQL's DROP INDEX needs it)", loc);
      }
      const std::string table = entry->first;
      if (entry->second)
        if (TableInfo* info = catalog_.find(schema, table)) --info->unique_keys;
      touch(schema, table);
      out.push_back("DROP INDEX " + quote_identifier(index) + " ON " + table_name(schema, table));
      catalog_.drop_index(schema, index);
    }
    return out;
  }
  if (type == "OBJECT_TYPE") {
    for (const auto& [schema, name] : names) catalog_.drop_enum(schema, name);
    return out;  // enum types live in column definitions on MySQL
  }
  if (type == "OBJECT_SEQUENCE") return out;  // sequences are AUTO_INCREMENT on MySQL
  if (type == "OBJECT_SCHEMA")
    refuse("DROP SCHEMA is refused: MySQL's DROP DATABASE would drop every table in it", loc);
  refuse("DROP " + type.substr(7) + " is not supported", loc);
}

void Emitter::create_enum(const Object& s) {
  auto names = string_list(array_field(s, "typeName"));
  std::vector<std::string> labels = string_list(array_field(s, "vals"));
  const std::string schema = names.size() > 1 ? names[names.size() - 2] : "public";
  catalog_.put_enum(schema, names.back(), std::move(labels));
}

}  // namespace tandem::sql::detail

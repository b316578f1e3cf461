// The statement dispatcher of the translator, parse-tree accessors, names and parameters.
#include "protocol/sql/emitter.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"

namespace tandem::sql::detail {

void refuse(std::string message, int location) { throw Refusal{std::move(message), location}; }

std::string ascii_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string representative_type(TypeClass t) {
  switch (t) {
    case TypeClass::integer:
      return "bigint";
    case TypeClass::numeric:
      return "numeric";
    case TypeClass::floating:
      return "double precision";
    case TypeClass::text:
      return "text";
    case TypeClass::boolean:
      return "boolean";
    case TypeClass::date:
      return "date";
    case TypeClass::time:
      return "time without time zone";
    case TypeClass::timestamp:
      return "timestamp without time zone";
    case TypeClass::timestamptz:
      return "timestamp with time zone";
    case TypeClass::json:
      return "jsonb";
    case TypeClass::bytea:
      return "bytea";
    case TypeClass::uuid:
      return "uuid";
    default:
      return "";
  }
}

std::string_view node_type(const Node& n) {
  if (!n.is_object() || n.as_object().empty()) refuse("unexpected empty node in the parse tree");
  return n.as_object().begin()->key();
}

// libpg_query wraps generic Node fields as {"TypeName": {...}} but writes fields of a fixed
// struct type (RangeVar *relation, WindowDef *over, SelectStmt *larg) bare: a wrapper is one key
// starting with an upper-case letter.
const Object& node_body(const Node& n) {
  if (!n.is_object()) refuse("unexpected value in the parse tree");
  const Object& o = n.as_object();
  if (o.size() == 1 && std::isupper(static_cast<unsigned char>(o.begin()->key().front()))) {
    const Node& body = o.begin()->value();
    static const Object kEmpty;
    return body.is_object() ? body.as_object() : kEmpty;
  }
  return o;
}

const Object* as(const Node& n, std::string_view type) {
  if (!n.is_object()) return nullptr;
  const Object& o = n.as_object();
  if (o.size() != 1 || o.begin()->key() != type) return nullptr;
  static const Object kEmpty;
  return o.begin()->value().is_object() ? &o.begin()->value().as_object() : &kEmpty;
}

int location_of(const Object& o) {
  if (auto* l = o.if_contains("location"); l && l->is_int64()) return static_cast<int>(l->as_int64());
  return -1;
}

int location_of(const Node& n) {
  if (!n.is_object() || n.as_object().empty()) return -1;
  const Node& body = n.as_object().begin()->value();
  return body.is_object() ? location_of(body.as_object()) : -1;
}

std::string string_field(const Object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

const Array* array_field(const Object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

const Node* node_field(const Object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? v : nullptr;
}

bool bool_field(const Object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

long long int_field(const Object& o, std::string_view key, long long fallback) {
  auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : fallback;
}

std::string string_value(const Node& n) {
  const Object* s = as(n, "String");
  if (!s) refuse("expected a name in the parse tree", location_of(n));
  return string_field(*s, "sval");
}

const Array& list_items(const Node& n) {
  static const Array kEmpty;
  if (n.is_array()) return n.as_array();
  if (const Object* l = as(n, "List")) {
    const Array* items = array_field(*l, "items");
    return items ? *items : kEmpty;
  }
  refuse("expected a list in the parse tree", location_of(n));
}

std::vector<std::string> string_list(const Array* a) {
  std::vector<std::string> out;
  if (!a) return out;
  for (const auto& item : *a)
    if (as(item, "String")) out.push_back(string_value(item));
  return out;
}

std::string Emitter::schema_of(const Object& range_var) const {
  std::string schema = string_field(range_var, "schemaname");
  if (!string_field(range_var, "catalogname").empty())
    refuse("database-qualified names are not supported", location_of(range_var));
  return schema.empty() ? "public" : schema;
}

// PostgreSQL schema `public` is the MySQL connection's default database; any other schema is a
// MySQL database of the same name.
std::string Emitter::table_name(const std::string& schema, const std::string& table) {
  if (schema == "public") return quote_identifier(table);
  return quote_identifier(schema) + "." + quote_identifier(table);
}

std::string Emitter::table_name(const Object& range_var) {
  return table_name(schema_of(range_var), string_field(range_var, "relname"));
}

void Emitter::touch(const std::string& schema, const std::string& table) {
  TableRef ref{schema, table};
  if (std::find(out_.tables.begin(), out_.tables.end(), ref) == out_.tables.end()) out_.tables.push_back(ref);
}

std::string Emitter::json_text(const std::string& extracted) {
  return "(CASE WHEN JSON_TYPE(" + extracted + ") = 'NULL' THEN NULL ELSE JSON_UNQUOTE(" + extracted + ") COLLATE " +
         text_collation(dialect()) + " END)";
}

std::string Emitter::parameter_marker(long long number) { return "\x01" + std::to_string(number) + "\x02"; }

void Emitter::number_parameters(Translation& t) {
  t.parameters.clear();
  for (auto& statement : t.statements) {
    std::string out;
    out.reserve(statement.size());
    for (std::size_t i = 0; i < statement.size(); ++i) {
      if (statement[i] != '\x01') {
        out += statement[i];
        continue;
      }
      const std::size_t end = statement.find('\x02', i);
      t.parameters.push_back(std::stoi(statement.substr(i + 1, end - i - 1)));
      out += '?';
      i = end;
    }
    statement = std::move(out);
  }
}

Translation Emitter::translate(const Node& stmt, std::string_view source) {
  source_ = source;
  out_ = Translation{};
  scopes_.clear();
  ctes_.clear();
  targets_.clear();
  parameter_types_.clear();
  const std::string_view type = node_type(stmt);
  const Object& s = node_body(stmt);
  if (type == "SelectStmt") {
    out_.statement_class = StatementClass::read;
    out_.statements.push_back(select_statement(s));
  } else if (type == "InsertStmt") {
    out_.statement_class = StatementClass::write;
    out_.statements.push_back(insert_statement(s));
  } else if (type == "UpdateStmt") {
    out_.statement_class = StatementClass::write;
    out_.statements.push_back(update_statement(s));
  } else if (type == "DeleteStmt") {
    out_.statement_class = StatementClass::write;
    out_.statements.push_back(delete_statement(s));
  } else if (type == "TruncateStmt") {
    out_.statement_class = StatementClass::write;
    out_.statements = truncate_statement(s);
  } else if (type == "CreateStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.statements = create_table(s);
  } else if (type == "IndexStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.statements.push_back(create_index(s));
  } else if (type == "AlterTableStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.statements = alter_table(s);
  } else if (type == "RenameStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.statements.push_back(rename_statement(s));
  } else if (type == "DropStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.statements = drop_statement(s);
  } else if (type == "CreateEnumStmt") {
    out_.statement_class = StatementClass::ddl;
    create_enum(s);
  } else if (type == "CreateSeqStmt") {
    out_.statement_class = StatementClass::ddl;
    out_.emulation = "CREATE SEQUENCE: no MySQL object; a column defaulting to nextval() becomes AUTO_INCREMENT";
  } else if (type == "CreateSchemaStmt") {
    out_.statement_class = StatementClass::ddl;
    if (array_field(s, "schemaElts")) refuse("CREATE SCHEMA with elements is not supported", location_of(s));
    std::string name = string_field(s, "schemaname");
    out_.statements.push_back(std::string("CREATE DATABASE ") +
                              (bool_field(s, "if_not_exists") ? "IF NOT EXISTS " : "") + quote_identifier(name) +
                              " CHARACTER SET utf8mb4");
  } else if (type == "TransactionStmt") {
    out_ = transaction_statement(s);
  } else if (type == "VariableSetStmt") {
    out_ = set_statement(s);
  } else if (type == "VariableShowStmt") {
    out_ = show_statement(s);
  } else if (type == "DiscardStmt") {
    out_.statement_class = StatementClass::session;
    out_.emulation = "DISCARD: the session drops its own prepared statements and settings";
  } else {
    std::string name(type);
    if (name.ends_with("Stmt")) name.resize(name.size() - 4);
    refuse(name + " statements are not supported", location_of(s));
  }
  Translation result = std::move(out_);
  number_parameters(result);
  if (!parameter_types_.empty()) {
    result.parameter_types.resize(static_cast<std::size_t>(parameter_types_.rbegin()->first));
    for (const auto& [number, type] : parameter_types_)
      if (number >= 1) result.parameter_types[static_cast<std::size_t>(number - 1)] = type;
  }
  return result;
}

}  // namespace tandem::sql::detail

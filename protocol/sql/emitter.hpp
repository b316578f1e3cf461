// Internal to the translator: walks libpg_query's JSON parse tree and writes MySQL text.
// Only the translator's own sources include this header (it pulls in Boost.JSON).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sql/catalog.hpp"
#include "protocol/sql/translation.hpp"
#include "protocol/sql/type_map.hpp"

namespace tandem::sql::detail {

using Node = boost::json::value;
using Object = boost::json::object;
using Array = boost::json::array;

// Raised deep inside the recursive walk and turned into a TranslationError at its boundary:
// unwinding is the simplest way out of an arbitrarily nested expression.
struct Refusal {
  std::string message;
  int location = -1;  // 0-based byte offset, -1 unknown
};
[[noreturn]] void refuse(std::string message, int location = -1);

// Node accessors.
std::string_view node_type(const Node& n);
const Object& node_body(const Node& n);
const Object* as(const Node& n, std::string_view type);
int location_of(const Object& o);
int location_of(const Node& n);
std::string string_field(const Object& o, std::string_view key);
const Array* array_field(const Object& o, std::string_view key);
const Node* node_field(const Object& o, std::string_view key);
bool bool_field(const Object& o, std::string_view key);
long long int_field(const Object& o, std::string_view key, long long fallback = 0);
std::string string_value(const Node& n);  // a String node's text
const Array& list_items(const Node& n);   // the items of a {"List": {"items": [...]}} node
std::vector<std::string> string_list(const Array* a);

// An interval as MySQL INTERVAL terms: SQL expressions for months, days and microseconds (empty
// when zero), so that timestamp +/- interval applies them in PostgreSQL's order.
struct IntervalParts {
  std::string months, days, micros;
};

// A translated expression and what is known of its type.
struct Expr {
  std::string sql;
  TypeClass type = TypeClass::unknown;
  bool not_null = false;               // known never NULL (constants, NOT NULL columns)
  std::optional<std::string> literal;  // the text of an untyped string constant
  std::optional<long long> integer;    // the value of an integer constant
  bool parameter = false;
  std::optional<IntervalParts> interval;  // set for interval values; sql is then empty
  bool interval_micros = false;           // sql is a span in microseconds (timestamp - timestamp)
};

inline Expr make_expr(std::string sql, TypeClass type = TypeClass::unknown, bool not_null = false) {
  Expr e;
  e.sql = std::move(sql);
  e.type = type;
  e.not_null = not_null;
  return e;
}

std::string ascii_lower(std::string s);
// A PostgreSQL type name standing for a type class, for columns of derived tables.
std::string representative_type(TypeClass t);
// Whether an expression tree reads column `name` (of the statement's target table).
bool references_column(const Node& n, const std::string& name);

struct ScopeEntry {
  std::string alias;  // name the query refers to it by
  std::string schema, table;
  std::vector<ColumnInfo> columns;  // empty when unknown
};

struct TranslatorSettings {
  Dialect dialect = Dialect::mariadb;
};

class Emitter {
 public:
  Emitter(const TranslatorSettings& settings, Catalog& catalog) : settings_(settings), catalog_(catalog) {}

  // Translates one RawStmt's statement node of `source`; throws Refusal.
  Translation translate(const Node& stmt, std::string_view source);

  // Parameter placeholders are written as markers and numbered when the statement is complete,
  // so sub-expressions may be reordered freely.
  static std::string parameter_marker(long long number);
  static void number_parameters(Translation& t);

 private:
  // Queries (query_emitter.cpp).
  std::string select_statement(const Object& s);
  std::string select_core(const Object& s);
  std::string from_item(const Node& n);
  std::string order_by(const Array& sort_clause);
  std::string sort_item(const Object& sort_by);
  std::string locking(const Array& clauses);
  std::string limit_clause(const Object& s);
  std::string with_clause(const Object& with);
  std::string values_as_select(const Object& s, const std::vector<std::string>& names);
  std::string window_spec(const Object& w);
  std::string figure_column_name(const Node& n);
  bool is_cte(const std::string& name) const;
  ScopeEntry scope_entry_for(const Object& range_var);

  // Expressions (expression_emitter.cpp).
  Expr expr(const Node& n);
  Expr column_ref(const Object& c);
  Expr constant(const Object& c);
  Expr a_expr(const Object& e);
  Expr operator_expr(const std::string& op, const Node* left, const Node* right, int location);
  Expr bool_expr(const Object& e);
  Expr type_cast(const Object& c);
  Expr cast_to(Expr value, const PgType& type, int location);
  Expr func_call(const Object& f);
  Expr aggregate_call(const std::string& name, const Object& f);
  Expr sublink(const Object& s);
  Expr case_expr(const Object& c);
  Expr json_operator(const std::string& op, Expr left, const Node& right, int location);
  Expr interval_arithmetic(const std::string& op, Expr left, const Node& right, int location);
  Expr sql_value_function(const Object& f);
  std::string expr_list(const Array* a);
  // ->> and friends: JSON text as SQL text in the session's collation; a JSON null is SQL NULL.
  std::string json_text(const std::string& extracted);
  Expr coerce_literal(Expr e, TypeClass target, const PgType* target_type, int location);
  PgType type_name(const Object& tn);
  std::optional<ColumnInfo> resolve_column(const std::vector<std::string>& fields);

  // Writes (write_emitter.cpp).
  std::string insert_statement(const Object& s);
  std::string update_statement(const Object& s);
  std::string delete_statement(const Object& s);
  std::vector<std::string> truncate_statement(const Object& s);
  std::string returning_note(const Array& list);
  ScopeEntry begin_target(const Object& s, const char* verb);
  std::string finish_target(const Object& s, std::string sql);
  std::string assignments(const Array& list, const ScopeEntry& target, const std::string& qualifier, const char* what);

  // DDL (ddl_emitter.cpp).
  std::vector<std::string> create_table(const Object& s);
  std::string create_index(const Object& s);
  std::vector<std::string> alter_table(const Object& s);
  std::vector<std::string> drop_statement(const Object& s);
  std::string rename_statement(const Object& s);
  void create_enum(const Object& s);
  std::string column_definition(const Object& col, const std::string& schema, bool in_unique_key, int key_bytes,
                                ColumnInfo& info, bool& auto_increment);
  std::string constraint_clause(const Object& c);
  std::string default_expression(const Node& raw, const PgType& type);

  // Transactions and session settings (session_emitter.cpp).
  Translation transaction_statement(const Object& s);
  Translation set_statement(const Object& s);
  Translation show_statement(const Object& s);

  // Names.
  std::string table_name(const std::string& schema, const std::string& table);
  std::string table_name(const Object& range_var);
  void touch(const std::string& schema, const std::string& table);
  std::string schema_of(const Object& range_var) const;
  Dialect dialect() const { return settings_.dialect; }

  std::string_view source_;  // the statement text the parse tree's locations point into
  const TranslatorSettings& settings_;
  Catalog& catalog_;
  Translation out_;
  std::vector<std::vector<ScopeEntry>> scopes_;
  std::vector<std::vector<std::string>> ctes_;   // names of common table expressions in scope
  std::vector<std::vector<Expr>> targets_;       // translated select lists, for ORDER BY n
  std::vector<ColumnInfo> last_select_columns_;  // output of the last select translated
  bool in_on_conflict_ = false;                  // EXCLUDED.x means the row proposed for insertion
  std::map<int, std::string> parameter_types_;   // $n -> the PostgreSQL type its value takes
};

}  // namespace tandem::sql::detail

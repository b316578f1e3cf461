// Transaction control and session settings: BEGIN/COMMIT/SAVEPOINT, SET/RESET/SHOW.
#include <cmath>

#include "protocol/sql/emitter.hpp"
#include "protocol/sql/mysql_text.hpp"

namespace tandem::sql::detail {
namespace {

std::string isolation_level(std::string level, int loc) {
  level = ascii_lower(level);
  if (level == "serializable") return "SERIALIZABLE";
  if (level == "repeatable read") return "REPEATABLE READ";
  if (level == "read committed") return "READ COMMITTED";
  if (level == "read uncommitted") return "READ UNCOMMITTED";
  refuse("unknown isolation level " + level, loc);
}

// The text of a SET argument: 'UTC', UTC, 5000, '5s'.
std::string setting_text(const Node& n) {
  if (const Object* c = as(n, "A_Const")) {
    if (auto* s = c->if_contains("sval")) return string_field(s->as_object(), "sval");
    if (auto* i = c->if_contains("ival")) return std::to_string(int_field(i->as_object(), "ival"));
    if (auto* f = c->if_contains("fval")) return string_field(f->as_object(), "fval");
  }
  if (const Object* t = as(n, "TypeCast")) return setting_text(*node_field(*t, "arg"));
  refuse("unsupported SET value", location_of(n));
}

// statement_timeout: an integer is milliseconds; text may carry a unit.
long long timeout_millis(const std::string& text, int loc) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    refuse("invalid timeout " + text, loc);
  }
  std::string unit = ascii_lower(text.substr(used));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  if (unit.empty() || unit == "ms") return static_cast<long long>(value);
  if (unit == "s") return static_cast<long long>(value * 1000);
  if (unit == "min") return static_cast<long long>(value * 60000);
  if (unit == "h") return static_cast<long long>(value * 3600000);
  if (unit == "us") return static_cast<long long>(value / 1000);
  refuse("unknown time unit in " + text, loc);
}

}  // namespace

Translation Emitter::transaction_statement(const Object& s) {
  Translation t;
  t.statement_class = StatementClass::transaction;
  const std::string kind = string_field(s, "kind");
  const int loc = location_of(s);
  const std::string savepoint = string_field(s, "savepoint_name");
  if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
    std::string start = "START TRANSACTION";
    if (const Array* options = array_field(s, "options")) {
      for (const auto& o : *options) {
        const Object& d = node_body(o);
        const std::string name = string_field(d, "defname");
        const Node* arg = node_field(d, "arg");
        if (name == "transaction_isolation") {
          t.statements.push_back("SET TRANSACTION ISOLATION LEVEL " + isolation_level(setting_text(*arg), loc));
        } else if (name == "transaction_read_only") {
          start += setting_text(*arg) == "1" ? " READ ONLY" : " READ WRITE";
        } else if (name == "transaction_deferrable") {
          // Only changes when a serializable read-only transaction may start.
        } else {
          refuse("transaction option " + name + " is not supported", loc);
        }
      }
    }
    t.statements.push_back(start);
    return t;
  }
  if (kind == "TRANS_STMT_COMMIT") {
    t.statements.push_back(bool_field(s, "chain") ? "COMMIT AND CHAIN" : "COMMIT");
    return t;
  }
  if (kind == "TRANS_STMT_ROLLBACK") {
    t.statements.push_back(bool_field(s, "chain") ? "ROLLBACK AND CHAIN" : "ROLLBACK");
    return t;
  }
  if (kind == "TRANS_STMT_SAVEPOINT") {
    t.statements.push_back("SAVEPOINT " + quote_identifier(savepoint));
    return t;
  }
  if (kind == "TRANS_STMT_RELEASE") {
    t.statements.push_back("RELEASE SAVEPOINT " + quote_identifier(savepoint));
    return t;
  }
  if (kind == "TRANS_STMT_ROLLBACK_TO") {
    t.statements.push_back("ROLLBACK TO SAVEPOINT " + quote_identifier(savepoint));
    return t;
  }
  refuse("two-phase commit (PREPARE TRANSACTION) is not supported", loc);
}

Translation Emitter::set_statement(const Object& s) {
  Translation t;
  t.statement_class = StatementClass::session;
  const std::string kind = string_field(s, "kind");
  const std::string name = ascii_lower(string_field(s, "name"));
  const int loc = location_of(s);
  const Array* args = array_field(s, "args");
  std::string value;
  if (kind == "VAR_SET_VALUE" && args) {
    for (std::size_t i = 0; i < args->size(); ++i) value += (i ? ", " : "") + setting_text((*args)[i]);
  }
  const bool reset = kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT";
  if (kind == "VAR_RESET_ALL") {
    t.statements.push_back(dialect() == Dialect::mariadb ? "SET SESSION max_statement_time = 0"
                                                         : "SET SESSION max_execution_time = 0");
    return t;
  }
  if (kind == "VAR_SET_MULTI") {
    std::string level;
    std::string mode;
    for (const auto& a : *args) {
      const Object& d = node_body(a);
      const std::string opt = string_field(d, "defname");
      if (opt == "transaction_isolation")
        level = "ISOLATION LEVEL " + isolation_level(setting_text(*node_field(d, "arg")), loc);
      else if (opt == "transaction_read_only")
        mode = setting_text(*node_field(d, "arg")) == "1" ? "READ ONLY" : "READ WRITE";
      else if (opt != "transaction_deferrable")
        refuse("transaction option " + opt + " is not supported", loc);
    }
    std::string chars = level;
    if (!mode.empty()) chars += (chars.empty() ? "" : ", ") + mode;
    if (chars.empty()) return t;
    if (name == "session characteristics") {
      t.statements.push_back("SET SESSION TRANSACTION " + chars);
    } else {
      t.statements.push_back("SET TRANSACTION " + chars);
      t.emulation = "SET TRANSACTION: MySQL takes it before START TRANSACTION, not inside the transaction";
    }
    return t;
  }
  if (kind == "VAR_SET_CURRENT") refuse("SET ... FROM CURRENT is not supported", loc);
  if (name == "application_name" || name == "extra_float_digits" || name == "idle_in_transaction_session_timeout" ||
      name == "bytea_output" || name == "intervalstyle" || name == "client_min_messages" || name == "row_security") {
    if (name == "bytea_output" && !reset && ascii_lower(value) != "hex")
      refuse("bytea_output other than hex is not supported", loc);
    if (name == "intervalstyle" && !reset && ascii_lower(value) != "postgres")
      refuse("IntervalStyle other than postgres is not supported", loc);
    return t;  // no effect on what MySQL computes
  }
  if (name == "timezone") {
    const std::string v = ascii_lower(value);
    if (reset || v == "utc" || v == "etc/utc" || v == "gmt" || v == "z" || v == "0" || v == "+00" || v == "+00:00" ||
        v == "zulu")
      return t;
    refuse("SET TimeZone = '" + value + "': only UTC is supported (timestamptz values are kept in UTC on MySQL)", loc);
  }
  if (name == "datestyle") {
    const std::string v = ascii_lower(value);
    if (reset || v.starts_with("iso")) return t;
    refuse("SET DateStyle = '" + value + "': only ISO is supported", loc);
  }
  if (name == "client_encoding" || name == "names") {
    const std::string v = ascii_lower(value);
    if (reset || v == "utf8" || v == "utf-8" || v == "unicode") return t;
    refuse("client_encoding " + value + " is not supported: Tandem speaks UTF8", loc);
  }
  if (name == "standard_conforming_strings") {
    if (reset || ascii_lower(value) == "on" || ascii_lower(value) == "true") return t;
    refuse("standard_conforming_strings = off is not supported", loc);
  }
  if (name == "search_path") {
    std::string v = value;
    if (reset || v == "public" || v == "\"$user\", public" || v == "$user, public" || v == "\"$user\",public") return t;
    refuse("search_path = " + value + " is not supported: tables are qualified by schema at translation", loc);
  }
  if (name == "statement_timeout") {
    const long long ms = reset ? 0 : timeout_millis(value, loc);
    if (dialect() == Dialect::mariadb) {
      char seconds[64];
      std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(ms) / 1000.0);
      t.statements.push_back(std::string("SET SESSION max_statement_time = ") + seconds);
    } else {
      t.statements.push_back("SET SESSION max_execution_time = " + std::to_string(ms));
    }
    return t;
  }
  if (name == "lock_timeout") {
    const long long ms = reset ? 0 : timeout_millis(value, loc);
    // 0 means wait forever in PostgreSQL; InnoDB's ceiling is a year and more.
    const long long seconds = ms == 0 ? 1073741824LL : std::max(1LL, (ms + 999) / 1000);
    t.statements.push_back("SET SESSION innodb_lock_wait_timeout = " + std::to_string(seconds));
    return t;
  }
  refuse("SET " + name + " is not supported", loc);
}

Translation Emitter::show_statement(const Object& s) {
  Translation t;
  t.statement_class = StatementClass::session;
  t.emulation = "SHOW " + string_field(s, "name") + ": answered from the session's settings";
  return t;
}

}  // namespace tandem::sql::detail

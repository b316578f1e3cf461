// The translation corpus: every case runs as written on PostgreSQL and translated on MariaDB; the
// results (canonical text), affected-row counts and resulting table contents must agree.
//
// Corpus files live in translation_corpus/: setup.sql (schema and data, run on both sides, the
// MariaDB side through the translator) and one file per category. Comment lines right before a
// statement annotate it:
//   -- refused            the translator must refuse it (and the case passes when it does)
//   -- params: a | b      text values for $1, $2 (NULL for null)
//   -- error              both servers must reject it at run time (e.g. a constraint)
// A category file whose first line is "-- mode: sequential" runs its cases in order without
// rolling back (DDL commits implicitly on MySQL); other cases each run in a transaction that is
// rolled back on both sides.
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <pg_query.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/session_settings.hpp"
#include "protocol/sql/translator.hpp"
#include "protocol/sql/value_conversion.hpp"
#include "support/canonical.hpp"
#include "support/mysql_client.hpp"
#include "support/pg_client.hpp"
#include "support/test_env.hpp"
#include "tests/common/expected_checks.hpp"

namespace {

using tandem::it::canonical;
using tandem::it::MysqlConnection;
using tandem::it::PgConnection;
namespace fs = std::filesystem;

using CanonRow = std::vector<std::string>;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string show_rows(const std::vector<CanonRow>& rows) {
  std::string out;
  std::size_t n = 0;
  for (const auto& r : rows) {
    if (++n > 8) {
      out += "  ... (" + std::to_string(rows.size()) + " rows)\n";
      break;
    }
    out += "  (";
    for (std::size_t i = 0; i < r.size(); ++i) out += (i ? ", " : "") + r[i];
    out += ")\n";
  }
  return out.empty() ? "  (no rows)\n" : out;
}

struct Case {
  std::string text;  // the statement, annotations removed
  bool refused = false;
  bool error = false;
  std::vector<std::optional<std::string>> params;
};

std::vector<Case> load_cases(const std::string& file_text) {
  auto statements = tandem::sql::split_statements(file_text);
  REQUIRE_VALUE(statements, "corpus file does not split: " << tandem::sql::describe(statements.error()));
  std::vector<Case> out;
  for (const auto& s : *statements) {
    Case c;
    std::istringstream lines(s);
    std::string line, body;
    while (std::getline(lines, line)) {
      std::string t = line;
      t.erase(0, t.find_first_not_of(" \t"));
      if (t.starts_with("--")) {
        std::string note = t.substr(2);
        note.erase(0, note.find_first_not_of(' '));
        if (note == "refused")
          c.refused = true;
        else if (note == "error")
          c.error = true;
        else if (note.starts_with("params:")) {
          std::string rest = note.substr(7);
          std::size_t pos = 0;
          while (pos <= rest.size()) {
            auto bar = rest.find('|', pos);
            if (bar == std::string::npos) bar = rest.size();
            std::string v = rest.substr(pos, bar - pos);
            v.erase(0, v.find_first_not_of(' '));
            while (!v.empty() && v.back() == ' ') v.pop_back();
            if (v == "NULL")
              c.params.emplace_back(std::nullopt);
            else
              c.params.emplace_back(v);
            pos = bar + 1;
          }
        }
        continue;
      }
      body += line + "\n";
    }
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
    if (body.empty()) continue;
    c.text = body;
    out.push_back(std::move(c));
  }
  return out;
}

bool is_ordered_select(const std::string& sql) {
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  bool ordered = false;
  if (!r.error) {
    auto tree = boost::json::parse(r.parse_tree);
    const auto& stmt = tree.at("stmts").at(0).at("stmt").as_object();
    if (auto* sel = stmt.if_contains("SelectStmt")) ordered = sel->as_object().contains("sortClause");
  }
  pg_query_free_parse_result(r);
  return ordered;
}

struct Side {
  bool ok = false;
  std::string error;
  bool has_rows = false;
  std::vector<CanonRow> rows;
  std::uint64_t affected = 0;
  std::vector<Oid> types;
};

class Corpus {
 public:
  Corpus(PgConnection& pg, MysqlConnection& my, tandem::sql::Translator& translator)
      : pg_(pg), my_(my), translator_(translator) {}

  Side run_pg(const Case& c) {
    Side s;
    std::vector<const char*> values;
    for (const auto& p : c.params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* raw = c.params.empty() ? PQexec(pg_.raw(), c.text.c_str())
                                     : PQexecParams(pg_.raw(), c.text.c_str(), static_cast<int>(values.size()), nullptr,
                                                    values.data(), nullptr, nullptr, 0);
    tandem::it::PgResult r(raw);
    s.ok = r.ok();
    if (!s.ok) {
      s.error = r.error_message();
      return s;
    }
    if (r.status() == PGRES_TUPLES_OK) {
      s.has_rows = true;
      for (int i = 0; i < r.column_count(); ++i) s.types.push_back(PQftype(r.raw(), i));
      for (const auto& row : r.rows()) {
        CanonRow cr;
        for (std::size_t i = 0; i < row.size(); ++i) cr.push_back(canonical(row[i], s.types[i], true));
        s.rows.push_back(std::move(cr));
      }
    } else {
      const char* n = PQcmdTuples(r.raw());
      s.affected = n && *n ? std::stoull(n) : 0;
    }
    return s;
  }

  Side run_mysql(const tandem::sql::Translation& t, const Case& c, const std::vector<Oid>& types) {
    Side s;
    std::size_t next_param = 0;
    for (const auto& statement : t.statements) {
      // Parameters are bound as quoted text, the way a text-protocol client would send them.
      std::string sql;
      for (char ch : statement) {
        if (ch == '?' && next_param < t.parameters.size()) {
          const std::size_t index = static_cast<std::size_t>(t.parameters[next_param++] - 1);
          const bool limit = sql.ends_with("LIMIT ") || sql.ends_with("OFFSET ");
          if (index >= c.params.size() || !c.params[index]) {
            sql += "NULL";
          } else if (limit) {
            sql += std::to_string(std::stoll(*c.params[index]));  // bound as an integer, as a driver would
          } else {
            const std::string type = index < t.parameter_types.size() ? t.parameter_types[index] : std::string();
            auto value = tandem::sql::to_mysql_value(type, *c.params[index]);
            if (!value) {
              s.error = "parameter $" + std::to_string(index + 1) + ": " + value.error();
              return s;
            }
            sql += tandem::sql::quote_string(*value);
          }
        } else {
          sql += ch;
        }
      }
      auto r = my_.query(sql);
      if (!r) {
        s.error = r.error() + "\n    in: " + sql;
        return s;
      }
      if (r->has_rows) {
        s.has_rows = true;
        s.rows.clear();
        for (const auto& row : r->rows) {
          CanonRow cr;
          for (std::size_t i = 0; i < row.size(); ++i)
            cr.push_back(canonical(row[i], i < types.size() ? types[i] : 25, false));
          s.rows.push_back(std::move(cr));
        }
      } else {
        s.affected = r->affected_rows;
      }
    }
    s.ok = true;
    return s;
  }

  // The full contents of a table on both sides, for write cases.
  std::optional<std::string> compare_table(const tandem::sql::TableRef& table) {
    const std::string pg_name = "\"" + table.schema + "\".\"" + table.name + "\"";
    Case pg_case{"SELECT * FROM " + pg_name};
    Side p = run_pg(pg_case);
    if (!p.ok) return "reading " + pg_name + " on PostgreSQL failed: " + p.error;
    tandem::sql::Translation select;
    select.statements.push_back(
        "SELECT * FROM " +
        (table.schema == "public" ? std::string() : tandem::sql::quote_identifier(table.schema) + ".") +
        tandem::sql::quote_identifier(table.name));
    Side m = run_mysql(select, pg_case, p.types);
    if (!m.ok) return "reading " + table.name + " on MariaDB failed: " + m.error;
    std::sort(p.rows.begin(), p.rows.end());
    std::sort(m.rows.begin(), m.rows.end());
    if (p.rows != m.rows)
      return "table " + table.name + " differs after the statement\n  PostgreSQL:\n" + show_rows(p.rows) +
             "  MariaDB:\n" + show_rows(m.rows);
    return std::nullopt;
  }

  // Returns an empty string when the case passes, else why it failed.
  std::string run_case(const Case& c, bool sequential) {
    auto translated = translator_.translate(c.text);
    if (!translated) {
      if (c.refused) return "";
      return "refused: " + tandem::sql::describe(translated.error());
    }
    if (c.refused) return "expected a refusal, got: " + join((*translated)->statements);
    const tandem::sql::Translation& t = **translated;
    const bool isolated = !sequential && (t.statement_class == tandem::sql::StatementClass::read ||
                                          t.statement_class == tandem::sql::StatementClass::write);
    if (isolated) {
      PQclear(PQexec(pg_.raw(), "BEGIN"));
      (void)my_.query("START TRANSACTION");
    }
    std::string failure = compare(c, t);
    if (isolated) {
      PQclear(PQexec(pg_.raw(), "ROLLBACK"));
      (void)my_.query("ROLLBACK");
    }
    return failure;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
    return out;
  }

  std::string compare(const Case& c, const tandem::sql::Translation& t) {
    Side p = run_pg(c);
    Side m = run_mysql(t, c, p.types);
    const std::string mysql_text = "\n  MySQL: " + join(t.statements);
    if (c.error) {
      if (p.ok || m.ok)
        return std::string("expected both servers to reject it; PostgreSQL ") + (p.ok ? "accepted" : "rejected") +
               ", MariaDB " + (m.ok ? "accepted" : "rejected") + mysql_text;
      return "";
    }
    if (!p.ok) return "PostgreSQL rejected the case itself: " + p.error;
    if (!m.ok) return "MariaDB rejected the translation: " + m.error;
    if (p.has_rows && !m.has_rows && t.emulation.starts_with("RETURNING")) {
      // MySQL has no RETURNING: the statement's effect is compared, the caller reads rows back.
      if (p.rows.size() != m.affected)
        return "RETURNING gave " + std::to_string(p.rows.size()) + " rows, MariaDB affected " +
               std::to_string(m.affected) + mysql_text;
      p.has_rows = false;
      p.affected = m.affected;
    } else if (t.statements.empty()) {
      // Nothing to run on MySQL (SHOW, DISCARD, harmless SET): PostgreSQL accepting it is the check.
      return "";
    } else if (p.has_rows != m.has_rows) {
      return "one side returned rows, the other did not" + mysql_text;
    }
    if (p.has_rows) {
      if (!is_ordered_select(c.text)) {
        std::sort(p.rows.begin(), p.rows.end());
        std::sort(m.rows.begin(), m.rows.end());
      }
      if (p.rows != m.rows)
        return "results differ\n  PostgreSQL:\n" + show_rows(p.rows) + "  MariaDB:\n" + show_rows(m.rows) + mysql_text;
    } else if (t.statement_class == tandem::sql::StatementClass::write && t.exact_row_count &&
               p.affected != m.affected) {
      return "affected rows: PostgreSQL " + std::to_string(p.affected) + ", MariaDB " + std::to_string(m.affected) +
             mysql_text;
    }
    if (t.statement_class == tandem::sql::StatementClass::write) {
      for (const auto& table : t.tables)
        if (auto diff = compare_table(table)) return *diff + mysql_text;
    }
    return "";
  }

  PgConnection& pg_;
  MysqlConnection& my_;
  tandem::sql::Translator& translator_;
};

}  // namespace

TEST_CASE("every corpus statement gives the same result on PostgreSQL and, translated, on MariaDB") {
  const auto& env = tandem::it::servers();
  REQUIRE_MESSAGE(!env.mysql_url.empty(), "TANDEM_TEST_MYSQL is not set: run under tests/env/with-servers.sh");
  const std::string db = "corpus_" + std::to_string(::getpid());

  auto admin_pg = PgConnection::connect_or_throw(tandem::it::direct_conninfo());
  PQclear(PQexec(admin_pg.raw(), ("DROP DATABASE IF EXISTS " + db).c_str()));
  REQUIRE(tandem::it::PgResult(PQexec(admin_pg.raw(), ("CREATE DATABASE " + db).c_str())).ok());
  auto admin_my = MysqlConnection::connect(env.mysql_url);
  REQUIRE_VALUE(admin_my, admin_my.error());
  REQUIRE(admin_my->query("DROP DATABASE IF EXISTS " + db).has_value());
  REQUIRE(admin_my->query("CREATE DATABASE " + db + " CHARACTER SET utf8mb4").has_value());

  {
    auto pg = PgConnection::connect_or_throw(tandem::it::direct_conninfo("postgres", db));
    PQclear(PQexec(pg.raw(), "SET TimeZone = 'UTC'"));
    auto my = MysqlConnection::connect(env.mysql_url, db);
    REQUIRE_VALUE(my, my.error());
    for (const auto& s : tandem::sql::session_settings(tandem::sql::Dialect::mariadb)) {
      auto r = my->query(s);
      REQUIRE_VALUE(r, "session setting failed: " << s << ": " << r.error());
    }
    tandem::sql::Translator translator;
    Corpus corpus(pg, *my, translator);

    const fs::path dir = fs::path(TANDEM_TEST_DATA_DIR) / "translation_corpus";
    // Setup: schema and data, every statement must translate and run.
    for (const auto& c : load_cases(read_file(dir / "setup.sql"))) {
      std::string failure = corpus.run_case(c, true);
      REQUIRE_MESSAGE(failure.empty(), "setup statement failed:\n  " << c.text << "\n  " << failure);
    }

    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".sql" && e.path().filename() != "setup.sql") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    int total_passed = 0, total_failed = 0;
    std::string summary;
    for (const auto& file : files) {
      const std::string text = read_file(file);
      const bool sequential = text.starts_with("-- mode: sequential");
      int passed = 0, failed = 0;
      for (const auto& c : load_cases(text)) {
        std::string failure = corpus.run_case(c, sequential);
        if (failure.empty()) {
          ++passed;
        } else {
          ++failed;
          FAIL_CHECK(file.stem().string() << ": " << c.text << "\n  " << failure);
        }
      }
      total_passed += passed;
      total_failed += failed;
      char line[200];
      std::snprintf(line, sizeof line, "%-16s %4d passed, %3d failed\n", file.stem().string().c_str(), passed, failed);
      summary += line;
    }
    std::printf("translation corpus by category:\n%s%-16s %4d passed, %3d failed\n", summary.c_str(), "total",
                total_passed, total_failed);
    CHECK(total_passed + total_failed >= 400);
  }
  PQclear(PQexec(admin_pg.raw(), ("DROP DATABASE IF EXISTS " + db).c_str()));
  (void)admin_my->query("DROP DATABASE IF EXISTS " + db);
}

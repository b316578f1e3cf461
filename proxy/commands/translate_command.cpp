// `tandem translate`: reads PostgreSQL SQL, splits it with the real scanner, translates each
// statement (DDL feeds the catalog later statements are typed with) and prints JSON lines.
#include "proxy/commands/translate_command.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/schema/schema_reader.hpp"
#include "protocol/sql/session_settings.hpp"
#include "protocol/sql/translator.hpp"

namespace tandem::proxy {
namespace {

constexpr const char* kTranslateUsage =
    "usage: tandem translate [--dialect mariadb|mysql] [--config FILE] [--print-session] < statements.sql\n"
    "  Prints one JSON object per statement: {\"input\", \"mysql\", \"error\", \"class\", \"parameters\",\n"
    "  \"tables\", \"emulation\"}. Exit 0 even when some statements are refused.\n"
    "  --print-session prints the MySQL session settings the translation relies on, one a line.\n"
    "  --config FILE   first reads the tables of migration.tables from source.url, so that\n"
    "                  expressions over them are typed (integer division, NULL ordering, literals).\n";

void print_line(const boost::json::object& o) {
  std::string line = boost::json::serialize(o);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

}  // namespace

int run_translate_command(const std::vector<std::string_view>& args) {
  sql::Dialect dialect = sql::Dialect::mariadb;
  bool print_session = false;
  std::optional<std::string> config_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--print-session") {
      print_session = true;
    } else if (args[i] == "--dialect" && i + 1 < args.size()) {
      const std::string_view d = args[++i];
      if (d == "mariadb")
        dialect = sql::Dialect::mariadb;
      else if (d == "mysql")
        dialect = sql::Dialect::mysql;
      else {
        std::fprintf(stderr, "tandem translate: unknown dialect '%.*s' (mariadb or mysql)\n",
                     static_cast<int>(d.size()), d.data());
        return 2;
      }
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = std::string(args[++i]);
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kTranslateUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tandem translate: unexpected argument '%.*s'\n%s", static_cast<int>(args[i].size()),
                   args[i].data(), kTranslateUsage);
      return 2;
    }
  }
  if (print_session) {
    for (const auto& s : sql::session_settings(dialect)) std::printf("%s;\n", s.c_str());
    return 0;
  }
  const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto statements = sql::split_statements(input);
  if (!statements) {
    boost::json::object o;
    o["input"] = input;
    o["mysql"] = nullptr;
    o["error"] = sql::describe(statements.error());
    print_line(o);
    return 0;
  }
  sql::Translator translator({.dialect = dialect, .cache_entries = 0});
  if (config_path) {
    config::Config cfg;
    try {
      cfg = config::load_config(*config_path, config::environment_from_process());
    } catch (const config::ConfigError& e) {
      std::fprintf(stderr, "tandem: configuration error: %s\n", e.what());
      return 2;
    }
    auto pg = migrator::PgConnection::connect(cfg.source.url.to_libpq_conninfo());
    if (!pg) {
      std::fprintf(stderr, "tandem translate: %s\n", pg.error().message.c_str());
      return 2;
    }
    auto schema = migrator::read_source_schema(*pg, cfg.migration.tables);
    if (!schema) {
      std::fprintf(stderr, "tandem translate: %s\n", schema.error().c_str());
      return 2;
    }
    for (const auto& ddl : schema->enum_ddl) (void)translator.translate(ddl);
    for (const auto& t : schema->tables)
      if (auto r = translator.translate(t.create_sql); !r)
        std::fprintf(stderr, "tandem translate: table %s is not typed: %s\n", t.qualified().c_str(),
                     sql::describe(r.error()).c_str());
  }
  for (const auto& statement : *statements) {
    boost::json::object o;
    o["input"] = statement;
    auto result = translator.translate(statement);
    if (!result) {
      o["mysql"] = nullptr;
      o["error"] = sql::describe(result.error());
    } else {
      const sql::Translation& t = **result;
      std::string joined;
      for (const auto& s : t.statements) joined += (joined.empty() ? "" : ";\n") + s;
      if (t.statements.empty())
        o["mysql"] = "";
      else
        o["mysql"] = joined;
      o["error"] = nullptr;
      o["class"] = std::string(sql::to_string(t.statement_class));
      boost::json::array params;
      for (int p : t.parameters) params.emplace_back(p);
      o["parameters"] = std::move(params);
      boost::json::array tables;
      for (const auto& table : t.tables) tables.emplace_back(table.schema + "." + table.name);
      o["tables"] = std::move(tables);
      if (!t.emulation.empty()) o["emulation"] = t.emulation;
    }
    print_line(o);
  }
  return 0;
}

}  // namespace tandem::proxy

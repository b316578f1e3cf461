// `tandem validate --config F [--tables ...] [--sample PCT | --full] [--seed N] [--repair]
// [--report out.json]`: runs the validator with a progress display, prints a summary, writes the
// JSON report, and exits 0 when equal, 1 when differences remain, 2 on error.
#include "proxy/commands/validate_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/log.hpp"
#include "migrator/validate/validator.hpp"
#include "proxy/commands/admin_host.hpp"
#include "proxy/commands/migration_config.hpp"

namespace tandem::proxy {
namespace {

constexpr const char* kValidateUsage =
    "usage: tandem validate --config FILE [--tables PATTERNS] [--sample PCT | --full] [--seed N] [--repair]\n"
    "                       [--report FILE] [--workers N] [--keys N]\n"
    "  Compares every row of the migrated tables on PostgreSQL and MySQL, chunk by chunk, in the databases.\n"
    "  --sample PCT  check a reproducible random PCT percent of each table's chunks (default 1)\n"
    "  --full        check every chunk\n"
    "  --seed N      the sample's seed (printed by every run), to check the same chunks again\n"
    "  --repair      copy the differing rows again from PostgreSQL, then check them again\n"
    "  --report FILE write the result as JSON\n"
    "  --keys N      keys listed per table and class (default 100)\n"
    "  Exit 0 when both sides are equal, 1 when differences remain, 2 on error.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "tandem validate: %s\n%s", message.c_str(), kValidateUsage);
  return 2;
}

void publish(MigrationStatus& status, const migrator::ValidationReport& report) {
  for (const auto& t : report.tables) {
    std::map<std::string, std::uint64_t> m;
    for (int c = 0; c < 3; ++c) m[migrator::to_string(static_cast<migrator::MismatchClass>(c))] = t->mismatches[c];
    status.set_validation_table(t->table, t->rows_checked.load(), t->chunks_checked.load(), t->chunks_total, m);
  }
}

std::string key_text(const migrator::Mismatch& m) {
  std::string out;
  for (const auto& [col, v] : m.key) out += (out.empty() ? "" : ", ") + col + "=" + v;
  return out;
}

}  // namespace

int run_validate_command(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path, tables, report_path;
  std::optional<unsigned> workers;
  migrator::ValidateOptions options;
  bool sample_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--config" && has_value) {
      config_path = std::string(args[++i]);
    } else if (args[i] == "--tables" && has_value) {
      tables = std::string(args[++i]);
    } else if (args[i] == "--report" && has_value) {
      report_path = std::string(args[++i]);
    } else if (args[i] == "--sample" && has_value) {
      const std::string v(args[++i]);
      char* end = nullptr;
      options.sample_percent = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(options.sample_percent > 0) || options.sample_percent > 100)
        return usage_error("--sample must be a percentage above 0 and at most 100, not '" + v + "'");
      sample_given = true;
    } else if (args[i] == "--full") {
      options.full = true;
    } else if (args[i] == "--seed" && has_value) {
      const std::string v(args[++i]);
      char* end = nullptr;
      options.seed = std::strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') return usage_error("--seed must be a number, not '" + v + "'");
    } else if (args[i] == "--repair") {
      options.repair = true;
    } else if (args[i] == "--workers" && has_value) {
      const int n = std::atoi(std::string(args[++i]).c_str());
      if (n < 1 || n > 64) return usage_error("--workers must be between 1 and 64");
      workers = static_cast<unsigned>(n);
    } else if (args[i] == "--keys" && has_value) {
      const int n = std::atoi(std::string(args[++i]).c_str());
      if (n < 1) return usage_error("--keys must be at least 1");
      options.keys_reported = static_cast<std::size_t>(n);
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kValidateUsage, stdout);
      return 0;
    } else {
      return usage_error("unexpected argument '" + std::string(args[i]) + "'");
    }
  }
  if (!config_path) return usage_error("--config FILE is required");
  if (options.full && sample_given) return usage_error("--sample and --full exclude each other");
  auto loaded = load_migration_config(*config_path, "validate");
  if (!loaded) return 2;
  const config::Config& cfg = *loaded;
  options.source = cfg.source.url;
  options.target = *cfg.target;
  options.tables = tables.value_or(cfg.migration.tables);
  options.workers = workers.value_or(cfg.migration.workers);
  options.chunk_rows = cfg.migration.chunk_rows;
  options.slot = cfg.migration.slot;

  AdminHost admin(cfg);
  admin.status().set_phase("validate");
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  std::size_t lines_drawn = 0;
  auto progress = [&](const migrator::ValidationReport& r, double elapsed) {
    publish(admin.status(), r);
    if (terminal) {
      if (lines_drawn) std::printf("\x1b[%zuA", lines_drawn);
      lines_drawn = 0;
      for (const auto& t : r.tables) {
        std::printf("\x1b[2K%-40s %12llu rows %6llu/%-6llu chunks %4llu differing\n", t->table.c_str(),
                    static_cast<unsigned long long>(t->rows_checked.load()),
                    static_cast<unsigned long long>(t->chunks_checked.load()),
                    static_cast<unsigned long long>(t->chunks_total),
                    static_cast<unsigned long long>(t->chunks_mismatched.load()));
        ++lines_drawn;
      }
      std::printf("\x1b[2K%.0f s\n", elapsed);
      ++lines_drawn;
      std::fflush(stdout);
    } else {
      for (const auto& t : r.tables)
        log::info("validate.progress")
            .kv("table", t->table)
            .kv("rows_checked", static_cast<std::int64_t>(t->rows_checked.load()))
            .kv("chunks_checked", static_cast<std::int64_t>(t->chunks_checked.load()))
            .kv("chunks_total", static_cast<std::int64_t>(t->chunks_total))
            .kv("chunks_differing", static_cast<std::int64_t>(t->chunks_mismatched.load()));
    }
  };
  auto result = migrator::run_validation(options, progress, terminal ? 0.5 : 5.0);
  if (!result) {
    admin.status().set_error(result.error());
    admin.status().set_validation_result("error", static_cast<double>(std::time(nullptr)));
    log::error("validate.failed").kv("error", result.error());
    std::fprintf(stderr, "tandem validate: %s\n", result.error().c_str());
    return 2;
  }
  const auto& report = **result;
  publish(admin.status(), report);
  admin.status().set_validation_result(report.equal ? "equal" : "different", static_cast<double>(std::time(nullptr)));
  admin.status().set_phase("done");
  if (report_path) {
    std::ofstream out(*report_path);
    out << migrator::report_json(report) << "\n";
    if (!out) {
      std::fprintf(stderr, "tandem validate: cannot write the report to %s\n", report_path->c_str());
      return 2;
    }
  }

  // The summary.
  std::printf("validation (%s%s, seed %llu%s): %s in %.1f s\n", report.mode.c_str(),
              report.mode == "sample" ? (" " + std::to_string(report.sample_percent) + "%").c_str() : "",
              static_cast<unsigned long long>(report.seed), report.live ? ", live" : "",
              report.equal ? "EQUAL" : "DIFFERENT", report.seconds);
  for (const auto& t : report.tables) {
    std::printf(
        "  %-40s %llu rows, %llu/%llu chunks, %.1f s: missing on target %llu, extra on target %llu, "
        "different %llu%s\n",
        t->table.c_str(), static_cast<unsigned long long>(t->rows_checked.load()),
        static_cast<unsigned long long>(t->chunks_checked.load()), static_cast<unsigned long long>(t->chunks_total),
        t->seconds.load(), static_cast<unsigned long long>(t->mismatches[0]),
        static_cast<unsigned long long>(t->mismatches[1]), static_cast<unsigned long long>(t->mismatches[2]),
        t->repaired ? (", repaired " + std::to_string(t->repaired)).c_str() : "");
    std::size_t shown = 0;
    for (const auto& m : t->examples) {
      if (++shown > 10) {
        std::printf("    ... (%zu listed in the report)\n", t->examples.size());
        break;
      }
      std::string cols;
      for (const auto& c : m.columns) cols += (cols.empty() ? " columns " : ", ") + c;
      std::printf("    %s %s%s\n", migrator::to_string(m.cls), key_text(m).c_str(), cols.c_str());
    }
  }
  log::info("validate.done")
      .kv("result", report.equal ? "equal" : "different")
      .kv("mismatches", static_cast<std::int64_t>(report.mismatches()))
      .kv("seconds", report.seconds);
  return report.equal ? 0 : 1;
}

}  // namespace tandem::proxy

// `tandem snapshot --config F [--tables a,b] [--workers N] [--resume | --recreate]`: runs the
// snapshot copier with a progress display on a terminal and log lines otherwise.
#include "proxy/commands/snapshot_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/log.hpp"
#include "migrator/snapshot/snapshot_copier.hpp"
#include "proxy/commands/admin_host.hpp"
#include "proxy/commands/migration_config.hpp"

namespace tandem::proxy {
namespace {

constexpr const char* kSnapshotUsage =
    "usage: tandem snapshot --config FILE [--tables PATTERNS] [--workers N] [--resume | --recreate | --join]\n"
    "  Creates the schema on MySQL and copies the tables from one consistent PostgreSQL snapshot.\n"
    "  --tables    comma-separated names or patterns (public.*), overriding migration.tables\n"
    "  --resume    continue a copy whose chunk plan is in tandem_meta; --recreate drops target tables first\n"
    "  --join      add this process's workers to a snapshot another tandem process is running\n"
    "  Exit 0 only when every chunk is committed.\n";

std::string human_rate(double rows_per_second) {
  char buf[32];
  if (rows_per_second >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1fM", rows_per_second / 1e6);
  else if (rows_per_second >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", rows_per_second / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", rows_per_second);
  return buf;
}

}  // namespace

int run_snapshot_command(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path, tables;
  std::optional<unsigned> workers;
  bool resume = false, recreate = false, join = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size())
      config_path = std::string(args[++i]);
    else if (args[i] == "--tables" && i + 1 < args.size())
      tables = std::string(args[++i]);
    else if (args[i] == "--workers" && i + 1 < args.size()) {
      const int n = std::atoi(std::string(args[++i]).c_str());
      if (n < 1 || n > 64) {
        std::fprintf(stderr, "tandem snapshot: --workers must be between 1 and 64\n");
        return 2;
      }
      workers = static_cast<unsigned>(n);
    } else if (args[i] == "--resume")
      resume = true;
    else if (args[i] == "--recreate")
      recreate = true;
    else if (args[i] == "--join")
      join = true;
    else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kSnapshotUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tandem snapshot: unexpected argument '%.*s'\n%s", static_cast<int>(args[i].size()),
                   args[i].data(), kSnapshotUsage);
      return 2;
    }
  }
  if (!config_path) {
    std::fprintf(stderr, "tandem snapshot: --config FILE is required\n%s", kSnapshotUsage);
    return 2;
  }
  if (resume && recreate) {
    std::fprintf(stderr, "tandem snapshot: --resume and --recreate exclude each other\n");
    return 2;
  }
  auto loaded = load_migration_config(*config_path, "snapshot");
  if (!loaded) return 2;
  const config::Config& cfg = *loaded;
  migrator::SnapshotOptions options;
  options.source = cfg.source.url;
  options.target = *cfg.target;
  options.tables = tables.value_or(cfg.migration.tables);
  options.workers = workers.value_or(cfg.migration.workers);
  options.chunk_rows = cfg.migration.chunk_rows;
  options.chunk_seconds = cfg.migration.chunk_seconds;
  options.slot = cfg.migration.slot;
  options.publication = cfg.migration.publication;
  options.max_rows_per_second = cfg.migration.max_rows_per_second;
  options.auto_throttle = cfg.migration.auto_throttle;
  options.resume = resume;
  options.recreate = recreate;
  options.join = join;

  AdminHost admin(cfg);
  admin.status().set_phase("snapshot");
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  std::size_t lines_drawn = 0;
  auto progress = [&](const std::vector<migrator::TableProgress*>& tables_progress, double elapsed,
                      const migrator::ThrottleState& throttle) {
    for (const auto* p : tables_progress)
      admin.status().set_table(p->table,
                               {p->rows_copied.load(), p->bytes_copied.load(), p->chunks_done.load(), p->chunks_total});
    admin.status().set_throttle(throttle.limit_rows_per_second, throttle.probe_ms, throttle.baseline_ms);
    std::uint64_t bytes = 0;
    for (const auto* p : tables_progress) bytes += p->bytes_copied;
    const double mbps = elapsed > 0 ? static_cast<double>(bytes) / 1e6 / elapsed : 0;
    if (terminal) {
      if (lines_drawn) std::printf("\x1b[%zuA", lines_drawn);
      lines_drawn = 0;
      for (const auto* p : tables_progress) {
        const double rows = static_cast<double>(p->rows_copied.load());
        const double done =
            p->chunks_total ? static_cast<double>(p->chunks_done) / static_cast<double>(p->chunks_total) : 0;
        const double rate = elapsed > 0 ? rows / elapsed : 0;
        const double eta = done > 0 && done < 1 ? elapsed * (1 - done) / done : 0;
        std::printf("\x1b[2K%-40s %12.0f rows %5.1f%% %8s rows/s  ETA %5.0fs\n", p->table.c_str(), rows, done * 100,
                    human_rate(rate).c_str(), eta);
        ++lines_drawn;
      }
      std::printf("\x1b[2Ktotal %.1f MB/s, %.0f s, throttle %s\n", mbps, elapsed,
                  throttle.limit_rows_per_second > 0 ? (human_rate(throttle.limit_rows_per_second) + " rows/s").c_str()
                                                     : "off");
      ++lines_drawn;
      std::fflush(stdout);
    } else {
      for (const auto* p : tables_progress)
        log::info("snapshot.progress")
            .kv("table", p->table)
            .kv("rows", static_cast<std::int64_t>(p->rows_copied.load()))
            .kv("chunks_done", static_cast<std::int64_t>(p->chunks_done.load()))
            .kv("chunks_total", static_cast<std::int64_t>(p->chunks_total));
      log::info("snapshot.throughput")
          .kv("mb_per_s", mbps)
          .kv("elapsed_s", elapsed)
          .kv("throttle_rows_per_s", throttle.limit_rows_per_second)
          .kv("probe_ms", throttle.probe_ms)
          .kv("baseline_ms", throttle.baseline_ms);
    }
  };
  auto result = migrator::run_snapshot(options, progress, terminal ? 0.5 : 5.0);
  if (!result) {
    admin.status().set_error(result.error());
    log::error("snapshot.failed").kv("error", result.error());
    std::fprintf(stderr, "tandem snapshot: %s\n", result.error().c_str());
    return 1;
  }
  admin.status().set_phase("done");
  log::info("snapshot.done")
      .kv("rows", static_cast<std::int64_t>(result->rows))
      .kv("chunks", static_cast<std::int64_t>(result->chunks))
      .kv("seconds", result->seconds)
      .kv("consistent_lsn", result->consistent_lsn);
  std::printf("snapshot done: %llu rows in %llu chunks, %.1f s%s%s\n", static_cast<unsigned long long>(result->rows),
              static_cast<unsigned long long>(result->chunks), result->seconds,
              result->consistent_lsn.empty() ? "" : ", WAL backfill starts at ", result->consistent_lsn.c_str());
  return 0;
}

}  // namespace tandem::proxy

// `tandem backfill --config F [--until-caught-up]`: follows the replication slot and applies
// changes to MySQL; with the flag it exits 0 once the source's position at start is applied,
// otherwise it follows until SIGTERM/SIGINT.
#include "proxy/commands/backfill_command.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/log.hpp"
#include "migrator/wal/backfill.hpp"
#include "proxy/commands/admin_host.hpp"
#include "proxy/commands/migration_config.hpp"

namespace tandem::proxy {
namespace {

std::atomic<bool> g_stop{false};
void request_stop(int) { g_stop = true; }

constexpr const char* kBackfillUsage =
    "usage: tandem backfill --config FILE [--until-caught-up]\n"
    "  Applies the changes recorded in the replication slot since the snapshot to MySQL.\n"
    "  --until-caught-up  exit 0 once the source's WAL position at start is applied; otherwise\n"
    "                     follow until SIGTERM or SIGINT.\n";

}  // namespace

int run_backfill_command(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path;
  bool until = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size())
      config_path = std::string(args[++i]);
    else if (args[i] == "--until-caught-up")
      until = true;
    else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kBackfillUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tandem backfill: unexpected argument '%.*s'\n%s", static_cast<int>(args[i].size()),
                   args[i].data(), kBackfillUsage);
      return 2;
    }
  }
  if (!config_path) {
    std::fprintf(stderr, "tandem backfill: --config FILE is required\n%s", kBackfillUsage);
    return 2;
  }
  auto loaded = load_migration_config(*config_path, "backfill");
  if (!loaded) return 2;
  const config::Config& cfg = *loaded;
  std::signal(SIGTERM, request_stop);
  std::signal(SIGINT, request_stop);
  AdminHost admin(cfg);
  admin.status().set_phase("backfill");
  auto options = migrator::backfill_options(cfg);
  options.until_caught_up = until;
  options.stop = &g_stop;
  auto result = migrator::run_backfill(options, [&](const migrator::BackfillProgress& p) {
    admin.status().set_apply(p.applied_lsn, p.lag_bytes, p.lag_seconds, p.transactions, p.rows);
    log::info("backfill.progress")
        .kv("applied_lsn", p.applied_lsn)
        .kv("transactions", static_cast<std::int64_t>(p.transactions))
        .kv("rows", static_cast<std::int64_t>(p.rows))
        .kv("lag_bytes", static_cast<std::int64_t>(p.lag_bytes))
        .kv("lag_seconds", p.lag_seconds)
        .kv("seconds", p.seconds);
  });
  if (!result) {
    admin.status().set_error(result.error());
    log::error("backfill.failed").kv("error", result.error());
    std::fprintf(stderr, "tandem backfill: %s\n", result.error().c_str());
    return 1;
  }
  std::printf("backfill %s: %llu transactions, %llu row changes applied, position %s\n",
              until ? "caught up" : "stopped", static_cast<unsigned long long>(result->transactions),
              static_cast<unsigned long long>(result->rows), result->applied_lsn.c_str());
  return 0;
}

}  // namespace tandem::proxy

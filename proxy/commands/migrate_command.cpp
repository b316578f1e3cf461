// `tandem migrate --config F [snapshot options] [--until-caught-up]`: the snapshot (skipped when
// its plan is complete and --resume is given), then backfill following the slot.
#include "proxy/commands/migrate_command.hpp"

#include <cstdio>
#include <string>

#include "proxy/commands/backfill_command.hpp"
#include "proxy/commands/snapshot_command.hpp"

namespace tandem::proxy {

int run_migrate_command(const std::vector<std::string_view>& args) {
  std::vector<std::string_view> snapshot_args, backfill_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--until-caught-up") {
      backfill_args.push_back(args[i]);
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      for (auto* list : {&snapshot_args, &backfill_args}) {
        list->push_back(args[i]);
        list->push_back(args[i + 1]);
      }
      ++i;
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(
          "usage: tandem migrate --config FILE [--tables PATTERNS] [--workers N] [--resume | --recreate] "
          "[--until-caught-up]\n"
          "  tandem snapshot, then tandem backfill, in one process.\n",
          stdout);
      return 0;
    } else {
      snapshot_args.push_back(args[i]);
    }
  }
  const int snapshot = run_snapshot_command(snapshot_args);
  if (snapshot != 0) return snapshot;
  return run_backfill_command(backfill_args);
}

}  // namespace tandem::proxy

// `tandem migrate`: snapshot, then WAL backfill, in one process.
#pragma once

#include <string_view>
#include <vector>

namespace tandem::proxy {

int run_migrate_command(const std::vector<std::string_view>& args);

}  // namespace tandem::proxy

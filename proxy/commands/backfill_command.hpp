// `tandem backfill`: WAL changes since the snapshot applied to MySQL.
#pragma once

#include <string_view>
#include <vector>

namespace tandem::proxy {

int run_backfill_command(const std::vector<std::string_view>& args);

}  // namespace tandem::proxy

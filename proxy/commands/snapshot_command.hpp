// `tandem snapshot`: the schema on MySQL and a consistent copy of the chosen tables.
#pragma once

#include <string_view>
#include <vector>

namespace tandem::proxy {

int run_snapshot_command(const std::vector<std::string_view>& args);

}  // namespace tandem::proxy

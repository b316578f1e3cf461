// `tandem validate`: proves both sides hold the same rows (exit 0), or lists what differs (exit 1).
#pragma once

#include <string_view>
#include <vector>

namespace tandem::proxy {

int run_validate_command(const std::vector<std::string_view>& args);

}  // namespace tandem::proxy

// `tandem translate`: PostgreSQL SQL on stdin, one JSON object per statement on stdout.
#pragma once

#include <string_view>
#include <vector>

namespace tandem::proxy {

int run_translate_command(const std::vector<std::string_view>& args);

}  // namespace tandem::proxy

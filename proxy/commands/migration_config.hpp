// Configuration loading shared by the migration commands (snapshot, backfill).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace tandem::proxy {

// Loads the file with TANDEM_* overrides, applies the log settings and requires target.url;
// on failure prints why (naming `command`) and returns nullopt (exit status 2).
std::optional<config::Config> load_migration_config(const std::string& path, const char* command);

}  // namespace tandem::proxy

// Configuration loading shared by the migration commands.
#include "proxy/commands/migration_config.hpp"

#include <cstdio>

#include "config/log.hpp"

namespace tandem::proxy {

std::optional<config::Config> load_migration_config(const std::string& path, const char* command) {
  config::Config cfg;
  try {
    cfg = config::load_config(path, config::environment_from_process());
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tandem: configuration error: %s\n", e.what());
    return std::nullopt;
  }
  log::set_level(cfg.log.level);
  log::set_format_json(cfg.log.format == "json");
  if (!cfg.target) {
    std::fprintf(stderr, "tandem %s: target.url is required\n", command);
    return std::nullopt;
  }
  return cfg;
}

}  // namespace tandem::proxy

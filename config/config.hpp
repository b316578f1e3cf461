// Tandem's typed configuration: a TOML file plus TANDEM_* environment overrides, validated at
// start-up with errors that name the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/database_url.hpp"
#include "config/endpoint.hpp"
#include "config/log.hpp"

namespace tandem::config {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Config {
  struct Source {
    PostgresUrl url;
  } source;
  std::optional<MysqlUrl> target;
  struct Proxy {
    Endpoint listen{"127.0.0.1", 6432};
    std::string tls_cert, tls_key;
    std::size_t max_message_bytes = std::size_t{1} << 30;
    double shutdown_grace_seconds = 30.0;
    unsigned threads = 1;  // event loops; 0: one per core
    double backend_connect_timeout_seconds = 10.0;
  } proxy;
  struct Admin {
    Endpoint listen{"127.0.0.1", 9187};
    std::string token;  // from admin.token or the content of admin.token_file
  } admin;
  struct Migration {
    std::string tables = "public.*";  // patterns, comma-separated: "public.*", "app.orders"
    unsigned workers = 2;
    std::uint64_t chunk_rows = 10000;  // planning granularity
    double chunk_seconds = 2.0;        // a copy unit merges planned chunks toward this time
    std::string slot = "tandem_slot";
    std::string publication = "tandem_pub";
    std::uint64_t max_rows_per_second = 0;  // copy ceiling, 0: none
    bool auto_throttle = true;              // back off when source latency rises > 5 % over idle
  } migration;
  struct Mirror {
    // How committed writes reach MySQL while traffic goes to PostgreSQL: "off"; "wal", row
    // changes from the replication slot applied by `tandem serve`; "proxy", writes captured by
    // the proxy with their row images, journaled, then applied (docs/mirror.md).
    std::string mode = "off";
    // "proxy": the memory captured writes may hold until they are journaled, across all sessions
    // (row images, COPY data, statements of open transactions). A write that finds no room is not
    // mirrored and its table is marked diverged; clients are not affected.
    std::uint64_t capture_memory_mib = 1024;
  } mirror;
  std::filesystem::path state_dir = "./tandem-state";
  struct Log {
    log::Level level = log::Level::info;
    std::string format = "kv";  // kv | json
  } log;
};

using Environment = std::map<std::string, std::string>;

// The process's TANDEM_* variables.
Environment environment_from_process();

// Throws ConfigError naming the key (and, for syntax errors, the line and column).
Config parse_config(std::string_view toml_text, const Environment& env, std::string_view source_name);
Config load_config(const std::filesystem::path& file, const Environment& env);

// The environment variable that overrides `key` ("proxy.listen" -> "TANDEM_PROXY_LISTEN").
std::string environment_variable_for(std::string_view key);

}  // namespace tandem::config

// Phase 1: the schema on MySQL and every row of the chosen tables copied from one consistent
// PostgreSQL snapshot, in keyset chunks, each committed together with its done-mark.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "config/database_url.hpp"
#include "protocol/sql/translation.hpp"

namespace tandem::migrator {

struct SnapshotOptions {
  config::PostgresUrl source;
  config::MysqlUrl target;
  sql::Dialect dialect = sql::Dialect::mariadb;
  std::string tables = "public.*";  // patterns, comma-separated
  unsigned workers = 2;
  std::uint64_t chunk_rows = 10000;  // planning granularity
  double chunk_seconds = 2.0;        // copy units merge planned chunks toward this time
  std::string slot = "tandem_slot";
  std::string publication = "tandem_pub";
  std::uint64_t max_rows_per_second = 0;  // 0: no ceiling
  bool auto_throttle = true;              // back off while source probe latency is > 5 % over idle
  bool resume = false;                    // continue a copy whose plan is in tandem_meta
  bool recreate = false;                  // drop existing target tables first
  bool join = false;                      // add workers to a snapshot another process is running
};

struct TableProgress {
  std::string table;
  std::uint64_t chunks_total = 0;
  std::atomic<std::uint64_t> chunks_done{0};
  std::atomic<std::uint64_t> rows_copied{0};
  std::atomic<std::uint64_t> bytes_copied{0};
};

struct ThrottleState {
  double limit_rows_per_second = 0;  // 0: none
  double baseline_ms = 0, probe_ms = 0;
  bool backing_off = false;
};

struct SnapshotResult {
  std::string consistent_lsn;  // where WAL backfill starts; empty when resumed without a new slot
  std::uint64_t rows = 0;
  std::uint64_t chunks = 0;
  double seconds = 0;
};

// Runs the snapshot; `progress` is called every `progress_interval_seconds` (and at the end) with
// the per-table figures. The error names the table, chunk and server message.
std::expected<SnapshotResult, std::string> run_snapshot(
    const SnapshotOptions& options,
    const std::function<void(const std::vector<TableProgress*>&, double elapsed_seconds, const ThrottleState&)>&
        progress,
    double progress_interval_seconds = 2.0);

}  // namespace tandem::migrator

// Phase 3: changes since the snapshot's consistent point, read from the logical replication
// slot (pgoutput) and applied to MySQL by the applier, until caught up or told to stop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/database_url.hpp"
#include "protocol/sql/translation.hpp"

namespace tandem::migrator {

struct BackfillOptions {
  config::PostgresUrl source;
  config::MysqlUrl target;
  sql::Dialect dialect = sql::Dialect::mariadb;
  std::string slot = "tandem_slot";
  std::string publication = "tandem_pub";
  bool until_caught_up = false;  // stop once the source's WAL position at start is applied
  // With until_caught_up: stop at this logical message (prefix tandem_catch_up) written before,
  // rather than at one written at start: the point where the proxy's own mirror takes over.
  std::string until_marker;
  // That marker's position (pg_logical_emit_message's answer), when known: reached also when the
  // stream starts past it, or passes it (a commit or a keepalive at or after it) without showing
  // it. A restart that finishes a switch may find the slot or the applied position past it.
  std::string until_marker_lsn;
  std::size_t batch_transactions = 200;
  // When the stream pauses, what arrived is applied once this long has passed since the last
  // apply: under steady writes MySQL then commits a batch of transactions at a time rather than
  // nearly each one alone, for at most this much more lag. 0: apply at every pause.
  std::chrono::milliseconds gather{25};
  const std::atomic<bool>* stop = nullptr;  // set by SIGTERM: finish the batch and return
  // From an earlier run's progress (xid_baseline): lag_transactions is known from the start.
  std::optional<std::uint64_t> xid_baseline;
};

// Source, target, slot and publication as the config names them.
BackfillOptions backfill_options(const config::Config& config);

struct BackfillProgress {
  std::string applied_lsn;
  std::uint64_t transactions = 0, rows = 0;
  std::uint64_t lag_bytes = 0;  // the source's current WAL position minus the applied one
  double lag_seconds = 0;       // pg_stat_replication.replay_lag of the applier's walsender
  // Transactions behind, estimated from transaction IDs (wal/xid_lag.hpp); nullopt: not known
  // yet. xid_baseline: the first ID not known to be applied.
  std::optional<std::uint64_t> lag_transactions, xid_baseline;
  double seconds = 0;
};

std::expected<BackfillProgress, std::string> run_backfill(const BackfillOptions& options,
                                                          const std::function<void(const BackfillProgress&)>& progress);

}  // namespace tandem::migrator

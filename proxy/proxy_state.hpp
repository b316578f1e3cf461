// What the running proxy shares between its sessions and the admin port.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "proxy/cancel_registry.hpp"
#include "proxy/metrics.hpp"
#include "proxy/migration_status.hpp"
#include "proxy/mirror_sink.hpp"

namespace tandem::proxy {

struct ProxyState {
  explicit ProxyState(const config::Config& cfg);

  const config::Config& config;
  ProxyMetrics metrics;
  CancelRegistry cancels;
  std::atomic<std::int64_t> sessions_active{0};
  std::atomic<std::uint64_t> sessions_total{0};
  std::atomic<std::uint64_t> backend_connect_errors{0};
  std::atomic<bool> shutting_down{false};
  const std::chrono::steady_clock::time_point started_at;
  // Set by the server; starts the same graceful stop as SIGTERM. Safe to call from any thread.
  std::function<void()> request_shutdown;
  // Set when the mirror runs in this process (mirror.mode = "wal"): true when the state changed.
  std::function<bool()> mirror_pause, mirror_resume;
  // Set when mirror.mode = "proxy": sessions capture their writes and journal them here.
  std::shared_ptr<MirrorSink> mirror_sink;
  // DDL committed through the proxy so far (mirror.mode = "proxy"): a session prepares its
  // rewritten statements again when it moved since they were prepared.
  std::atomic<std::uint64_t> ddl_epoch{0};

  // Set while a snapshot or backfill runs in this process: its figures join /api/v1/status.
  std::shared_ptr<MigrationStatus> migration;
  double uptime_seconds() const;
};

}  // namespace tandem::proxy

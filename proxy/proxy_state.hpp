// What the running proxy shares between its sessions and the admin port.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

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
  // Set when the mirror runs in this process: true when the state changed.
  std::function<bool()> mirror_pause, mirror_resume;
  // Set when the mirror runs in this process: switches it to `mode` ("wal" or "proxy"), holding
  // sessions at a transaction boundary for at most `hold_seconds`. Sets the HTTP status and
  // returns the JSON answer.
  std::function<std::string(std::string_view mode, double hold_seconds, int& http_status)> mirror_switch;

  // Where sessions capture their writes and journal them (the proxy mirror runs); null: nowhere.
  // Sessions read it when they start, and at a transaction boundary once mirror_generation moved.
  std::shared_ptr<MirrorSink> mirror_sink() const {
    std::lock_guard lock(sink_mutex_);
    return sink_;
  }
  void set_mirror_sink(std::shared_ptr<MirrorSink> sink) {
    {
      std::lock_guard lock(sink_mutex_);
      sink_ = std::move(sink);
    }
    mirror_generation.fetch_add(1);
  }
  std::atomic<std::uint64_t> mirror_generation{0};
  // The switch between mirror modes: while `hold` is set, a session at a transaction boundary
  // (nothing sent that PostgreSQL has not answered, no transaction open) keeps what its client
  // sends until released; `busy_sessions` counts the sessions not at such a boundary.
  std::atomic<bool> hold{false};
  std::atomic<std::int64_t> busy_sessions{0};
  // Set by the server: every held session takes up what its client sent. Thread-safe.
  std::function<void()> release_held;
  // DDL committed through the proxy so far (mirror.mode = "proxy"): a session prepares its
  // rewritten statements again when it moved since they were prepared.
  std::atomic<std::uint64_t> ddl_epoch{0};

  // Set while a snapshot or backfill runs in this process: its figures join /api/v1/status.
  std::shared_ptr<MigrationStatus> migration;
  double uptime_seconds() const;

 private:
  mutable std::mutex sink_mutex_;
  std::shared_ptr<MirrorSink> sink_;
};

}  // namespace tandem::proxy

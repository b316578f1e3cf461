// The WAL mirror thread: run_backfill in follow mode, restarted with backoff, paused on request.
#include "proxy/mirror_service.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "config/log.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/wal/backfill.hpp"
#include "proxy/mirror_thread.hpp"

namespace tandem::proxy {

struct MirrorService::Impl : MirrorThreadControl {
  const config::Config& config;
  MigrationStatus& status;
  std::atomic<bool> stop_run{false};  // ends the current follower run
  std::uint64_t errors = 0;
  std::string last_error;
  std::thread thread;

  Impl(const config::Config& c, MigrationStatus& s) : config(c), status(s) {}

  void publish(const std::string& state) { status.set_mirror("wal", state, last_error, errors); }

  using Clock = std::chrono::steady_clock;
  // The follower's last report, and when it came: a run that fails before reporting (MySQL still
  // away) leaves both as they were.
  std::optional<migrator::BackfillProgress> last_report;
  Clock::time_point last_report_at{};
  std::optional<migrator::PgConnection> lag_pg;

  // While no follower runs (paused, or waiting to retry), the lag is still published every
  // second, so that it grows while MySQL is away: the WAL written since the applied position,
  // and, once WAL was written after the last report, that report's replay lag plus the time
  // since (the oldest change not applied is at least that old). The walsender that measured
  // replay_lag is gone by then.
  void publish_stopped_lag() {
    if (!last_report || last_report->applied_lsn.empty()) return;
    if (!lag_pg) {
      auto c = migrator::PgConnection::connect(config.source.url.to_libpq_conninfo() + " connect_timeout=5");
      if (!c) return;
      lag_pg.emplace(std::move(*c));
    }
    auto r = lag_pg->query(
        "SELECT greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn), 0)::bigint, "
        "pg_snapshot_xmax(pg_current_snapshot())::text",
        {last_report->applied_lsn});
    if (!r || r->rows.empty() || !r->rows[0][0] || !r->rows[0][1]) {
      lag_pg.reset();
      return;
    }
    const std::uint64_t bytes = std::stoull(*r->rows[0][0]);
    // The transactions that took an ID since the first one not known to be applied.
    if (const auto base = last_report->xid_baseline) {
      const std::uint64_t next = std::stoull(*r->rows[0][1]);
      status.set_wal_lag_transactions(next > *base ? next - *base : 0);
    }
    const auto& p = *last_report;
    const double seconds = bytes > p.lag_bytes
                               ? p.lag_seconds + std::chrono::duration<double>(Clock::now() - last_report_at).count()
                               : p.lag_seconds;
    status.set_apply(p.applied_lsn, bytes, seconds, p.transactions, p.rows);
  }

  void loop() {
    RetryBackoff backoff;
    while (true) {
      {
        std::unique_lock lock(mutex);
        if (paused) publish("paused");
        wait_ticking(
            lock, Clock::time_point::max(), [&] { return shutdown || !paused; }, [&] { publish_stopped_lag(); });
        if (shutdown) return;
        stop_run = false;
      }
      publish("running");
      auto options = migrator::backfill_options(config);
      options.stop = &stop_run;
      if (last_report) options.xid_baseline = last_report->xid_baseline;
      backoff.run_started();
      auto last_log = Clock::now();
      auto result = migrator::run_backfill(options, [&](const migrator::BackfillProgress& p) {
        status.set_apply(p.applied_lsn, p.lag_bytes, p.lag_seconds, p.transactions, p.rows);
        if (p.lag_transactions) status.set_wal_lag_transactions(p.lag_transactions);
        last_report = p;
        last_report_at = Clock::now();
        if (Clock::now() - last_log >= std::chrono::seconds(10)) {
          last_log = Clock::now();
          log::info("mirror.progress")
              .kv("applied_lsn", p.applied_lsn)
              .kv("transactions", static_cast<std::int64_t>(p.transactions))
              .kv("lag_bytes", static_cast<std::int64_t>(p.lag_bytes))
              .kv("lag_seconds", p.lag_seconds);
        }
      });
      std::unique_lock lock(mutex);
      if (shutdown) return;
      if (result) {
        status.set_apply(result->applied_lsn, result->lag_bytes, result->lag_seconds, result->transactions,
                         result->rows);
        if (result->lag_transactions) status.set_wal_lag_transactions(result->lag_transactions);
        last_report = *result;
        last_report_at = Clock::now();
        continue;  // stopped on request (pause)
      }
      const auto wait = backoff.after_failure();
      ++errors;
      last_error = result.error();
      log::warn("mirror.retrying").kv("error", last_error).kv("retry_in_s", static_cast<std::int64_t>(wait.count()));
      publish("retrying");
      wait_ticking(
          lock, Clock::now() + wait, [&] { return shutdown || paused; }, [&] { publish_stopped_lag(); });
      if (shutdown) return;
    }
  }
};

MirrorService::MirrorService(const config::Config& config, MigrationStatus& status)
    : impl_(std::make_unique<Impl>(config, status)) {}

MirrorService::~MirrorService() {
  impl_->stop_run = true;
  impl_->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->publish("stopped");
}

void MirrorService::start() {
  impl_->status.set_wal_lag_transactions(std::nullopt);  // an earlier WAL mirror's estimate
  impl_->publish("starting");
  impl_->thread = std::thread([this] { impl_->loop(); });
}

bool MirrorService::pause() {
  if (!impl_->pause()) return false;
  impl_->stop_run = true;  // the follower finishes its batch and returns
  return true;
}

bool MirrorService::resume() { return impl_->resume(); }

}  // namespace tandem::proxy

// The WAL mirror thread: run_backfill in follow mode, restarted with backoff, paused on request.
#include "proxy/mirror_service.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/log.hpp"
#include "migrator/wal/backfill.hpp"

namespace tandem::proxy {

struct MirrorService::Impl {
  const config::Config& config;
  MigrationStatus& status;
  std::mutex mutex;
  std::condition_variable wake;
  bool paused = false, shutdown = false;
  std::atomic<bool> stop_run{false};  // ends the current follower run
  std::uint64_t errors = 0;
  std::string last_error;
  std::thread thread;

  Impl(const config::Config& c, MigrationStatus& s) : config(c), status(s) {}

  void publish(const std::string& state) { status.set_mirror("wal", state, last_error, errors); }

  void loop() {
    using Clock = std::chrono::steady_clock;
    auto backoff = std::chrono::seconds(1);
    while (true) {
      {
        std::unique_lock lock(mutex);
        if (paused) publish("paused");
        wake.wait(lock, [&] { return shutdown || !paused; });
        if (shutdown) return;
        stop_run = false;
      }
      publish("running");
      migrator::BackfillOptions options;
      options.source = config.source.url;
      options.target = *config.target;
      options.slot = config.migration.slot;
      options.publication = config.migration.publication;
      options.stop = &stop_run;
      const auto started = Clock::now();
      auto last_log = Clock::now();
      auto result = migrator::run_backfill(options, [&](const migrator::BackfillProgress& p) {
        status.set_apply(p.applied_lsn, p.lag_bytes, p.lag_seconds, p.transactions, p.rows);
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
        continue;  // stopped on request (pause)
      }
      // A run that worked for a while starts the backoff afresh.
      if (Clock::now() - started > std::chrono::seconds(60)) backoff = std::chrono::seconds(1);
      ++errors;
      last_error = result.error();
      log::warn("mirror.retrying").kv("error", last_error).kv("retry_in_s", static_cast<std::int64_t>(backoff.count()));
      publish("retrying");
      wake.wait_for(lock, backoff, [&] { return shutdown || paused; });
      if (shutdown) return;
      backoff = std::min(backoff * 2, std::chrono::seconds(30));
    }
  }
};

MirrorService::MirrorService(const config::Config& config, MigrationStatus& status)
    : impl_(std::make_unique<Impl>(config, status)) {}

MirrorService::~MirrorService() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->shutdown = true;
    impl_->stop_run = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->publish("stopped");
}

void MirrorService::start() {
  impl_->publish("starting");
  impl_->thread = std::thread([this] { impl_->loop(); });
}

bool MirrorService::pause() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->paused) return false;
  impl_->paused = true;
  impl_->stop_run = true;
  impl_->wake.notify_all();
  log::info("mirror.paused");
  return true;
}

bool MirrorService::resume() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->paused) return false;
  impl_->paused = false;
  impl_->wake.notify_all();
  log::info("mirror.resumed");
  return true;
}

}  // namespace tandem::proxy

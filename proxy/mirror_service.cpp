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

  void loop() {
    using Clock = std::chrono::steady_clock;
    RetryBackoff backoff;
    while (true) {
      {
        std::unique_lock lock(mutex);
        if (paused) publish("paused");
        wake.wait(lock, [&] { return shutdown || !paused; });
        if (shutdown) return;
        stop_run = false;
      }
      publish("running");
      auto options = migrator::backfill_options(config);
      options.stop = &stop_run;
      backoff.run_started();
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
      const auto wait = backoff.after_failure();
      ++errors;
      last_error = result.error();
      log::warn("mirror.retrying").kv("error", last_error).kv("retry_in_s", static_cast<std::int64_t>(wait.count()));
      publish("retrying");
      wake.wait_for(lock, wait, [&] { return shutdown || paused; });
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

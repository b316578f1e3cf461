// What the mirror threads (WAL and journal) share: retry pacing, and pause, resume and shutdown.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "config/log.hpp"

namespace tandem::proxy {

// Retry pacing: 1 s, doubling to 30 s; a run that lasted a minute starts afresh at 1 s.
class RetryBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  void run_started() { started_ = Clock::now(); }
  // The wait before the next run, after the current one failed.
  std::chrono::seconds after_failure() {
    if (Clock::now() - started_ > std::chrono::seconds(60)) next_ = std::chrono::seconds(1);
    const auto wait = next_;
    next_ = std::min(next_ * 2, std::chrono::seconds(30));
    return wait;
  }

 private:
  Clock::time_point started_ = Clock::now();
  std::chrono::seconds next_{1};
};

// The operator's side of a mirror thread. The thread waits on `wake` under `mutex`.
struct MirrorThreadControl {
  std::mutex mutex;
  std::condition_variable wake;
  bool paused = false, shutdown = false;

  // Both return false when already in that state.
  bool pause() { return set_paused(true, "mirror.paused"); }
  bool resume() { return set_paused(false, "mirror.resumed"); }
  void stop() {
    {
      std::lock_guard lock(mutex);
      shutdown = true;
    }
    wake.notify_all();
  }

  // Waits on `wake` (with `lock` held on `mutex`) until `done()` or `deadline`, running `tick()`
  // every second meanwhile without the lock: what goes on growing while the thread waits (the
  // lag while MySQL is away or the mirror paused) is still published.
  template <typename Done, typename Tick>
  void wait_ticking(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point deadline, Done done,
                    Tick tick) {
    using Clock = std::chrono::steady_clock;
    while (!wake.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::seconds(1)), done) &&
           Clock::now() < deadline) {
      lock.unlock();
      tick();
      lock.lock();
    }
  }

 private:
  bool set_paused(bool value, const char* event) {
    {
      std::lock_guard lock(mutex);
      if (paused == value) return false;
      paused = value;
    }
    wake.notify_all();
    log::info(event);
    return true;
  }
};

}  // namespace tandem::proxy

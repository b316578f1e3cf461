// The copy throttle: a configured ceiling in rows/s, and an automatic one that backs off while a
// probe query on the source is more than 5 % slower than it was before the copy started.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace tandem::migrator {

class Throttle {
 public:
  // `probe` runs one probe query and returns its latency in seconds (nullopt on failure).
  using Probe = std::function<std::optional<double>()>;

  Throttle(std::uint64_t max_rows_per_second, bool automatic, Probe probe);
  ~Throttle();
  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;

  // Measures the idle baseline and starts adjusting (automatic mode only).
  void start();
  // Blocks until `rows` more rows may be copied under the current limit.
  void acquire(std::uint64_t rows);
  void stop();

  // For progress and status: the current limit (0: none), the baseline and last probe latency.
  double limit_rows_per_second() const { return limit_.load(); }
  double baseline_seconds() const { return baseline_; }
  double last_probe_seconds() const { return last_probe_.load(); }
  bool backing_off() const { return backing_off_.load(); }

 private:
  void adjust_loop();

  const double ceiling_;  // 0: none
  const bool automatic_;
  Probe probe_;
  double baseline_ = 0;
  std::atomic<double> limit_{0};
  std::atomic<double> last_probe_{0};
  std::atomic<bool> backing_off_{false};
  std::atomic<std::uint64_t> granted_{0};  // rows granted since start, for the observed rate
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_refill_ = std::chrono::steady_clock::now();
  std::thread adjuster_;
};

}  // namespace tandem::migrator

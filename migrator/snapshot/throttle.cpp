// Token bucket for copied rows, its limit moved by source probe latency.
#include "migrator/snapshot/throttle.hpp"

#include <algorithm>
#include <vector>

#include "config/log.hpp"

namespace tandem::migrator {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<double> median_probe(const Throttle::Probe& probe, int samples) {
  std::vector<double> v;
  for (int i = 0; i < samples; ++i)
    if (auto s = probe()) v.push_back(*s);
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

Throttle::Throttle(std::uint64_t max_rows_per_second, bool automatic, Probe probe)
    : ceiling_(static_cast<double>(max_rows_per_second)), automatic_(automatic), probe_(std::move(probe)) {
  limit_ = ceiling_;
}

Throttle::~Throttle() { stop(); }

void Throttle::start() {
  if (!automatic_ || !probe_) return;
  if (auto b = median_probe(probe_, 21)) baseline_ = *b;
  if (baseline_ <= 0) return;
  log::info("throttle.baseline").kv("probe_ms", baseline_ * 1000);
  adjuster_ = std::thread([this] { adjust_loop(); });
}

void Throttle::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (adjuster_.joinable()) adjuster_.join();
}

void Throttle::acquire(std::uint64_t rows) {
  granted_ += rows;
  std::unique_lock lock(mutex_);
  for (;;) {
    const double limit = limit_.load();
    if (limit <= 0 || stopping_) return;
    const auto now = Clock::now();
    tokens_ = std::min(limit, tokens_ + std::chrono::duration<double>(now - last_refill_).count() * limit);
    last_refill_ = now;
    if (tokens_ >= static_cast<double>(rows) || tokens_ >= limit) {
      tokens_ -= static_cast<double>(rows);
      return;
    }
    const double wait = (static_cast<double>(rows) - tokens_) / limit;
    cv_.wait_for(lock, std::chrono::duration<double>(std::min(wait, 0.25)));
  }
}

void Throttle::adjust_loop() {
  auto last = Clock::now();
  std::uint64_t last_granted = granted_.load();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) return;
    }
    auto probe = median_probe(probe_, 3);
    if (!probe) continue;
    last_probe_ = *probe;
    const auto now = Clock::now();
    const double observed =
        static_cast<double>(granted_.load() - last_granted) / std::chrono::duration<double>(now - last).count();
    last = now;
    last_granted = granted_.load();
    const double current = limit_.load();
    double next = current;
    // Slower by 5 %, and by more than 0.1 ms: a fast probe's jitter of some microseconds would
    // otherwise keep the copy at its floor for no benefit to the source's clients.
    if (*probe > std::max(baseline_ * 1.05, baseline_ + 0.0001)) {
      // The source is slower than idle: take 30 % off what is being copied now.
      next = std::max(1000.0, (current > 0 ? std::min(current, observed) : observed) * 0.7);
      backing_off_ = true;
    } else if (current > 0) {
      // Recovered: grow back by 10 % a step, up to the ceiling (or unlimited when there is none).
      next = current * 1.1;
      if (ceiling_ > 0 && next >= ceiling_) next = ceiling_;
      if (ceiling_ == 0 && next > observed * 4 && observed > 0) next = 0;
      backing_off_ = next != ceiling_ && next != 0;
    }
    if (next != current) {
      limit_ = next;
      cv_.notify_all();
    }
  }
}

}  // namespace tandem::migrator

// The memory the proxy mirror's captured writes may hold at once, across all sessions: row images,
// COPY data and the statements of transactions not yet handed to the journal. Without a bound, one
// transaction that writes millions of rows, or many sessions copying at once, would grow the
// proxy until the kernel kills it, and every client with it. A statement that finds no room is
// not mirrored (its table is marked diverged); the client is not affected.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace tandem::pgwire {

class CaptureBudget {
 public:
  explicit CaptureBudget(std::size_t limit_bytes) : limit_(limit_bytes) {}
  CaptureBudget(const CaptureBudget&) = delete;
  CaptureBudget& operator=(const CaptureBudget&) = delete;

  // Takes `n` bytes when they fit under the limit with what is held; false (nothing taken) if not.
  bool take(std::size_t n) {
    std::size_t held = held_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ || held > limit_ - n) return false;
    } while (!held_.compare_exchange_weak(held, held + n, std::memory_order_relaxed));
    return true;
  }
  void give_back(std::size_t n) { held_.fetch_sub(n, std::memory_order_relaxed); }

  std::size_t held() const { return held_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> held_{0};
};

// What one captured statement holds of a budget, given back when the statement is destroyed.
// Moving the statement moves its charge; a copy holds none (only statements without captured
// data, such as a prepared statement's template, are copied).
class BudgetCharge {
 public:
  BudgetCharge() = default;
  BudgetCharge(const BudgetCharge&) noexcept {}
  BudgetCharge& operator=(const BudgetCharge& other) noexcept {
    if (this != &other) release();
    return *this;
  }
  BudgetCharge(BudgetCharge&& other) noexcept : budget_(other.budget_), bytes_(std::exchange(other.bytes_, 0)) {}
  BudgetCharge& operator=(BudgetCharge&& other) noexcept {
    if (this != &other) {
      release();
      budget_ = other.budget_;
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  ~BudgetCharge() { release(); }

  // Charges `n` more bytes to `budget`; false, and nothing charged, when it has no room. Without
  // a budget (null) every charge succeeds.
  bool add(CaptureBudget* budget, std::size_t n) {
    if (!budget) return true;
    if (budget_ && budget_ != budget) release();
    if (!budget->take(n)) return false;
    budget_ = budget;
    bytes_ += n;
    return true;
  }
  void release() {
    if (budget_ && bytes_) budget_->give_back(bytes_);
    bytes_ = 0;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  CaptureBudget* budget_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace tandem::pgwire

// Unit tests of the copy throttle's ceiling.
#include <doctest/doctest.h>

#include <chrono>

#include "migrator/snapshot/throttle.hpp"

using tandem::migrator::Throttle;

TEST_CASE("without a ceiling or automatic mode the throttle never waits") {
  Throttle t(0, false, nullptr);
  t.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) t.acquire(1000000);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(t.limit_rows_per_second() == 0);
}

TEST_CASE("a ceiling of 2000 rows/s makes 5000 rows take at least a second and a half") {
  Throttle t(2000, false, nullptr);
  t.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) t.acquire(500);
  // The bucket starts empty and refills at 2000 rows/s: 5000 rows need 2.5 s; the lower bound
  // leaves room for timer slack and cannot pass without waiting.
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(1500));
}

TEST_CASE("automatic mode backs off when the probe is slower than the idle baseline") {
  int calls = 0;
  Throttle t(0, true, [&]() -> std::optional<double> {
    ++calls;
    return calls <= 21 ? 0.001 : 0.010;  // idle 1 ms, then ten times slower
  });
  t.start();
  for (int i = 0; i < 40 && !t.backing_off(); ++i) {
    t.acquire(100);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(t.backing_off());
  CHECK(t.limit_rows_per_second() > 0);
  t.stop();
}

TEST_CASE("automatic mode ignores jitter of a few tens of microseconds on a fast probe") {
  // A 20 µs idle probe answering in 60 µs is 200 % slower, but by less than any user would notice:
  // backing off would crawl the copy for nothing.
  int calls = 0;
  Throttle t(0, true, [&]() -> std::optional<double> {
    ++calls;
    return calls <= 21 ? 0.000020 : 0.000060;
  });
  t.start();
  for (int i = 0; i < 16; ++i) {
    t.acquire(100);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_FALSE(t.backing_off());
  CHECK(t.limit_rows_per_second() == 0);
  t.stop();
}

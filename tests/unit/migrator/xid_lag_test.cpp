#include "migrator/wal/xid_lag.hpp"

#include <doctest/doctest.h>

using tandem::migrator::wal::XidLag;

TEST_CASE("xid lag: unknown until something is applied or passed, then the IDs assigned since") {
  XidLag lag;
  // Nothing applied, and the applied position is before every sample: unknown.
  CHECK(!lag.sample(1000, 500, 10).has_value());
  lag.applied(520);
  // IDs 521..599 were assigned after the newest applied transaction.
  auto n = lag.sample(2000, 600, 10);
  REQUIRE(n.has_value());
  CHECK(*n == 79);
  CHECK(lag.baseline() == 521u);
  // Older transactions applied later do not move it back.
  lag.applied(510);
  CHECK(lag.sample(2100, 600, 10) == 79u);
}

TEST_CASE("xid lag: a position passed counts everything assigned before it as done") {
  XidLag lag;
  lag.applied(100);
  CHECK(lag.sample(1000, 300, 50) == 199u);
  CHECK(lag.sample(2000, 400, 50) == 299u);
  // The follower passed position 1000 (writes to tables it does not follow, say): IDs before
  // 300 are done, whatever it applied.
  CHECK(lag.sample(3000, 450, 1500) == 150u);
  // Everything written is passed: nothing is behind.
  CHECK(lag.sample(4000, 470, 4000) == 0u);
  // And the baseline does not go back.
  CHECK(lag.sample(5000, 480, 1500) == 10u);
}

TEST_CASE("xid lag: 32-bit IDs across the wrap of the epoch") {
  XidLag lag;
  const std::uint64_t epoch = std::uint64_t{3} << 32;
  lag.applied(0xFFFFFFF0u);  // of the epoch before
  CHECK(lag.sample(100, epoch + 5, 1) == 20u);
  lag.applied(3);  // of this epoch: newer
  CHECK(lag.sample(200, epoch + 5, 1) == 1u);
  lag.applied(0xFFFFFFF8u);  // older again
  CHECK(lag.sample(300, epoch + 5, 1) == 1u);
}

TEST_CASE("xid lag: a baseline carried over from an earlier run") {
  XidLag lag;
  lag.set_baseline(1000);
  CHECK(lag.sample(100, 1040, 1) == 40u);
}

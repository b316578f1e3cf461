// How many transactions the WAL mirror is behind, estimated from transaction IDs. The
// replication stream only shows a transaction once PostgreSQL decodes and sends it, so the count
// of what waits in the WAL is not known exactly: PostgreSQL's next transaction ID, less the
// first one not known to be applied, counts the transactions that took an ID since. Those include
// rolled-back ones, subtransactions that wrote, and writes in other databases of the cluster or
// to tables the mirror does not follow: an upper estimate, exact when the mirrored database is
// the only one written.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace tandem::migrator::wal {

class XidLag {
 public:
  using Lsn = std::uint64_t;
  // A transaction with this ID (pgoutput's 32-bit xid) was applied.
  void applied(std::uint32_t xid);
  // PostgreSQL's WAL position and next transaction ID (64-bit, pg_current_snapshot's xmax) now;
  // everything before `through` is applied. Returns the estimate; nullopt while nothing is known
  // to be applied yet.
  std::optional<std::uint64_t> sample(Lsn now, std::uint64_t next_xid, Lsn through);
  // The first transaction ID not known to be applied, as of the last sample.
  std::optional<std::uint64_t> baseline() const { return baseline_; }
  // Carries a baseline over from an earlier run of the follower.
  void set_baseline(std::uint64_t full_xid);

 private:
  struct Mark {
    Lsn lsn;
    std::uint64_t next_xid;
  };
  std::optional<std::uint32_t> newest_applied_;
  std::deque<Mark> marks_;
  std::optional<std::uint64_t> baseline_;
};

}  // namespace tandem::migrator::wal

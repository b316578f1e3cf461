#include "migrator/wal/xid_lag.hpp"

#include <algorithm>

namespace tandem::migrator::wal {
namespace {

constexpr std::size_t kMaxMarks = 10000;  // one a second: hours of a stalled follower

// The 64-bit form of a 32-bit ID at or before `reference`.
std::uint64_t widen(std::uint32_t xid, std::uint64_t reference) {
  std::uint64_t full = (reference & ~std::uint64_t{0xFFFFFFFF}) | xid;
  if (full > reference && full >= (std::uint64_t{1} << 32)) full -= std::uint64_t{1} << 32;
  return full;
}

}  // namespace

void XidLag::applied(std::uint32_t xid) {
  // IDs wrap around: the newer of two is the one less than 2^31 ahead.
  if (!newest_applied_ || static_cast<std::int32_t>(xid - *newest_applied_) > 0) newest_applied_ = xid;
}

void XidLag::set_baseline(std::uint64_t full_xid) { baseline_ = std::max(baseline_.value_or(0), full_xid); }

std::optional<std::uint64_t> XidLag::sample(Lsn now, std::uint64_t next_xid, Lsn through) {
  marks_.push_back({now, next_xid});
  if (marks_.size() > kMaxMarks) marks_.pop_front();
  // Every ID assigned before the newest mark at or before `through` belongs to a transaction
  // that ended before it (applied, or nothing to apply) or has not committed yet.
  while (marks_.size() > 1 && marks_[1].lsn <= through) marks_.pop_front();
  if (marks_.front().lsn <= through) set_baseline(marks_.front().next_xid);
  // And every ID up to the newest applied one (a transaction begun earlier and still running is
  // missed: an estimate).
  if (newest_applied_) set_baseline(widen(*newest_applied_, next_xid) + 1);
  if (!baseline_) return std::nullopt;
  return next_xid > *baseline_ ? next_xid - *baseline_ : 0;
}

}  // namespace tandem::migrator::wal

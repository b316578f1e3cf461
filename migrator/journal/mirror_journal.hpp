// The mirror journal: committed source transactions, durable in segment files under
// state_dir/journal before the applier sees them. Append-only, a CRC per record, fdatasync
// shared by every append that arrived while the previous one ran (group commit), bounded in size.
// A torn record at the end (a crash mid-write) is cut off on open; damage anywhere else refuses
// to open, naming the file and offset.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tandem::migrator {

struct JournalOptions {
  std::filesystem::path dir;
  std::uint64_t segment_bytes = 64ull << 20;  // a new segment file starts beyond this size
  std::uint64_t max_bytes = 8ull << 30;       // appends are refused beyond this (the alarm)
  // At most one fdatasync per interval: appends arriving meanwhile share the next one. Each sync
  // is a device flush that the source database's own commits queue behind on a shared disk.
  std::chrono::milliseconds sync_interval{0};
};

struct JournalRecord {
  std::uint64_t seq = 0;
  std::string payload;
};

struct JournalFigures {
  std::uint64_t first_seq = 0;    // oldest record kept (0: none)
  std::uint64_t last_seq = 0;     // newest record appended (0: none)
  std::uint64_t durable_seq = 0;  // newest record on disk and synced
  std::uint64_t bytes = 0;        // size of the segment files
  std::uint64_t segments = 0;
  std::uint64_t syncs = 0;  // fdatasync calls since open
  bool full = false;        // an append was refused for max_bytes since the last release
};

class MirrorJournal {
 public:
  // Opens (creating the directory if needed) and recovers the journal.
  static std::expected<std::unique_ptr<MirrorJournal>, std::string> open(const JournalOptions& options);
  ~MirrorJournal();  // writes and syncs what was appended
  MirrorJournal(const MirrorJournal&) = delete;
  MirrorJournal& operator=(const MirrorJournal&) = delete;

  // Queues a record and returns its sequence number (1, 2, ...); durable once durable_seq()
  // reaches it. Refused when the journal would grow beyond max_bytes, or after a write failed.
  std::expected<std::uint64_t, std::string> append(std::string payload);
  // Same, and `on_durable(true)` runs on the journal's thread once the record is synced
  // (`on_durable(false)` if writing failed).
  std::expected<std::uint64_t, std::string> append(std::string payload, std::function<void(bool)> on_durable);
  // Blocks until `seq` is durable; false on timeout or a write failure.
  bool wait_durable(std::uint64_t seq, std::chrono::milliseconds limit);
  std::uint64_t durable_seq() const;

  // Durable records from `from_seq` on, at most `max_records` and about `max_bytes` of payload.
  std::expected<std::vector<JournalRecord>, std::string> read(std::uint64_t from_seq, std::size_t max_records,
                                                              std::size_t max_bytes = 16u << 20) const;
  // Deletes the segments holding only records up to `applied_seq` (never the one being written).
  void release_through(std::uint64_t applied_seq);

  JournalFigures figures() const;
  // The last write or sync error; empty when none.
  std::string error() const;

 private:
  struct Impl;
  explicit MirrorJournal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// CRC-32 of a record's sequence number and payload, as stored.
std::uint32_t journal_crc(std::uint64_t seq, std::string_view payload);

}  // namespace tandem::migrator

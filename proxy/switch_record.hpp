// The point of a switch between mirror.mode "wal" and "proxy", kept in state_dir from the hold
// until the mirror that takes over no longer needs it (docs/mirror.md, "The switch between wal
// and proxy"). A restart in between finishes the switch from it: without it, the order of what
// the slot holds and what the journal holds across the switch would be lost with the process.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace tandem::proxy {

struct SwitchRecord {
  std::string to;  // "proxy" or "wal"
  // To "proxy": the end of the logical message (prefix tandem_catch_up) that marks the switch in
  // the WAL; the slot is drained up to it before the journal's later records are applied.
  // To "wal": PostgreSQL's insert position at the switch; the journal holds everything before
  // it, and the WAL mirror goes on from it.
  std::string lsn;
  std::string marker;             // to "proxy": the message's content
  std::uint64_t journal_seq = 0;  // to "proxy": the journal's last record before the switch
  bool operator==(const SwitchRecord&) const = default;
};

// state_dir/mirror_switch
std::filesystem::path switch_record_path(const std::filesystem::path& state_dir);

// Written to a new file, synced, renamed over the record, and the directory synced: a crash
// leaves the old record or the new one, never a part.
std::expected<void, std::string> write_switch_record(const std::filesystem::path& state_dir,
                                                     const SwitchRecord& record);
// No record: nullopt. An unreadable one is an error naming the file.
std::expected<std::optional<SwitchRecord>, std::string> read_switch_record(const std::filesystem::path& state_dir);
std::expected<void, std::string> remove_switch_record(const std::filesystem::path& state_dir);

}  // namespace tandem::proxy

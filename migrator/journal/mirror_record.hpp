// The payload of one mirror journal record: a committed source transaction as the proxy saw it
// (the client's statements with their bound parameters, and row images where a statement cannot
// be replayed), in a compact versioned binary form. Decoding checks every length and count
// against the bytes left, so a damaged or forged record is refused, never read past or trusted.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::migrator {

// One bound parameter of a replayed statement, as the client sent it.
struct MirrorParam {
  std::uint32_t type_oid = 0;        // 0: unspecified
  std::int16_t format = 0;           // 0 text, 1 binary
  std::optional<std::string> value;  // nullopt: NULL
  bool operator==(const MirrorParam&) const = default;
};

// One column of a row image, from PostgreSQL's RowDescription.
struct MirrorImageColumn {
  std::string name;
  std::uint32_t table_oid = 0;
  std::int16_t attnum = 0;
  std::uint32_t type_oid = 0;
  std::int32_t typmod = -1;
  bool operator==(const MirrorImageColumn&) const = default;
};

struct MirrorItem {
  // copy: a COPY ... FROM STDIN, with the data the client sent; the applier reads its rows.
  // unsupported: a statement the proxy could not capture (binary results, another DateStyle, no
  // room in the capture memory...): not applied; its table is reported diverged.
  enum class Kind : char { statement = 'S', image = 'I', copy = 'C', unsupported = 'U' };
  Kind kind = Kind::statement;
  std::string sql;                         // the client's statement (for images: kept for diagnostics and key checks)
  std::string data;                        // copy items: the CopyData bytes, concatenated
  std::uint64_t copied_rows = 0;           // copy items: the row count of PostgreSQL's "COPY n"
  std::vector<MirrorParam> params;         // statement items; copy items: the session's TimeZone, DateStyle
  char op = 0;                             // image items: 'i' insert, 'u' update, 'd' delete
  std::vector<MirrorImageColumn> columns;  // image items
  std::vector<std::vector<std::optional<std::string>>> rows;  // image items: text values, nullopt = NULL
  std::string reason;                                         // unsupported items: why
  bool operator==(const MirrorItem&) const = default;
};

struct MirrorTransaction {
  std::int64_t commit_unix_micros = 0;  // when the proxy saw the commit
  std::string unsupported;              // non-empty: it holds something that cannot be mirrored (reason)
  std::vector<MirrorItem> items;
  bool operator==(const MirrorTransaction&) const = default;
};

// The record's version byte. Version 2 added unsupported items; decoding reads versions 1 and 2
// (a journal written before an upgrade) and refuses any other.
inline constexpr std::uint8_t kMirrorRecordVersion = 2;

// Only the fields of an item's kind are stored (a statement's params; an image's op, columns and
// rows). Throws std::length_error for a string of 4 GiB or more, or a value of 2 GiB or more.
std::string encode_mirror_transaction(const MirrorTransaction& tx);

// Refuses anything malformed (truncated, bad kind or op, lengths past the end, trailing bytes,
// unknown version, a row whose width differs from its item's columns) with a message saying what
// and at which byte offset.
std::expected<MirrorTransaction, std::string> decode_mirror_transaction(std::string_view bytes);

}  // namespace tandem::migrator

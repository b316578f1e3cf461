// Decoding of the pgoutput logical replication messages (protocol version 1) carried in
// XLogData, and of the replication stream's own framing (XLogData, primary keepalive).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tandem::migrator::wal {

using Lsn = std::uint64_t;
std::string format_lsn(Lsn lsn);  // 0/16B3748
std::optional<Lsn> parse_lsn(std::string_view text);

struct RelationColumn {
  bool key = false;
  std::string name;
  std::uint32_t type_oid = 0;
  std::int32_t typmod = -1;
};
struct Relation {
  std::uint32_t id = 0;
  std::string schema, name;
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};

// One column of a tuple: 'n' NULL, 'u' unchanged TOASTed value (not sent), 't' text.
struct TupleValue {
  char kind = 'n';
  std::string text;
};
using Tuple = std::vector<TupleValue>;

struct Begin {
  Lsn final_lsn = 0;
  std::int64_t commit_time = 0;
  std::uint32_t xid = 0;
};
struct Commit {
  Lsn commit_lsn = 0, end_lsn = 0;
  std::int64_t commit_time = 0;
};
struct Insert {
  std::uint32_t relation = 0;
  Tuple row;
};
struct Update {
  std::uint32_t relation = 0;
  std::optional<Tuple> old_key;  // sent when the key changed ('K') or with REPLICA IDENTITY FULL ('O')
  Tuple row;
};
struct Delete {
  std::uint32_t relation = 0;
  Tuple old_key;
};
struct Truncate {
  std::vector<std::uint32_t> relations;
  bool cascade = false, restart_identity = false;
};
struct LogicalMessage {
  bool transactional = false;
  Lsn lsn = 0;
  std::string prefix, content;
};
struct Ignored {  // Origin, Type
  char type = 0;
};

using Message = std::variant<Begin, Commit, Relation, Insert, Update, Delete, Truncate, LogicalMessage, Ignored>;

std::expected<Message, std::string> decode_pgoutput(std::string_view data);

// The replication stream's CopyData payloads.
struct XLogData {
  Lsn wal_start = 0, wal_end = 0;
  std::string_view data;
};
struct Keepalive {
  Lsn wal_end = 0;
  bool reply_requested = false;
};
std::expected<std::variant<XLogData, Keepalive>, std::string> decode_stream_message(std::string_view copy_data);
// The standby status update ('r') telling the server what has been written, flushed and applied.
std::string encode_standby_status(Lsn flushed, std::int64_t now_micros_since_2000, bool reply_requested);

}  // namespace tandem::migrator::wal

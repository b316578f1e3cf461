// pgoutput and replication-stream decoding on top of the wire reader.
#include "migrator/wal/pgoutput_decoder.hpp"

#include <cstdio>

#include "protocol/pgwire/wire_buffer.hpp"

namespace tandem::migrator::wal {
namespace {

using pgwire::WireReader;

std::uint64_t u64(WireReader& r, std::string_view what) {
  const std::uint64_t hi = r.u32(what);
  const std::uint64_t lo = r.u32(what);
  return (hi << 32) | lo;
}

Tuple tuple(WireReader& r) {
  Tuple t;
  const std::size_t n = r.count16("tuple column count", 1);
  t.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    TupleValue v;
    v.kind = static_cast<char>(r.u8("tuple column kind"));
    if (v.kind == 't' || v.kind == 'b') {
      const std::int32_t len = r.i32("tuple value length");
      if (len < 0)
        r.fail("negative tuple value length");
      else
        v.text = r.bytes(static_cast<std::size_t>(len), "tuple value");
      if (v.kind == 'b') r.fail("binary tuple values were not requested");
    } else if (v.kind != 'n' && v.kind != 'u') {
      r.fail(std::string("unknown tuple column kind '") + v.kind + "'");
    }
    t.push_back(std::move(v));
  }
  return t;
}

template <class T>
std::expected<Message, std::string> done(WireReader& r, T value) {
  auto f = r.finish(std::move(value));
  if (!f) return std::unexpected(f.error().message);
  return Message{std::move(*f)};
}

}  // namespace

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

std::optional<Lsn> parse_lsn(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  try {
    const std::uint64_t hi = std::stoull(std::string(text.substr(0, slash)), nullptr, 16);
    const std::uint64_t lo = std::stoull(std::string(text.substr(slash + 1)), nullptr, 16);
    return (hi << 32) | lo;
  } catch (...) {
    return std::nullopt;
  }
}

std::expected<Message, std::string> decode_pgoutput(std::string_view data) {
  if (data.empty()) return std::unexpected(std::string("empty pgoutput message"));
  const char type = data[0];
  WireReader r(data.substr(1), std::string("pgoutput '") + type + "'");
  switch (type) {
    case 'B': {
      Begin b;
      b.final_lsn = u64(r, "final LSN");
      b.commit_time = static_cast<std::int64_t>(u64(r, "commit time"));
      b.xid = r.u32("xid");
      return done(r, b);
    }
    case 'C': {
      Commit c;
      r.u8("flags");
      c.commit_lsn = u64(r, "commit LSN");
      c.end_lsn = u64(r, "end LSN");
      c.commit_time = static_cast<std::int64_t>(u64(r, "commit time"));
      return done(r, c);
    }
    case 'R': {
      Relation rel;
      rel.id = r.u32("relation id");
      rel.schema = r.cstring("namespace");
      rel.name = r.cstring("relation name");
      rel.replica_identity = static_cast<char>(r.u8("replica identity"));
      const std::size_t n = r.count16("column count", 10);
      for (std::size_t i = 0; i < n && r.ok(); ++i) {
        RelationColumn c;
        c.key = (r.u8("column flags") & 1) != 0;
        c.name = r.cstring("column name");
        c.type_oid = r.u32("column type");
        c.typmod = r.i32("column type modifier");
        rel.columns.push_back(std::move(c));
      }
      return done(r, rel);
    }
    case 'I': {
      Insert ins;
      ins.relation = r.u32("relation id");
      if (r.u8("new tuple marker") != 'N') r.fail("expected 'N' before the new tuple");
      ins.row = tuple(r);
      return done(r, ins);
    }
    case 'U': {
      Update up;
      up.relation = r.u32("relation id");
      char marker = static_cast<char>(r.u8("tuple marker"));
      if (marker == 'K' || marker == 'O') {
        up.old_key = tuple(r);
        marker = static_cast<char>(r.u8("new tuple marker"));
      }
      if (marker != 'N') r.fail("expected 'N' before the new tuple");
      up.row = tuple(r);
      return done(r, up);
    }
    case 'D': {
      Delete del;
      del.relation = r.u32("relation id");
      const char marker = static_cast<char>(r.u8("old tuple marker"));
      if (marker != 'K' && marker != 'O') r.fail("expected 'K' or 'O' before the old tuple");
      del.old_key = tuple(r);
      return done(r, del);
    }
    case 'T': {
      Truncate t;
      const std::uint32_t n = r.u32("relation count");
      const std::uint8_t options = r.u8("options");
      t.cascade = (options & 1) != 0;
      t.restart_identity = (options & 2) != 0;
      if (n > r.remaining() / 4) r.fail("relation count larger than the message");
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) t.relations.push_back(r.u32("relation id"));
      return done(r, t);
    }
    case 'M': {
      LogicalMessage m;
      m.transactional = r.u8("flags") != 0;
      m.lsn = u64(r, "message LSN");
      m.prefix = r.cstring("prefix");
      const std::int32_t len = r.i32("content length");
      if (len < 0)
        r.fail("negative content length");
      else
        m.content = r.bytes(static_cast<std::size_t>(len), "content");
      return done(r, m);
    }
    case 'O':
    case 'Y':
      return Message{Ignored{type}};
    default:
      return std::unexpected(std::string("unknown pgoutput message type '") + type + "'");
  }
}

std::expected<std::variant<XLogData, Keepalive>, std::string> decode_stream_message(std::string_view d) {
  if (d.empty()) return std::unexpected(std::string("empty replication message"));
  if (d[0] == 'w') {
    if (d.size() < 25) return std::unexpected(std::string("XLogData shorter than its header"));
    WireReader r(d.substr(1, 24), "XLogData");
    XLogData x;
    x.wal_start = u64(r, "WAL start");
    x.wal_end = u64(r, "WAL end");
    u64(r, "send time");
    x.data = d.substr(25);
    return std::variant<XLogData, Keepalive>{x};
  }
  if (d[0] == 'k') {
    WireReader r(d.substr(1), "primary keepalive");
    Keepalive k;
    k.wal_end = u64(r, "WAL end");
    u64(r, "send time");
    k.reply_requested = r.u8("reply requested") != 0;
    auto f = r.finish(k);
    if (!f) return std::unexpected(f.error().message);
    return std::variant<XLogData, Keepalive>{*f};
  }
  return std::unexpected(std::string("unknown replication message '") + d[0] + "'");
}

std::string encode_standby_status(Lsn flushed, std::int64_t now, bool reply) {
  std::string out(1, 'r');
  auto put64 = [&](std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  };
  put64(flushed);  // written
  put64(flushed);  // flushed
  put64(flushed);  // applied
  put64(static_cast<std::uint64_t>(now));
  out += static_cast<char>(reply ? 1 : 0);
  return out;
}

}  // namespace tandem::migrator::wal

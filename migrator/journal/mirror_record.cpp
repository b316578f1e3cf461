// The mirror record layout, all integers big-endian:
//   u8 version (2; 1 has no 'U' items), i64 commit_unix_micros, str unsupported, u32 item count,
//   then per item:
//   u8 kind, str sql, and
//     'S': u32 param count; per param: u32 type_oid, i16 format, opt value
//     'I': u8 op; u32 column count; per column: str name, u32 table_oid, i16 attnum, u32 type_oid,
//          i32 typmod; u32 row count; per row: u32 value count (= column count), opt values
//     'C': u64 copied rows, u64 data length + data bytes, then params as for 'S' (the session's
//          TimeZone and DateStyle)
//     'U': str reason
// where str is u32 length + bytes and opt is i32 length (-1: NULL) + bytes.
#include "migrator/journal/mirror_record.hpp"

#include <limits>
#include <stdexcept>
#include <type_traits>

namespace tandem::migrator {
namespace {

// Smallest encodings, to bound a count by the bytes left before reserving for it.
constexpr std::size_t kMinItem = 1 + 4 + 4;  // kind, empty sql, empty list
constexpr std::size_t kMinParam = 4 + 2 + 4;
constexpr std::size_t kMinColumn = 4 + 4 + 2 + 4 + 4;
constexpr std::size_t kMinRow = 4;
constexpr std::size_t kMinValue = 4;

bool valid_kind(MirrorItem::Kind k, std::uint8_t version) {
  return k == MirrorItem::Kind::statement || k == MirrorItem::Kind::image || k == MirrorItem::Kind::copy ||
         (k == MirrorItem::Kind::unsupported && version >= 2);
}
bool valid_op(char op) { return op == 'i' || op == 'u' || op == 'd'; }

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_count(std::string& out, std::size_t n, const char* what) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error(std::string("mirror record: too many ") + what);
  put_be(out, n, 4);
}

void put_str(std::string& out, std::string_view s) {
  if (s.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("mirror record: string of 4 GiB or more");
  put_be(out, s.size(), 4);
  out += s;
}

void put_opt(std::string& out, const std::optional<std::string>& v) {
  if (!v) {
    put_be(out, static_cast<std::uint32_t>(-1), 4);
    return;
  }
  if (v->size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::length_error("mirror record: value of 2 GiB or more");
  put_be(out, v->size(), 4);
  out += *v;
}

// Reads fields off the front of the record; the first failure is kept as the error, naming the
// field, the item and row it belongs to, and the byte offset where the field starts.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t left() const { return bytes_.size() - pos_; }
  std::size_t offset() const { return pos_; }
  const std::string& error() const { return error_; }

  // Where the fields being read belong, for messages (0: none); 1-based.
  void at_item(std::size_t item) {
    item_ = item;
    row_ = 0;
  }
  void at_row(std::size_t row) { row_ = row; }

  bool fail(std::string_view problem, std::string_view what) { return fail_at(pos_, problem, what); }

  bool fail_at(std::size_t at, std::string_view problem, std::string_view what) {
    error_ = "mirror record: ";
    error_ += problem;
    error_ += " (";
    if (item_ != 0) error_ += "item " + std::to_string(item_) + ", ";
    if (row_ != 0) error_ += "row " + std::to_string(row_) + ", ";
    error_ += what;
    error_ += ") at byte " + std::to_string(at);
    return false;
  }

  bool uint(std::uint64_t& v, int bytes, std::string_view what) {
    if (left() < static_cast<std::size_t>(bytes))
      return fail("truncated: " + std::to_string(bytes) + " bytes needed, " + std::to_string(left()) + " left", what);
    v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    pos_ += static_cast<std::size_t>(bytes);
    return true;
  }

  template <typename T>
  bool number(T& v, std::string_view what) {
    std::uint64_t raw = 0;
    if (!uint(raw, sizeof(T), what)) return false;
    // Two's complement: the conversion of the unsigned bits to the signed type is exact.
    v = static_cast<T>(static_cast<std::make_unsigned_t<T>>(raw));
    return true;
  }

  // A u32 count of entries taking at least `min_each` bytes apiece: refused when more than the
  // bytes left could hold, so a forged count cannot make the caller reserve without bound.
  bool count(std::size_t& n, std::size_t min_each, std::string_view what) {
    const std::size_t at = pos_;
    std::uint32_t v = 0;
    if (!number(v, what)) return false;
    if (v > left() / min_each)
      return fail_at(at,
                     "truncated or forged: count " + std::to_string(v) + " needs at least " +
                         std::to_string(std::uint64_t{v} * min_each) + " bytes, " + std::to_string(left()) + " left",
                     what);
    n = v;
    return true;
  }

  bool bytes(std::string& out, std::size_t n, std::size_t at, std::string_view what) {
    if (n > left())
      return fail_at(at, "length " + std::to_string(n) + " past the end, " + std::to_string(left()) + " bytes left",
                     what);
    out.assign(bytes_.substr(pos_, n));
    pos_ += n;
    return true;
  }

  bool str(std::string& out, std::string_view what) {
    const std::size_t at = pos_;
    std::uint32_t n = 0;
    return number(n, what) && bytes(out, n, at, what);
  }

  bool opt(std::optional<std::string>& out, std::string_view what) {
    const std::size_t at = pos_;
    std::int32_t n = 0;
    if (!number(n, what)) return false;
    if (n == -1) {
      out.reset();
      return true;
    }
    if (n < 0) return fail_at(at, "negative length " + std::to_string(n), what);
    out.emplace();
    return bytes(*out, static_cast<std::size_t>(n), at, what);
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::size_t item_ = 0;
  std::size_t row_ = 0;
  std::string error_;
};

bool read_statement(Reader& r, MirrorItem& item) {
  std::size_t n = 0;
  if (!r.count(n, kMinParam, "parameter count")) return false;
  item.params.resize(n);
  for (auto& p : item.params) {
    if (!r.number(p.type_oid, "parameter type") || !r.number(p.format, "parameter format") ||
        !r.opt(p.value, "parameter value"))
      return false;
  }
  return true;
}

bool read_copy(Reader& r, MirrorItem& item) {
  std::uint64_t length = 0;
  if (!r.number(item.copied_rows, "copied rows")) return false;
  const std::size_t at = r.offset();
  if (!r.number(length, "copy data length")) return false;
  if (length > r.left())
    return r.fail_at(at,
                     "length " + std::to_string(length) + " past the end, " + std::to_string(r.left()) + " bytes left",
                     "copy data");
  return r.bytes(item.data, static_cast<std::size_t>(length), at, "copy data") && read_statement(r, item);
}

bool read_image(Reader& r, MirrorItem& item) {
  const std::size_t op_at = r.offset();
  std::uint8_t op = 0;
  if (!r.number(op, "image op")) return false;
  item.op = static_cast<char>(op);
  if (!valid_op(item.op)) return r.fail_at(op_at, "unknown op " + std::to_string(op), "image op");
  std::size_t n = 0;
  if (!r.count(n, kMinColumn, "column count")) return false;
  item.columns.resize(n);
  for (auto& c : item.columns) {
    if (!r.str(c.name, "column name") || !r.number(c.table_oid, "column table") ||
        !r.number(c.attnum, "column attnum") || !r.number(c.type_oid, "column type") ||
        !r.number(c.typmod, "column typmod"))
      return false;
  }
  if (!r.count(n, kMinRow, "row count")) return false;
  item.rows.resize(n);
  for (std::size_t i = 0; i < item.rows.size(); ++i) {
    r.at_row(i + 1);
    const std::size_t width_at = r.offset();
    std::size_t width = 0;
    if (!r.count(width, kMinValue, "value count")) return false;
    if (width != item.columns.size())
      return r.fail_at(width_at,
                       std::to_string(width) + " values for " + std::to_string(item.columns.size()) + " columns",
                       "value count");
    auto& row = item.rows[i];
    row.resize(width);
    for (auto& v : row)
      if (!r.opt(v, "value")) return false;
  }
  r.at_row(0);
  return true;
}

}  // namespace

std::string encode_mirror_transaction(const MirrorTransaction& tx) {
  std::string out;
  out += static_cast<char>(kMirrorRecordVersion);
  put_be(out, static_cast<std::uint64_t>(tx.commit_unix_micros), 8);
  put_str(out, tx.unsupported);
  put_count(out, tx.items.size(), "items");
  for (const auto& item : tx.items) {
    if (!valid_kind(item.kind, kMirrorRecordVersion)) throw std::invalid_argument("mirror record: unknown item kind");
    out += static_cast<char>(item.kind);
    put_str(out, item.sql);
    if (item.kind == MirrorItem::Kind::unsupported) {
      put_str(out, item.reason);
      continue;
    }
    if (item.kind == MirrorItem::Kind::copy) {
      put_be(out, item.copied_rows, 8);
      put_be(out, item.data.size(), 8);
      out += item.data;
    }
    if (item.kind == MirrorItem::Kind::statement || item.kind == MirrorItem::Kind::copy) {
      put_count(out, item.params.size(), "parameters");
      for (const auto& p : item.params) {
        put_be(out, p.type_oid, 4);
        put_be(out, static_cast<std::uint16_t>(p.format), 2);
        put_opt(out, p.value);
      }
      continue;
    }
    if (!valid_op(item.op)) throw std::invalid_argument("mirror record: image op is not 'i', 'u' or 'd'");
    out += item.op;
    put_count(out, item.columns.size(), "columns");
    for (const auto& c : item.columns) {
      put_str(out, c.name);
      put_be(out, c.table_oid, 4);
      put_be(out, static_cast<std::uint16_t>(c.attnum), 2);
      put_be(out, c.type_oid, 4);
      put_be(out, static_cast<std::uint32_t>(c.typmod), 4);
    }
    put_count(out, item.rows.size(), "rows");
    for (const auto& row : item.rows) {
      if (row.size() != item.columns.size())
        throw std::invalid_argument("mirror record: an image row's width differs from its columns");
      put_count(out, row.size(), "values");
      for (const auto& v : row) put_opt(out, v);
    }
  }
  return out;
}

std::expected<MirrorTransaction, std::string> decode_mirror_transaction(std::string_view bytes) {
  Reader r(bytes);
  std::uint8_t version = 0;
  if (!r.number(version, "version")) return std::unexpected(r.error());
  if (version != kMirrorRecordVersion && version != 1) {
    r.fail_at(0, "unknown version " + std::to_string(version), "version");
    return std::unexpected(r.error());
  }
  MirrorTransaction tx;
  std::size_t n = 0;
  if (!r.number(tx.commit_unix_micros, "commit time") || !r.str(tx.unsupported, "unsupported reason") ||
      !r.count(n, kMinItem, "item count"))
    return std::unexpected(r.error());
  tx.items.resize(n);
  for (std::size_t i = 0; i < tx.items.size(); ++i) {
    auto& item = tx.items[i];
    r.at_item(i + 1);
    const std::size_t kind_at = r.offset();
    std::uint8_t kind = 0;
    if (!r.number(kind, "item kind")) return std::unexpected(r.error());
    item.kind = static_cast<MirrorItem::Kind>(kind);
    if (!valid_kind(item.kind, version)) {
      r.fail_at(kind_at, "unknown item kind " + std::to_string(kind), "item kind");
      return std::unexpected(r.error());
    }
    if (!r.str(item.sql, "sql")) return std::unexpected(r.error());
    const bool ok = item.kind == MirrorItem::Kind::statement     ? read_statement(r, item)
                    : item.kind == MirrorItem::Kind::copy        ? read_copy(r, item)
                    : item.kind == MirrorItem::Kind::unsupported ? r.str(item.reason, "reason")
                                                                 : read_image(r, item);
    if (!ok) return std::unexpected(r.error());
  }
  r.at_item(0);
  if (r.left() != 0) {
    r.fail(std::to_string(r.left()) + " trailing bytes", "end of record");
    return std::unexpected(r.error());
  }
  return tx;
}

}  // namespace tandem::migrator

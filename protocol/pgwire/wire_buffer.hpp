// Bounds-checked reading and length-patching writing of protocol fields (network byte order).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

// Reads fields from a message body; the first failure is remembered with the message's name and
// what was being read, and every later read returns a default value.
class WireReader {
 public:
  WireReader(std::string_view body, std::string_view message) : body_(body), message_(message) {}

  std::uint8_t u8(std::string_view what);
  std::int16_t i16(std::string_view what);
  std::int32_t i32(std::string_view what);
  std::uint32_t u32(std::string_view what) { return static_cast<std::uint32_t>(i32(what)); }
  std::string cstring(std::string_view what);
  std::string bytes(std::size_t n, std::string_view what);
  // An int32 length (-1 for NULL) followed by that many bytes.
  std::optional<std::string> counted(std::string_view what);
  // A non-negative int16 count, checked against what is left (each item at least `min_item` bytes).
  std::size_t count16(std::string_view what, std::size_t min_item);
  std::string rest() {
    std::string r(body_.substr(pos_));
    pos_ = body_.size();
    return r;
  }

  bool ok() const { return !error_; }
  std::size_t remaining() const { return body_.size() - pos_; }
  void fail(std::string why);
  // The error if any read failed or bytes are left over, else the value.
  template <class T>
  std::expected<T, ProtocolError> finish(T value) {
    if (!error_ && pos_ != body_.size()) {
      fail(std::to_string(body_.size() - pos_) + " unexpected trailing bytes");
    }
    if (error_) return std::unexpected(*error_);
    return value;
  }

 private:
  bool need(std::size_t n, std::string_view what);

  std::string_view body_;
  std::string_view message_;
  std::size_t pos_ = 0;
  std::optional<ProtocolError> error_;
};

// Appends one framed message: the type byte, a length patched in by the destructor, the fields.
class WireWriter {
 public:
  WireWriter(std::string& out, char type);
  ~WireWriter();
  WireWriter(const WireWriter&) = delete;
  WireWriter& operator=(const WireWriter&) = delete;

  WireWriter& u8(std::uint8_t v);
  WireWriter& i16(std::int16_t v);
  WireWriter& i32(std::int32_t v);
  WireWriter& cstring(std::string_view s);
  WireWriter& bytes(std::string_view s);
  WireWriter& counted(const std::optional<std::string>& v);

 private:
  std::string& out_;
  std::size_t length_at_;
};

void append_i32(std::string& out, std::int32_t v);
std::int32_t read_i32(std::string_view bytes, std::size_t at);

}  // namespace tandem::pgwire

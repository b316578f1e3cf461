// Field-level reading and writing shared by all message codecs.
#include "protocol/pgwire/wire_buffer.hpp"

namespace tandem::pgwire {

void append_i32(std::string& out, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  out.push_back(static_cast<char>(u >> 24));
  out.push_back(static_cast<char>(u >> 16));
  out.push_back(static_cast<char>(u >> 8));
  out.push_back(static_cast<char>(u));
}

std::int32_t read_i32(std::string_view b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

void WireReader::fail(std::string why) {
  if (!error_) error_ = ProtocolError{std::string(message_) + ": " + why};
}

bool WireReader::need(std::size_t n, std::string_view what) {
  if (error_) return false;
  if (body_.size() - pos_ < n) {
    fail("truncated at " + std::string(what));
    return false;
  }
  return true;
}

std::uint8_t WireReader::u8(std::string_view what) {
  if (!need(1, what)) return 0;
  return static_cast<std::uint8_t>(body_[pos_++]);
}

std::int16_t WireReader::i16(std::string_view what) {
  if (!need(2, what)) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(body_.data() + pos_);
  pos_ += 2;
  return static_cast<std::int16_t>((p[0] << 8) | p[1]);
}

std::int32_t WireReader::i32(std::string_view what) {
  if (!need(4, what)) return 0;
  const auto v = read_i32(body_, pos_);
  pos_ += 4;
  return v;
}

std::string WireReader::cstring(std::string_view what) {
  if (error_) return {};
  const auto end = body_.find('\0', pos_);
  if (end == std::string_view::npos) {
    fail("unterminated string at " + std::string(what));
    return {};
  }
  std::string s(body_.substr(pos_, end - pos_));
  pos_ = end + 1;
  return s;
}

std::string WireReader::bytes(std::size_t n, std::string_view what) {
  if (!need(n, what)) return {};
  std::string s(body_.substr(pos_, n));
  pos_ += n;
  return s;
}

std::optional<std::string> WireReader::counted(std::string_view what) {
  const std::int32_t len = i32(what);
  if (error_) return std::nullopt;
  if (len == -1) return std::nullopt;
  if (len < -1) {
    fail(std::string(what) + " length " + std::to_string(len) + " is invalid");
    return std::nullopt;
  }
  return bytes(static_cast<std::size_t>(len), what);
}

std::size_t WireReader::count16(std::string_view what, std::size_t min_item) {
  const std::int16_t n = i16(what);
  if (error_) return 0;
  if (n < 0) {
    fail(std::string(what) + " " + std::to_string(n) + " is negative");
    return 0;
  }
  if (min_item > 0 && static_cast<std::size_t>(n) * min_item > remaining()) {
    fail("truncated: " + std::string(what) + " " + std::to_string(n) + " exceeds the message");
    return 0;
  }
  return static_cast<std::size_t>(n);
}

WireWriter::WireWriter(std::string& out, char type) : out_(out) {
  out_.push_back(type);
  length_at_ = out_.size();
  append_i32(out_, 0);
}

WireWriter::~WireWriter() {
  const auto len = static_cast<std::uint32_t>(out_.size() - length_at_);
  for (int i = 0; i < 4; ++i) out_[length_at_ + i] = static_cast<char>(len >> (24 - 8 * i));
}

WireWriter& WireWriter::u8(std::uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}
WireWriter& WireWriter::i16(std::int16_t v) {
  out_.push_back(static_cast<char>(static_cast<std::uint16_t>(v) >> 8));
  out_.push_back(static_cast<char>(v));
  return *this;
}
WireWriter& WireWriter::i32(std::int32_t v) {
  append_i32(out_, v);
  return *this;
}
WireWriter& WireWriter::cstring(std::string_view s) {
  out_.append(s);
  out_.push_back('\0');
  return *this;
}
WireWriter& WireWriter::bytes(std::string_view s) {
  out_.append(s);
  return *this;
}
WireWriter& WireWriter::counted(const std::optional<std::string>& v) {
  if (!v) return i32(-1);
  i32(static_cast<std::int32_t>(v->size()));
  return bytes(*v);
}

}  // namespace tandem::pgwire

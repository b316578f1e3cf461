// Message framing with lazy compaction, so consuming many small messages stays linear.
#include "protocol/pgwire/message_reader.hpp"

#include <algorithm>

#include "protocol/pgwire/wire_buffer.hpp"

namespace tandem::pgwire {

MessageReader::MessageReader(std::size_t max_message_bytes, Phase phase)
    : max_message_bytes_(max_message_bytes), phase_(phase) {}

void MessageReader::feed(std::string_view bytes) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::expected<std::optional<Message>, ProtocolError> MessageReader::next() {
  const std::string_view data = std::string_view(buffer_).substr(start_);
  if (phase_ == Phase::startup) {
    if (data.size() < 4) return std::nullopt;
    const auto len = static_cast<std::uint32_t>(read_i32(data, 0));
    const std::size_t limit = std::min<std::size_t>(max_message_bytes_, 10000);
    if (len < 8 || len > limit) {
      return std::unexpected(
          ProtocolError{"startup packet length " + std::to_string(len) + " is outside 8.." + std::to_string(limit)});
    }
    if (data.size() < len) return std::nullopt;
    start_ += len;
    return Message{0, data.substr(4, len - 4), data.substr(0, len)};
  }
  if (data.size() < 5) return std::nullopt;
  const auto len = static_cast<std::uint32_t>(read_i32(data, 1));
  if (len < 4 || len > max_message_bytes_) {
    const char t = data[0];
    const bool printable = t >= 0x20 && t < 0x7f;
    return std::unexpected(ProtocolError{std::string("message '") + (printable ? t : '?') + "' length " +
                                         std::to_string(len) + " is outside 4.." + std::to_string(max_message_bytes_)});
  }
  if (data.size() < std::size_t{len} + 1) return std::nullopt;
  start_ += std::size_t{len} + 1;
  return Message{data[0], data.substr(5, len - 4), data.substr(0, len + 1)};
}

}  // namespace tandem::pgwire

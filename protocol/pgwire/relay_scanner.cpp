// Message-boundary tracking for the relay: header validation.
#include "protocol/pgwire/relay_scanner.hpp"

#include <cstdio>

namespace tandem::pgwire {

RelayScanner::RelayScanner(std::size_t max_message_bytes, const std::array<bool, 256>* allowed_types)
    : max_message_bytes_(max_message_bytes), allowed_types_(allowed_types) {}

void RelayScanner::want_prefix(char type, std::uint16_t bytes) {
  prefix_wanted_[static_cast<unsigned char>(type)] =
      static_cast<std::uint16_t>(std::min<std::size_t>(bytes, kMaxPrefix));
}

std::expected<void, RelayScanError> RelayScanner::start_message() {
  type_ = header_[0];
  const auto* b = reinterpret_cast<const unsigned char*>(header_.data() + 1);
  length_ =
      (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
  const auto type_index = static_cast<unsigned char>(type_);
  if (allowed_types_ && !(*allowed_types_)[type_index]) {
    char text[96];
    std::snprintf(text, sizeof text, "invalid message type 0x%02x", type_index);
    return std::unexpected(RelayScanError{text});
  }
  if (length_ < 4 || length_ > max_message_bytes_) {
    char text[128];
    std::snprintf(text, sizeof text, "message '%c' has invalid length %u (limit %zu)",
                  (type_index >= 0x20 && type_index < 0x7f) ? type_ : '?', length_, max_message_bytes_);
    return std::unexpected(RelayScanError{text});
  }
  body_remaining_ = length_ - 4;
  prefix_target_ = std::min<std::size_t>(prefix_wanted_[type_index], body_remaining_);
  return {};
}

}  // namespace tandem::pgwire

// Incremental framing of a PostgreSQL byte stream into whole messages, over partial reads.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

struct Message {
  char type;               // 0 for startup-phase packets, which carry no type byte
  std::string_view body;   // without type and length
  std::string_view whole;  // the message as it was on the wire
};

class MessageReader {
 public:
  enum class Phase { startup, regular };

  MessageReader(std::size_t max_message_bytes, Phase phase);
  void set_phase(Phase phase) { phase_ = phase; }
  void feed(std::string_view bytes);

  // The next complete message, nullopt when more bytes are needed, or an error for a declared
  // length that is impossible or over the limit (the reader is then unusable). Views stay valid
  // until the next feed() or next().
  std::expected<std::optional<Message>, ProtocolError> next();
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  std::size_t max_message_bytes_;
  Phase phase_;
  std::string buffer_;
  std::size_t start_ = 0;  // consumed prefix, dropped lazily
};

}  // namespace tandem::pgwire

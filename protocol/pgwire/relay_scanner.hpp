// Finds message boundaries in a relayed PostgreSQL byte stream without copying or re-encoding it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>

namespace tandem::pgwire {

// One message seen by the scanner: its type, declared length, and the first bytes of its body
// (as many as the caller asked for that type, fewer when the body is shorter).
struct RelayedMessage {
  char type;
  std::uint32_t length;     // as declared on the wire, including the length field itself
  std::string_view prefix;  // borrowed; valid only during the callback
};

struct RelayScanError {
  std::string message;
};

// Walks the stream chunk by chunk. A message's event fires as soon as its header and the
// requested body prefix are available; the rest of the body is skipped in place. Prefix bytes
// that straddle two reads are gathered in a fixed buffer owned by the scanner, so the relay
// never allocates per message.
class RelayScanner {
 public:
  static constexpr std::size_t kMaxPrefix = 4096;

  // `allowed_types`: when non-null, a 256-entry table; a type byte whose entry is false is a
  // protocol error (used for the client direction).
  RelayScanner(std::size_t max_message_bytes, const std::array<bool, 256>* allowed_types);

  // How many body bytes the caller wants to see for messages of `type` (at most kMaxPrefix).
  void want_prefix(char type, std::uint16_t bytes);

  // Scans one chunk; calls on_message(const RelayedMessage&) for each message whose prefix
  // became complete in this chunk. Returns an error for an invalid type or length; the scanner
  // is then unusable.
  template <class OnMessage>
  std::expected<void, RelayScanError> scan(std::string_view chunk, OnMessage&& on_message);

  // True when the bytes scanned so far end exactly at a message boundary.
  bool at_boundary() const { return state_ == State::header && header_len_ == 0; }
  // Where the bytes scanned so far end inside a message: the bytes of its header read so far,
  // when the header is not complete; otherwise how many bytes of its body are still to come.
  std::string_view partial_header() const {
    return state_ == State::header ? std::string_view(header_.data(), header_len_) : std::string_view();
  }
  std::size_t body_left() const { return state_ == State::header ? 0 : body_remaining_; }

 private:
  enum class State : std::uint8_t { header, prefix, skip };

  std::expected<void, RelayScanError> start_message();

  std::size_t max_message_bytes_;
  const std::array<bool, 256>* allowed_types_;
  std::array<std::uint16_t, 256> prefix_wanted_{};
  State state_ = State::header;
  std::array<char, 5> header_{};
  std::size_t header_len_ = 0;
  char type_ = 0;
  std::uint32_t length_ = 0;
  std::size_t body_remaining_ = 0;
  std::size_t prefix_target_ = 0;
  std::size_t prefix_len_ = 0;
  std::array<char, kMaxPrefix> prefix_{};
};

template <class OnMessage>
std::expected<void, RelayScanError> RelayScanner::scan(std::string_view chunk, OnMessage&& on_message) {
  std::size_t pos = 0;
  const std::size_t n = chunk.size();
  while (pos < n) {
    switch (state_) {
      case State::header: {
        const std::size_t take = std::min<std::size_t>(5 - header_len_, n - pos);
        std::memcpy(header_.data() + header_len_, chunk.data() + pos, take);
        header_len_ += take;
        pos += take;
        if (header_len_ < 5) return {};
        header_len_ = 0;
        if (auto ok = start_message(); !ok) return ok;
        if (prefix_target_ == 0) {
          on_message(RelayedMessage{type_, length_, {}});
          state_ = body_remaining_ ? State::skip : State::header;
          break;
        }
        // Fast path: the whole prefix is inside this chunk, hand out a view of it.
        if (n - pos >= prefix_target_) {
          on_message(RelayedMessage{type_, length_, chunk.substr(pos, prefix_target_)});
          pos += prefix_target_;
          body_remaining_ -= prefix_target_;
          state_ = body_remaining_ ? State::skip : State::header;
          break;
        }
        prefix_len_ = 0;
        state_ = State::prefix;
        break;
      }
      case State::prefix: {
        const std::size_t take = std::min(prefix_target_ - prefix_len_, n - pos);
        std::memcpy(prefix_.data() + prefix_len_, chunk.data() + pos, take);
        prefix_len_ += take;
        pos += take;
        body_remaining_ -= take;
        if (prefix_len_ == prefix_target_) {
          on_message(RelayedMessage{type_, length_, std::string_view(prefix_.data(), prefix_len_)});
          state_ = body_remaining_ ? State::skip : State::header;
        }
        break;
      }
      case State::skip: {
        const std::size_t take = std::min(body_remaining_, n - pos);
        pos += take;
        body_remaining_ -= take;
        if (body_remaining_ == 0) state_ = State::header;
        break;
      }
    }
  }
  return {};
}

}  // namespace tandem::pgwire

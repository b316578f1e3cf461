// Packets of the startup phase, which carry no type byte: StartupMessage, SSLRequest,
// GSSENCRequest and CancelRequest.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

struct StartupMessage {
  std::int32_t protocol_version = 0;
  std::vector<std::pair<std::string, std::string>> parameters;
};
struct CancelRequest {
  std::int32_t process_id = 0;
  std::uint32_t secret_key = 0;
};
struct SslRequest {};
struct GssEncRequest {};

using StartupPacket = std::variant<StartupMessage, CancelRequest, SslRequest, GssEncRequest>;

// `packet` is the whole packet including its length word.
std::expected<StartupPacket, ProtocolError> decode_startup_packet(std::string_view packet);

void encode_startup_message(std::string& out, const StartupMessage& m);
void encode_cancel_request(std::string& out, const CancelRequest& m);
void encode_ssl_request(std::string& out);
void encode_gssenc_request(std::string& out);

}  // namespace tandem::pgwire

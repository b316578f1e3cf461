// Server-to-client messages the proxy itself must produce.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <expected>
#include <vector>

#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

// ErrorResponse with severity (S and V), SQLSTATE (C) and message (M).
void encode_error_response(std::string& out, std::string_view severity, std::string_view sqlstate,
                           std::string_view message);
void encode_backend_key_data(std::string& out, std::int32_t process_id, std::uint32_t secret_key);
void encode_ready_for_query(std::string& out, char status);
void encode_authentication_sasl(std::string& out, const std::vector<std::string>& mechanisms);

// The mechanism names of an AuthenticationSASL body (after the int32 code 10).
std::expected<std::vector<std::string>, ProtocolError> decode_sasl_mechanisms(std::string_view body);

}  // namespace tandem::pgwire

// Server-to-client messages the proxy itself must produce.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::pgwire {

// ErrorResponse with severity (S and V), SQLSTATE (C) and message (M).
void encode_error_response(std::string& out, std::string_view severity, std::string_view sqlstate,
                           std::string_view message);
void encode_backend_key_data(std::string& out, std::int32_t process_id, std::uint32_t secret_key);
void encode_ready_for_query(std::string& out, char status);

}  // namespace tandem::pgwire

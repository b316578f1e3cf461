// A host:port listen or connect address from configuration.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tandem::config {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

// A decimal port 0..65535.
std::expected<std::uint16_t, std::string> parse_port(std::string_view text);

// "127.0.0.1:6432", "[::1]:6432", "localhost:6432"; port 0 asks for an ephemeral port.
std::expected<Endpoint, std::string> parse_endpoint(std::string_view text);

}  // namespace tandem::config

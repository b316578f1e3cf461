// Parsing of host:port addresses.
#include "config/endpoint.hpp"

#include <charconv>

namespace tandem::config {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected("invalid port '" + std::string(text) + "'");
  }
  if (value > 65535) return std::unexpected("port " + std::string(text) + " out of range");
  return static_cast<std::uint16_t>(value);
}

std::expected<Endpoint, std::string> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::unexpected("expected [ipv6]:port, got '" + std::string(text) + "'");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return std::unexpected("expected host:port, got '" + std::string(text) + "'");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return std::unexpected("IPv6 addresses need brackets: [" + std::string(host) + "]:port");
    }
  }
  if (host.empty()) return std::unexpected("missing host in '" + std::string(text) + "'");
  auto p = parse_port(port);
  if (!p) return std::unexpected(p.error());
  return Endpoint{std::string(host), *p};
}

}  // namespace tandem::config

// Decoding and encoding of startup-phase packets.
#include "protocol/pgwire/startup_packet.hpp"

#include "protocol/pgwire/constants.hpp"

namespace tandem::pgwire {
namespace {

constexpr std::size_t kMaxStartupPacket = 10000;  // PostgreSQL's MAX_STARTUP_PACKET_LENGTH

std::uint32_t u32(std::string_view b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void put_u32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void put_fixed(std::string& out, std::int32_t code) {
  put_u32(out, 8);
  put_u32(out, static_cast<std::uint32_t>(code));
}

}  // namespace

std::expected<StartupPacket, ProtocolError> decode_startup_packet(std::string_view packet) {
  if (packet.size() < 8) return std::unexpected(ProtocolError{"startup packet: shorter than 8 bytes"});
  if (packet.size() > kMaxStartupPacket) {
    return std::unexpected(ProtocolError{"startup packet: longer than 10000 bytes"});
  }
  if (u32(packet, 0) != packet.size()) {
    return std::unexpected(ProtocolError{"startup packet: length word " + std::to_string(u32(packet, 0)) +
                                         " does not match the packet size " + std::to_string(packet.size())});
  }
  const auto code = static_cast<std::int32_t>(u32(packet, 4));
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    if (packet.size() != 8) return std::unexpected(ProtocolError{"SSLRequest: unexpected trailing bytes"});
    if (code == kSslRequestCode) return SslRequest{};
    return GssEncRequest{};
  }
  if (code == kCancelRequestCode) {
    if (packet.size() != 16) return std::unexpected(ProtocolError{"CancelRequest: length must be 16"});
    return CancelRequest{static_cast<std::int32_t>(u32(packet, 8)), u32(packet, 12)};
  }
  StartupMessage m;
  m.protocol_version = code;
  std::string_view rest = packet.substr(8);
  for (;;) {
    const auto end = rest.find('\0');
    if (end == std::string_view::npos) {
      return std::unexpected(ProtocolError{"StartupMessage: parameter list not terminated"});
    }
    if (end == 0) {
      rest.remove_prefix(1);
      break;
    }
    std::string name(rest.substr(0, end));
    rest.remove_prefix(end + 1);
    const auto vend = rest.find('\0');
    if (vend == std::string_view::npos) {
      return std::unexpected(ProtocolError{"StartupMessage: no value for parameter '" + name + "'"});
    }
    m.parameters.emplace_back(std::move(name), std::string(rest.substr(0, vend)));
    rest.remove_prefix(vend + 1);
  }
  if (!rest.empty()) return std::unexpected(ProtocolError{"StartupMessage: trailing bytes after the parameter list"});
  return m;
}

void encode_startup_message(std::string& out, const StartupMessage& m) {
  const std::size_t start = out.size();
  put_u32(out, 0);
  put_u32(out, static_cast<std::uint32_t>(m.protocol_version));
  for (const auto& [k, v] : m.parameters) {
    out += k;
    out.push_back('\0');
    out += v;
    out.push_back('\0');
  }
  out.push_back('\0');
  const auto len = static_cast<std::uint32_t>(out.size() - start);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<char>(len >> (24 - 8 * i));
}

void encode_cancel_request(std::string& out, const CancelRequest& m) {
  put_u32(out, 16);
  put_u32(out, static_cast<std::uint32_t>(kCancelRequestCode));
  put_u32(out, static_cast<std::uint32_t>(m.process_id));
  put_u32(out, m.secret_key);
}

void encode_ssl_request(std::string& out) { put_fixed(out, kSslRequestCode); }
void encode_gssenc_request(std::string& out) { put_fixed(out, kGssEncRequestCode); }

}  // namespace tandem::pgwire

// Encoders for the server messages Tandem writes itself.
#include "protocol/pgwire/backend_messages.hpp"

namespace tandem::pgwire {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Appends the type byte and a placeholder length; finish() fills the length in.
std::size_t begin(std::string& out, char type) {
  out.push_back(type);
  const std::size_t at = out.size();
  put_u32(out, 0);
  return at;
}

void finish(std::string& out, std::size_t at) {
  const auto len = static_cast<std::uint32_t>(out.size() - at);
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(len >> (24 - 8 * i));
}

void put_field(std::string& out, char code, std::string_view value) {
  out.push_back(code);
  // A NUL inside a field would end it early on the client; drop it.
  for (char c : value) {
    if (c != '\0') out.push_back(c);
  }
  out.push_back('\0');
}

}  // namespace

void encode_error_response(std::string& out, std::string_view severity, std::string_view sqlstate,
                           std::string_view message) {
  const auto at = begin(out, 'E');
  put_field(out, 'S', severity);
  put_field(out, 'V', severity);
  put_field(out, 'C', sqlstate);
  put_field(out, 'M', message);
  out.push_back('\0');
  finish(out, at);
}

void encode_backend_key_data(std::string& out, std::int32_t process_id, std::uint32_t secret_key) {
  const auto at = begin(out, 'K');
  put_u32(out, static_cast<std::uint32_t>(process_id));
  put_u32(out, secret_key);
  finish(out, at);
}

void encode_ready_for_query(std::string& out, char status) {
  const auto at = begin(out, 'Z');
  out.push_back(status);
  finish(out, at);
}

void encode_authentication_sasl(std::string& out, const std::vector<std::string>& mechanisms) {
  const auto at = begin(out, 'R');
  put_u32(out, 10);
  for (const auto& m : mechanisms) {
    out += m;
    out.push_back('\0');
  }
  out.push_back('\0');
  finish(out, at);
}

std::expected<std::vector<std::string>, ProtocolError> decode_sasl_mechanisms(std::string_view body) {
  std::vector<std::string> out;
  for (;;) {
    const auto end = body.find('\0');
    if (end == std::string_view::npos) {
      return std::unexpected(ProtocolError{"AuthenticationSASL: mechanism list not terminated"});
    }
    if (end == 0) break;
    out.emplace_back(body.substr(0, end));
    body.remove_prefix(end + 1);
  }
  if (body.size() != 1) return std::unexpected(ProtocolError{"AuthenticationSASL: trailing bytes"});
  return out;
}

}  // namespace tandem::pgwire

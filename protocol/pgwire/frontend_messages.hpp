// Client-to-server messages of protocol 3.0 after the startup packet: structures, encoders that
// append a framed message, and decoders that take the message body.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

using Value = std::optional<std::string>;  // nullopt is SQL NULL

struct Query {
  std::string sql;
};
struct Parse {
  std::string name;
  std::string query;
  std::vector<std::uint32_t> parameter_types;
};
struct Bind {
  std::string portal;
  std::string statement;
  std::vector<std::int16_t> parameter_formats;  // 0 text, 1 binary
  std::vector<Value> parameters;
  std::vector<std::int16_t> result_formats;
};
struct Describe {
  char kind = 'S';  // 'S' statement, 'P' portal
  std::string name;
};
struct Execute {
  std::string portal;
  std::int32_t max_rows = 0;  // 0: no limit
};
struct Close {
  char kind = 'S';
  std::string name;
};
struct Sync {};
struct Flush {};
struct Terminate {};
struct FunctionCall {
  std::uint32_t function_oid = 0;
  std::vector<std::int16_t> argument_formats;
  std::vector<Value> arguments;
  std::int16_t result_format = 0;
};
struct CopyData {
  std::string data;
};                   // both directions
struct CopyDone {};  // both directions
struct CopyFail {
  std::string message;
};
struct PasswordMessage {
  std::string password;
};
struct SaslInitialResponse {
  std::string mechanism;
  std::optional<std::string> data;  // nullopt: length -1 on the wire
};
struct SaslResponse {
  std::string data;
};
struct GssResponse {
  std::string data;
};

void encode(std::string& out, const Query& m);
void encode(std::string& out, const Parse& m);
void encode(std::string& out, const Bind& m);
void encode(std::string& out, const Describe& m);
void encode(std::string& out, const Execute& m);
void encode(std::string& out, const Close& m);
void encode(std::string& out, const Sync& m);
void encode(std::string& out, const Flush& m);
void encode(std::string& out, const Terminate& m);
void encode(std::string& out, const FunctionCall& m);
void encode(std::string& out, const CopyData& m);
void encode(std::string& out, const CopyDone& m);
void encode(std::string& out, const CopyFail& m);
void encode(std::string& out, const PasswordMessage& m);
void encode(std::string& out, const SaslInitialResponse& m);
void encode(std::string& out, const SaslResponse& m);
void encode(std::string& out, const GssResponse& m);

std::expected<Query, ProtocolError> decode_query(std::string_view body);
std::expected<Parse, ProtocolError> decode_parse(std::string_view body);
std::expected<Bind, ProtocolError> decode_bind(std::string_view body);
std::expected<Describe, ProtocolError> decode_describe(std::string_view body);
std::expected<Execute, ProtocolError> decode_execute(std::string_view body);
std::expected<Close, ProtocolError> decode_close(std::string_view body);
std::expected<Sync, ProtocolError> decode_sync(std::string_view body);
std::expected<Flush, ProtocolError> decode_flush(std::string_view body);
std::expected<Terminate, ProtocolError> decode_terminate(std::string_view body);
std::expected<FunctionCall, ProtocolError> decode_function_call(std::string_view body);
std::expected<CopyData, ProtocolError> decode_copy_data(std::string_view body);
std::expected<CopyDone, ProtocolError> decode_copy_done(std::string_view body);
std::expected<CopyFail, ProtocolError> decode_copy_fail(std::string_view body);
// 'p' means one of these four depending on the authentication exchange in progress.
std::expected<PasswordMessage, ProtocolError> decode_password_message(std::string_view body);
std::expected<SaslInitialResponse, ProtocolError> decode_sasl_initial_response(std::string_view body);
std::expected<SaslResponse, ProtocolError> decode_sasl_response(std::string_view body);
std::expected<GssResponse, ProtocolError> decode_gss_response(std::string_view body);

}  // namespace tandem::pgwire

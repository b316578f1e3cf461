// Server-to-client messages of protocol 3.0: structures, encoders that append a framed message,
// and decoders that take the message body.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/pgwire/frontend_messages.hpp"
#include "protocol/pgwire/protocol_error.hpp"

namespace tandem::pgwire {

struct AuthenticationOk {};
struct AuthenticationKerberosV5 {};
struct AuthenticationCleartextPassword {};
struct AuthenticationMd5Password {
  std::array<char, 4> salt{};
};
struct AuthenticationGss {};
struct AuthenticationGssContinue {
  std::string data;
};
struct AuthenticationSspi {};
struct AuthenticationSasl {
  std::vector<std::string> mechanisms;
};
struct AuthenticationSaslContinue {
  std::string data;
};
struct AuthenticationSaslFinal {
  std::string data;
};
using Authentication =
    std::variant<AuthenticationOk, AuthenticationKerberosV5, AuthenticationCleartextPassword, AuthenticationMd5Password,
                 AuthenticationGss, AuthenticationGssContinue, AuthenticationSspi, AuthenticationSasl,
                 AuthenticationSaslContinue, AuthenticationSaslFinal>;

struct ParameterStatus {
  std::string name, value;
};
struct BackendKeyData {
  std::int32_t process_id = 0;
  std::uint32_t secret_key = 0;
};
struct ReadyForQuery {
  char status = 'I';
};  // 'I' idle, 'T' in transaction, 'E' failed transaction
struct FieldDescription {
  std::string name;
  std::uint32_t table_oid = 0;
  std::int16_t column = 0;
  std::uint32_t type_oid = 0;
  std::int16_t type_size = 0;
  std::int32_t type_modifier = -1;
  std::int16_t format = 0;
};
struct RowDescription {
  std::vector<FieldDescription> fields;
};
struct DataRow {
  std::vector<Value> values;
};
struct CommandComplete {
  std::string tag;
};
struct EmptyQueryResponse {};
// ErrorResponse and NoticeResponse share their shape: (code, value) fields.
struct ErrorFields {
  std::vector<std::pair<char, std::string>> fields;
  std::string_view get(char code) const;
  std::string_view severity() const { return get('V').empty() ? get('S') : get('V'); }
  std::string_view sqlstate() const { return get('C'); }
  std::string_view message() const { return get('M'); }
};
struct ErrorResponse : ErrorFields {};
struct NoticeResponse : ErrorFields {};
struct NotificationResponse {
  std::int32_t process_id = 0;
  std::string channel, payload;
};
struct CopyResponse {
  std::int8_t format = 0;  // overall: 0 text, 1 binary
  std::vector<std::int16_t> column_formats;
};
struct CopyInResponse : CopyResponse {};
struct CopyOutResponse : CopyResponse {};
struct CopyBothResponse : CopyResponse {};
struct ParseComplete {};
struct BindComplete {};
struct CloseComplete {};
struct NoData {};
struct PortalSuspended {};
struct ParameterDescription {
  std::vector<std::uint32_t> type_oids;
};
struct FunctionCallResponse {
  Value result;
};
struct NegotiateProtocolVersion {
  std::int32_t newest_minor = 0;
  std::vector<std::string> unrecognized_options;
};

void encode(std::string& out, const Authentication& m);
void encode(std::string& out, const ParameterStatus& m);
void encode(std::string& out, const BackendKeyData& m);
void encode(std::string& out, const ReadyForQuery& m);
void encode(std::string& out, const RowDescription& m);
void encode(std::string& out, const DataRow& m);
void encode(std::string& out, const CommandComplete& m);
void encode(std::string& out, const EmptyQueryResponse& m);
void encode(std::string& out, const ErrorResponse& m);
void encode(std::string& out, const NoticeResponse& m);
void encode(std::string& out, const NotificationResponse& m);
void encode(std::string& out, const CopyInResponse& m);
void encode(std::string& out, const CopyOutResponse& m);
void encode(std::string& out, const CopyBothResponse& m);
void encode(std::string& out, const ParseComplete& m);
void encode(std::string& out, const BindComplete& m);
void encode(std::string& out, const CloseComplete& m);
void encode(std::string& out, const NoData& m);
void encode(std::string& out, const PortalSuspended& m);
void encode(std::string& out, const ParameterDescription& m);
void encode(std::string& out, const FunctionCallResponse& m);
void encode(std::string& out, const NegotiateProtocolVersion& m);

std::expected<Authentication, ProtocolError> decode_authentication(std::string_view body);
std::expected<ParameterStatus, ProtocolError> decode_parameter_status(std::string_view body);
std::expected<BackendKeyData, ProtocolError> decode_backend_key_data(std::string_view body);
std::expected<ReadyForQuery, ProtocolError> decode_ready_for_query(std::string_view body);
std::expected<RowDescription, ProtocolError> decode_row_description(std::string_view body);
std::expected<DataRow, ProtocolError> decode_data_row(std::string_view body);
std::expected<CommandComplete, ProtocolError> decode_command_complete(std::string_view body);
std::expected<EmptyQueryResponse, ProtocolError> decode_empty_query_response(std::string_view body);
std::expected<ErrorResponse, ProtocolError> decode_error_response(std::string_view body);
std::expected<NoticeResponse, ProtocolError> decode_notice_response(std::string_view body);
std::expected<NotificationResponse, ProtocolError> decode_notification_response(std::string_view body);
std::expected<CopyInResponse, ProtocolError> decode_copy_in_response(std::string_view body);
std::expected<CopyOutResponse, ProtocolError> decode_copy_out_response(std::string_view body);
std::expected<CopyBothResponse, ProtocolError> decode_copy_both_response(std::string_view body);
std::expected<ParseComplete, ProtocolError> decode_parse_complete(std::string_view body);
std::expected<BindComplete, ProtocolError> decode_bind_complete(std::string_view body);
std::expected<CloseComplete, ProtocolError> decode_close_complete(std::string_view body);
std::expected<NoData, ProtocolError> decode_no_data(std::string_view body);
std::expected<PortalSuspended, ProtocolError> decode_portal_suspended(std::string_view body);
std::expected<ParameterDescription, ProtocolError> decode_parameter_description(std::string_view body);
std::expected<FunctionCallResponse, ProtocolError> decode_function_call_response(std::string_view body);
std::expected<NegotiateProtocolVersion, ProtocolError> decode_negotiate_protocol_version(std::string_view body);

// Shortcuts for the messages the proxy writes itself.
// ErrorResponse with severity (S and V), SQLSTATE (C) and message (M).
void encode_error_response(std::string& out, std::string_view severity, std::string_view sqlstate,
                           std::string_view message);
void encode_backend_key_data(std::string& out, std::int32_t process_id, std::uint32_t secret_key);
void encode_ready_for_query(std::string& out, char status);
void encode_authentication_sasl(std::string& out, const std::vector<std::string>& mechanisms);
// The mechanism names of an AuthenticationSASL body after its int32 code 10.
std::expected<std::vector<std::string>, ProtocolError> decode_sasl_mechanisms(std::string_view body);

}  // namespace tandem::pgwire

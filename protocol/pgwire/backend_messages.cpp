// Encoders and decoders of the server's messages.
#include "protocol/pgwire/backend_messages.hpp"

#include "protocol/pgwire/wire_buffer.hpp"

namespace tandem::pgwire {
namespace {

template <class T>
std::expected<T, ProtocolError> empty_body(std::string_view body, std::string_view name) {
  WireReader r(body, name);
  return r.finish(T{});
}

// A list of cstrings ended by an empty one.
std::vector<std::string> read_string_list(WireReader& r, std::string_view what) {
  std::vector<std::string> out;
  for (;;) {
    std::string s = r.cstring(what);
    if (!r.ok() || s.empty()) break;
    out.push_back(std::move(s));
  }
  return out;
}

void encode_fields(std::string& out, char type, const ErrorFields& m) {
  WireWriter w(out, type);
  for (const auto& [code, value] : m.fields) {
    w.u8(static_cast<std::uint8_t>(code));
    // A NUL inside a field would end it early on the client; drop it.
    std::string clean;
    clean.reserve(value.size());
    for (char c : value) {
      if (c != '\0') clean.push_back(c);
    }
    w.cstring(clean);
  }
  w.u8(0);
}

template <class T>
std::expected<T, ProtocolError> decode_fields(std::string_view body, std::string_view name) {
  WireReader r(body, name);
  T m;
  for (;;) {
    const char code = static_cast<char>(r.u8("field code"));
    if (!r.ok() || code == '\0') break;
    m.fields.emplace_back(code, r.cstring(std::string("field '") + code + "'"));
  }
  return r.finish(std::move(m));
}

void encode_copy(std::string& out, char type, const CopyResponse& m) {
  WireWriter w(out, type);
  w.u8(static_cast<std::uint8_t>(m.format)).i16(static_cast<std::int16_t>(m.column_formats.size()));
  for (auto f : m.column_formats) w.i16(f);
}

template <class T>
std::expected<T, ProtocolError> decode_copy(std::string_view body, std::string_view name) {
  WireReader r(body, name);
  T m;
  m.format = static_cast<std::int8_t>(r.u8("format"));
  if (r.ok() && m.format != 0 && m.format != 1) r.fail("format " + std::to_string(m.format) + " is not 0 or 1");
  m.column_formats.resize(r.count16("column count", 2));
  for (auto& f : m.column_formats) {
    f = r.i16("column format");
    if (r.ok() && f != 0 && f != 1) r.fail("column format " + std::to_string(f) + " is not 0 or 1");
  }
  return r.finish(std::move(m));
}

}  // namespace

std::string_view ErrorFields::get(char code) const {
  for (const auto& [c, v] : fields) {
    if (c == code) return v;
  }
  return {};
}

void encode(std::string& out, const Authentication& m) {
  WireWriter w(out, 'R');
  std::visit(
      [&w](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, AuthenticationOk>)
          w.i32(0);
        else if constexpr (std::is_same_v<A, AuthenticationKerberosV5>)
          w.i32(2);
        else if constexpr (std::is_same_v<A, AuthenticationCleartextPassword>)
          w.i32(3);
        else if constexpr (std::is_same_v<A, AuthenticationMd5Password>)
          w.i32(5).bytes({a.salt.data(), 4});
        else if constexpr (std::is_same_v<A, AuthenticationGss>)
          w.i32(7);
        else if constexpr (std::is_same_v<A, AuthenticationGssContinue>)
          w.i32(8).bytes(a.data);
        else if constexpr (std::is_same_v<A, AuthenticationSspi>)
          w.i32(9);
        else if constexpr (std::is_same_v<A, AuthenticationSasl>) {
          w.i32(10);
          for (const auto& mech : a.mechanisms) w.cstring(mech);
          w.u8(0);
        } else if constexpr (std::is_same_v<A, AuthenticationSaslContinue>)
          w.i32(11).bytes(a.data);
        else
          w.i32(12).bytes(a.data);
      },
      m);
}

std::expected<Authentication, ProtocolError> decode_authentication(std::string_view body) {
  WireReader r(body, "Authentication");
  const std::int32_t code = r.i32("request code");
  if (!r.ok()) return r.finish(Authentication{});
  switch (code) {
    case 0:
      return r.finish(Authentication{AuthenticationOk{}});
    case 2:
      return r.finish(Authentication{AuthenticationKerberosV5{}});
    case 3:
      return r.finish(Authentication{AuthenticationCleartextPassword{}});
    case 5: {
      AuthenticationMd5Password m;
      const auto salt = r.bytes(4, "salt");
      if (r.ok()) std::copy(salt.begin(), salt.end(), m.salt.begin());
      return r.finish(Authentication{m});
    }
    case 7:
      return r.finish(Authentication{AuthenticationGss{}});
    case 8:
      return Authentication{AuthenticationGssContinue{r.rest()}};
    case 9:
      return r.finish(Authentication{AuthenticationSspi{}});
    case 10: {
      AuthenticationSasl m;
      m.mechanisms = read_string_list(r, "mechanism");
      if (r.ok() && m.mechanisms.empty()) r.fail("no SASL mechanism offered");
      return r.finish(Authentication{std::move(m)});
    }
    case 11:
      return Authentication{AuthenticationSaslContinue{r.rest()}};
    case 12:
      return Authentication{AuthenticationSaslFinal{r.rest()}};
    default:
      r.fail("unknown request code " + std::to_string(code));
      return r.finish(Authentication{});
  }
}

void encode(std::string& out, const ParameterStatus& m) { WireWriter(out, 'S').cstring(m.name).cstring(m.value); }
std::expected<ParameterStatus, ProtocolError> decode_parameter_status(std::string_view body) {
  WireReader r(body, "ParameterStatus");
  ParameterStatus m;
  m.name = r.cstring("name");
  m.value = r.cstring("value");
  return r.finish(std::move(m));
}

void encode(std::string& out, const BackendKeyData& m) {
  WireWriter(out, 'K').i32(m.process_id).i32(static_cast<std::int32_t>(m.secret_key));
}
std::expected<BackendKeyData, ProtocolError> decode_backend_key_data(std::string_view body) {
  WireReader r(body, "BackendKeyData");
  BackendKeyData m;
  m.process_id = r.i32("process id");
  m.secret_key = r.u32("secret key");
  return r.finish(m);
}

void encode(std::string& out, const ReadyForQuery& m) { WireWriter(out, 'Z').u8(static_cast<std::uint8_t>(m.status)); }
std::expected<ReadyForQuery, ProtocolError> decode_ready_for_query(std::string_view body) {
  WireReader r(body, "ReadyForQuery");
  ReadyForQuery m{static_cast<char>(r.u8("status"))};
  if (r.ok() && m.status != 'I' && m.status != 'T' && m.status != 'E') {
    r.fail(std::string("status '") + m.status + "' is not I, T or E");
  }
  return r.finish(m);
}

void encode(std::string& out, const RowDescription& m) {
  WireWriter w(out, 'T');
  w.i16(static_cast<std::int16_t>(m.fields.size()));
  for (const auto& f : m.fields) {
    w.cstring(f.name).i32(static_cast<std::int32_t>(f.table_oid)).i16(f.column);
    w.i32(static_cast<std::int32_t>(f.type_oid)).i16(f.type_size).i32(f.type_modifier).i16(f.format);
  }
}
std::expected<RowDescription, ProtocolError> decode_row_description(std::string_view body) {
  WireReader r(body, "RowDescription");
  RowDescription m;
  m.fields.resize(r.count16("field count", 19));
  for (std::size_t i = 0; i < m.fields.size() && r.ok(); ++i) {
    auto& f = m.fields[i];
    const auto at = "field " + std::to_string(i + 1);
    f.name = r.cstring(at);
    f.table_oid = r.u32(at);
    f.column = r.i16(at);
    f.type_oid = r.u32(at);
    f.type_size = r.i16(at);
    f.type_modifier = r.i32(at);
    f.format = r.i16(at);
  }
  return r.finish(std::move(m));
}

void encode(std::string& out, const DataRow& m) {
  WireWriter w(out, 'D');
  w.i16(static_cast<std::int16_t>(m.values.size()));
  for (const auto& v : m.values) w.counted(v);
}
std::expected<DataRow, ProtocolError> decode_data_row(std::string_view body) {
  WireReader r(body, "DataRow");
  DataRow m;
  m.values.resize(r.count16("column count", 4));
  for (std::size_t i = 0; i < m.values.size() && r.ok(); ++i)
    m.values[i] = r.counted("column " + std::to_string(i + 1));
  return r.finish(std::move(m));
}

void encode(std::string& out, const CommandComplete& m) { WireWriter(out, 'C').cstring(m.tag); }
std::expected<CommandComplete, ProtocolError> decode_command_complete(std::string_view body) {
  WireReader r(body, "CommandComplete");
  CommandComplete m{r.cstring("tag")};
  return r.finish(std::move(m));
}

void encode(std::string& out, const EmptyQueryResponse&) { WireWriter(out, 'I'); }
std::expected<EmptyQueryResponse, ProtocolError> decode_empty_query_response(std::string_view body) {
  return empty_body<EmptyQueryResponse>(body, "EmptyQueryResponse");
}

void encode(std::string& out, const ErrorResponse& m) { encode_fields(out, 'E', m); }
void encode(std::string& out, const NoticeResponse& m) { encode_fields(out, 'N', m); }
std::expected<ErrorResponse, ProtocolError> decode_error_response(std::string_view body) {
  return decode_fields<ErrorResponse>(body, "ErrorResponse");
}
std::expected<NoticeResponse, ProtocolError> decode_notice_response(std::string_view body) {
  return decode_fields<NoticeResponse>(body, "NoticeResponse");
}

void encode(std::string& out, const NotificationResponse& m) {
  WireWriter(out, 'A').i32(m.process_id).cstring(m.channel).cstring(m.payload);
}
std::expected<NotificationResponse, ProtocolError> decode_notification_response(std::string_view body) {
  WireReader r(body, "NotificationResponse");
  NotificationResponse m;
  m.process_id = r.i32("process id");
  m.channel = r.cstring("channel");
  m.payload = r.cstring("payload");
  return r.finish(std::move(m));
}

void encode(std::string& out, const CopyInResponse& m) { encode_copy(out, 'G', m); }
void encode(std::string& out, const CopyOutResponse& m) { encode_copy(out, 'H', m); }
void encode(std::string& out, const CopyBothResponse& m) { encode_copy(out, 'W', m); }
std::expected<CopyInResponse, ProtocolError> decode_copy_in_response(std::string_view body) {
  return decode_copy<CopyInResponse>(body, "CopyInResponse");
}
std::expected<CopyOutResponse, ProtocolError> decode_copy_out_response(std::string_view body) {
  return decode_copy<CopyOutResponse>(body, "CopyOutResponse");
}
std::expected<CopyBothResponse, ProtocolError> decode_copy_both_response(std::string_view body) {
  return decode_copy<CopyBothResponse>(body, "CopyBothResponse");
}

void encode(std::string& out, const ParseComplete&) { WireWriter(out, '1'); }
void encode(std::string& out, const BindComplete&) { WireWriter(out, '2'); }
void encode(std::string& out, const CloseComplete&) { WireWriter(out, '3'); }
void encode(std::string& out, const NoData&) { WireWriter(out, 'n'); }
void encode(std::string& out, const PortalSuspended&) { WireWriter(out, 's'); }
std::expected<ParseComplete, ProtocolError> decode_parse_complete(std::string_view b) {
  return empty_body<ParseComplete>(b, "ParseComplete");
}
std::expected<BindComplete, ProtocolError> decode_bind_complete(std::string_view b) {
  return empty_body<BindComplete>(b, "BindComplete");
}
std::expected<CloseComplete, ProtocolError> decode_close_complete(std::string_view b) {
  return empty_body<CloseComplete>(b, "CloseComplete");
}
std::expected<NoData, ProtocolError> decode_no_data(std::string_view b) { return empty_body<NoData>(b, "NoData"); }
std::expected<PortalSuspended, ProtocolError> decode_portal_suspended(std::string_view b) {
  return empty_body<PortalSuspended>(b, "PortalSuspended");
}

void encode(std::string& out, const ParameterDescription& m) {
  WireWriter w(out, 't');
  w.i16(static_cast<std::int16_t>(m.type_oids.size()));
  for (auto t : m.type_oids) w.i32(static_cast<std::int32_t>(t));
}
std::expected<ParameterDescription, ProtocolError> decode_parameter_description(std::string_view body) {
  WireReader r(body, "ParameterDescription");
  ParameterDescription m;
  m.type_oids.resize(r.count16("parameter count", 4));
  for (auto& t : m.type_oids) t = r.u32("parameter type");
  return r.finish(std::move(m));
}

void encode(std::string& out, const FunctionCallResponse& m) { WireWriter(out, 'V').counted(m.result); }
std::expected<FunctionCallResponse, ProtocolError> decode_function_call_response(std::string_view body) {
  WireReader r(body, "FunctionCallResponse");
  FunctionCallResponse m{r.counted("result")};
  return r.finish(std::move(m));
}

void encode(std::string& out, const NegotiateProtocolVersion& m) {
  WireWriter w(out, 'v');
  w.i32(m.newest_minor).i32(static_cast<std::int32_t>(m.unrecognized_options.size()));
  for (const auto& o : m.unrecognized_options) w.cstring(o);
}
std::expected<NegotiateProtocolVersion, ProtocolError> decode_negotiate_protocol_version(std::string_view body) {
  WireReader r(body, "NegotiateProtocolVersion");
  NegotiateProtocolVersion m;
  m.newest_minor = r.i32("newest minor version");
  const std::int32_t n = r.i32("option count");
  if (r.ok() && (n < 0 || static_cast<std::size_t>(n) > r.remaining())) {
    r.fail("option count " + std::to_string(n) + " is invalid");
  }
  for (std::int32_t i = 0; i < n && r.ok(); ++i) m.unrecognized_options.push_back(r.cstring("option"));
  return r.finish(std::move(m));
}

void encode_error_response(std::string& out, std::string_view severity, std::string_view sqlstate,
                           std::string_view message) {
  ErrorResponse e;
  e.fields = {{'S', std::string(severity)},
              {'V', std::string(severity)},
              {'C', std::string(sqlstate)},
              {'M', std::string(message)}};
  encode(out, e);
}

void encode_backend_key_data(std::string& out, std::int32_t process_id, std::uint32_t secret_key) {
  encode(out, BackendKeyData{process_id, secret_key});
}

void encode_ready_for_query(std::string& out, char status) { encode(out, ReadyForQuery{status}); }

void encode_authentication_sasl(std::string& out, const std::vector<std::string>& mechanisms) {
  encode(out, Authentication{AuthenticationSasl{mechanisms}});
}

std::expected<std::vector<std::string>, ProtocolError> decode_sasl_mechanisms(std::string_view body) {
  WireReader r(body, "AuthenticationSASL");
  auto mechanisms = read_string_list(r, "mechanism");
  return r.finish(std::move(mechanisms));
}

}  // namespace tandem::pgwire

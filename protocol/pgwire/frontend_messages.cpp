// Encoders and decoders of the client's messages.
#include "protocol/pgwire/frontend_messages.hpp"

#include "protocol/pgwire/wire_buffer.hpp"

namespace tandem::pgwire {
namespace {

char read_kind(WireReader& r) {
  const char kind = static_cast<char>(r.u8("kind"));
  if (r.ok() && kind != 'S' && kind != 'P') r.fail(std::string("kind '") + kind + "' is neither 'S' nor 'P'");
  return kind;
}

template <class T>
std::expected<T, ProtocolError> empty_body(std::string_view body, std::string_view name) {
  WireReader r(body, name);
  return r.finish(T{});
}

void formats(WireWriter& w, const std::vector<std::int16_t>& f) {
  w.i16(static_cast<std::int16_t>(f.size()));
  for (auto x : f) w.i16(x);
}

std::vector<std::int16_t> read_formats(WireReader& r, std::string_view what) {
  std::vector<std::int16_t> f(r.count16(what, 2));
  for (auto& x : f) {
    x = r.i16(what);
    if (r.ok() && x != 0 && x != 1) r.fail(std::string(what) + " format " + std::to_string(x) + " is not 0 or 1");
  }
  return f;
}

std::vector<Value> read_values(WireReader& r, std::string_view what) {
  std::vector<Value> v(r.count16(what, 4));
  for (std::size_t i = 0; i < v.size() && r.ok(); ++i)
    v[i] = r.counted(std::string(what) + " " + std::to_string(i + 1));
  return v;
}

}  // namespace

void encode(std::string& out, const Query& m) { WireWriter(out, 'Q').cstring(m.sql); }
void encode(std::string& out, const Parse& m) {
  WireWriter w(out, 'P');
  w.cstring(m.name).cstring(m.query).i16(static_cast<std::int16_t>(m.parameter_types.size()));
  for (auto t : m.parameter_types) w.i32(static_cast<std::int32_t>(t));
}
void encode(std::string& out, const Bind& m) {
  WireWriter w(out, 'B');
  w.cstring(m.portal).cstring(m.statement);
  formats(w, m.parameter_formats);
  w.i16(static_cast<std::int16_t>(m.parameters.size()));
  for (const auto& p : m.parameters) w.counted(p);
  formats(w, m.result_formats);
}
void encode(std::string& out, const Describe& m) {
  WireWriter(out, 'D').u8(static_cast<std::uint8_t>(m.kind)).cstring(m.name);
}
void encode(std::string& out, const Execute& m) { WireWriter(out, 'E').cstring(m.portal).i32(m.max_rows); }
void encode(std::string& out, const Close& m) {
  WireWriter(out, 'C').u8(static_cast<std::uint8_t>(m.kind)).cstring(m.name);
}
void encode(std::string& out, const Sync&) { WireWriter(out, 'S'); }
void encode(std::string& out, const Flush&) { WireWriter(out, 'H'); }
void encode(std::string& out, const Terminate&) { WireWriter(out, 'X'); }
void encode(std::string& out, const FunctionCall& m) {
  WireWriter w(out, 'F');
  w.i32(static_cast<std::int32_t>(m.function_oid));
  formats(w, m.argument_formats);
  w.i16(static_cast<std::int16_t>(m.arguments.size()));
  for (const auto& a : m.arguments) w.counted(a);
  w.i16(m.result_format);
}
void encode(std::string& out, const CopyData& m) { WireWriter(out, 'd').bytes(m.data); }
void encode(std::string& out, const CopyDone&) { WireWriter(out, 'c'); }
void encode(std::string& out, const CopyFail& m) { WireWriter(out, 'f').cstring(m.message); }
void encode(std::string& out, const PasswordMessage& m) { WireWriter(out, 'p').cstring(m.password); }
void encode(std::string& out, const SaslInitialResponse& m) {
  WireWriter(out, 'p').cstring(m.mechanism).counted(m.data);
}
void encode(std::string& out, const SaslResponse& m) { WireWriter(out, 'p').bytes(m.data); }
void encode(std::string& out, const GssResponse& m) { WireWriter(out, 'p').bytes(m.data); }

std::expected<Query, ProtocolError> decode_query(std::string_view body) {
  WireReader r(body, "Query");
  Query m{r.cstring("query text")};
  return r.finish(std::move(m));
}

std::expected<Parse, ProtocolError> decode_parse(std::string_view body) {
  WireReader r(body, "Parse");
  Parse m;
  m.name = r.cstring("statement name");
  m.query = r.cstring("query text");
  m.parameter_types.resize(r.count16("parameter type count", 4));
  for (auto& t : m.parameter_types) t = r.u32("parameter type");
  return r.finish(std::move(m));
}

std::expected<Bind, ProtocolError> decode_bind(std::string_view body) {
  WireReader r(body, "Bind");
  Bind m;
  m.portal = r.cstring("portal name");
  m.statement = r.cstring("statement name");
  m.parameter_formats = read_formats(r, "parameter");
  m.parameters = read_values(r, "parameter");
  m.result_formats = read_formats(r, "result");
  if (r.ok() && m.parameter_formats.size() > 1 && m.parameter_formats.size() != m.parameters.size()) {
    r.fail(std::to_string(m.parameter_formats.size()) + " parameter formats for " +
           std::to_string(m.parameters.size()) + " parameters");
  }
  return r.finish(std::move(m));
}

std::expected<Describe, ProtocolError> decode_describe(std::string_view body) {
  WireReader r(body, "Describe");
  Describe m;
  m.kind = read_kind(r);
  m.name = r.cstring("name");
  return r.finish(std::move(m));
}

std::expected<Execute, ProtocolError> decode_execute(std::string_view body) {
  WireReader r(body, "Execute");
  Execute m;
  m.portal = r.cstring("portal name");
  m.max_rows = r.i32("row limit");
  if (r.ok() && m.max_rows < 0) r.fail("row limit " + std::to_string(m.max_rows) + " is negative");
  return r.finish(std::move(m));
}

std::expected<Close, ProtocolError> decode_close(std::string_view body) {
  WireReader r(body, "Close");
  Close m;
  m.kind = read_kind(r);
  m.name = r.cstring("name");
  return r.finish(std::move(m));
}

std::expected<Sync, ProtocolError> decode_sync(std::string_view body) { return empty_body<Sync>(body, "Sync"); }
std::expected<Flush, ProtocolError> decode_flush(std::string_view body) { return empty_body<Flush>(body, "Flush"); }
std::expected<Terminate, ProtocolError> decode_terminate(std::string_view body) {
  return empty_body<Terminate>(body, "Terminate");
}
std::expected<CopyDone, ProtocolError> decode_copy_done(std::string_view body) {
  return empty_body<CopyDone>(body, "CopyDone");
}

std::expected<FunctionCall, ProtocolError> decode_function_call(std::string_view body) {
  WireReader r(body, "FunctionCall");
  FunctionCall m;
  m.function_oid = r.u32("function oid");
  m.argument_formats = read_formats(r, "argument");
  m.arguments = read_values(r, "argument");
  m.result_format = r.i16("result format");
  if (r.ok() && m.result_format != 0 && m.result_format != 1) {
    r.fail("result format " + std::to_string(m.result_format) + " is not 0 or 1");
  }
  return r.finish(std::move(m));
}

std::expected<CopyData, ProtocolError> decode_copy_data(std::string_view body) { return CopyData{std::string(body)}; }

std::expected<CopyFail, ProtocolError> decode_copy_fail(std::string_view body) {
  WireReader r(body, "CopyFail");
  CopyFail m{r.cstring("message")};
  return r.finish(std::move(m));
}

std::expected<PasswordMessage, ProtocolError> decode_password_message(std::string_view body) {
  WireReader r(body, "PasswordMessage");
  PasswordMessage m{r.cstring("password")};
  return r.finish(std::move(m));
}

std::expected<SaslInitialResponse, ProtocolError> decode_sasl_initial_response(std::string_view body) {
  WireReader r(body, "SASLInitialResponse");
  SaslInitialResponse m;
  m.mechanism = r.cstring("mechanism");
  m.data = r.counted("initial response");
  return r.finish(std::move(m));
}

std::expected<SaslResponse, ProtocolError> decode_sasl_response(std::string_view body) {
  return SaslResponse{std::string(body)};
}

std::expected<GssResponse, ProtocolError> decode_gss_response(std::string_view body) {
  return GssResponse{std::string(body)};
}

}  // namespace tandem::pgwire

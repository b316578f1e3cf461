// Unit tests of every protocol 3.0 message codec: round trips, exact bytes, truncation and
// trailing garbage.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/frontend_messages.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::pgwire;

namespace {

std::string body_of(const std::string& framed) { return framed.substr(5); }

// Encodes `m`, checks the frame's type and length, decodes the body and compares; then checks
// that every shorter body and the body plus one byte are refused with an error naming `name`.
template <class T, class Decode, class Same>
void check_codec(const T& m, char type, Decode decode, Same same, std::string_view name, bool prefixes_invalid = true) {
  CAPTURE(name);
  std::string framed;
  encode(framed, m);
  REQUIRE(framed.size() >= 5);
  CHECK(framed[0] == type);
  const auto len = (static_cast<unsigned char>(framed[1]) << 24) | (static_cast<unsigned char>(framed[2]) << 16) |
                   (static_cast<unsigned char>(framed[3]) << 8) | static_cast<unsigned char>(framed[4]);
  CHECK(static_cast<std::size_t>(len) == framed.size() - 1);
  const std::string body = body_of(framed);
  auto decoded = decode(body);
  REQUIRE_VALUE(decoded, decoded.error().message);
  CHECK(same(*decoded, m));
  if (!prefixes_invalid) return;
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    CAPTURE(cut);
    auto truncated = decode(body.substr(0, cut));
    REQUIRE_FALSE(truncated.has_value());
    CHECK(truncated.error().message.find(name) == 0);
  }
  auto trailing = decode(body + "x");
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().message.find(name) == 0);
}

}  // namespace

TEST_CASE("frontend messages round-trip and refuse truncated or padded bodies") {
  check_codec(
      Query{"select 1"}, 'Q', decode_query, [](auto& a, auto& b) { return a.sql == b.sql; }, "Query");
  check_codec(
      Parse{"s1", "select $1::int", {23, 25}}, 'P', decode_parse,
      [](auto& a, auto& b) { return a.name == b.name && a.query == b.query && a.parameter_types == b.parameter_types; },
      "Parse");
  Bind bind{"p", "s1", {0, 1}, {std::string("42"), std::nullopt}, {1}};
  check_codec(
      bind, 'B', decode_bind,
      [](auto& a, auto& b) {
        return a.portal == b.portal && a.statement == b.statement && a.parameter_formats == b.parameter_formats &&
               a.parameters == b.parameters && a.result_formats == b.result_formats;
      },
      "Bind");
  check_codec(
      Describe{'P', "p"}, 'D', decode_describe, [](auto& a, auto& b) { return a.kind == b.kind && a.name == b.name; },
      "Describe");
  check_codec(
      Execute{"p", 100}, 'E', decode_execute,
      [](auto& a, auto& b) { return a.portal == b.portal && a.max_rows == b.max_rows; }, "Execute");
  check_codec(
      Close{'S', "s1"}, 'C', decode_close, [](auto& a, auto& b) { return a.kind == b.kind && a.name == b.name; },
      "Close");
  check_codec(
      FunctionCall{1598, {0}, {std::string("x")}, 1}, 'F', decode_function_call,
      [](auto& a, auto& b) {
        return a.function_oid == b.function_oid && a.arguments == b.arguments && a.result_format == b.result_format;
      },
      "FunctionCall");
  check_codec(
      CopyFail{"client gave up"}, 'f', decode_copy_fail, [](auto& a, auto& b) { return a.message == b.message; },
      "CopyFail");
  check_codec(
      PasswordMessage{"md5abc"}, 'p', decode_password_message,
      [](auto& a, auto& b) { return a.password == b.password; }, "PasswordMessage");
  check_codec(
      SaslInitialResponse{"SCRAM-SHA-256", std::string("n,,n=,r=abc")}, 'p', decode_sasl_initial_response,
      [](auto& a, auto& b) { return a.mechanism == b.mechanism && a.data == b.data; }, "SASLInitialResponse");
  check_codec(
      SaslInitialResponse{"X", std::nullopt}, 'p', decode_sasl_initial_response,
      [](auto& a, auto& b) { return a.data == b.data; }, "SASLInitialResponse");
}

TEST_CASE("frontend messages without fields and raw-byte bodies") {
  std::string out;
  encode(out, Sync{});
  encode(out, Flush{});
  encode(out, Terminate{});
  encode(out, CopyDone{});
  CHECK(out == std::string("S\0\0\0\4H\0\0\0\4X\0\0\0\4c\0\0\0\4", 20));
  CHECK(decode_sync("").has_value());
  CHECK(decode_sync("x").error().message.find("Sync") == 0);
  CHECK(decode_terminate("xy").error().message.find("Terminate") == 0);
  std::string copy;
  encode(copy, CopyData{std::string("a\0b", 3)});
  CHECK(decode_copy_data(body_of(copy))->data == std::string("a\0b", 3));
  CHECK(decode_sasl_response("c=biws,r=x")->data == "c=biws,r=x");
  CHECK(decode_gss_response(std::string("\0\1", 2))->data.size() == 2);
}

TEST_CASE("invalid field values are refused with the message and the field named") {
  std::string b;
  encode(b, Bind{"", "", {}, {std::string("x")}, {}});
  std::string body = body_of(b);
  // parameter length -5
  const auto at = body.find(std::string("\0\0\0\1x", 5));
  REQUIRE(at != std::string::npos);
  body.replace(at, 4, std::string("\xff\xff\xff\xfb", 4));
  CHECK(decode_bind(body).error().message == "Bind: parameter 1 length -5 is invalid");
  CHECK(decode_describe(std::string("X\0", 2)).error().message == "Describe: kind 'X' is neither 'S' nor 'P'");
  CHECK(decode_execute(std::string("\0\xff\xff\xff\xff", 5)).error().message == "Execute: row limit -1 is negative");
  std::string two_formats_one_param;
  encode(two_formats_one_param, Bind{"", "", {0, 0, 0}, {std::string("1")}, {}});
  CHECK(decode_bind(body_of(two_formats_one_param)).error().message == "Bind: 3 parameter formats for 1 parameters");
  std::string bad_format;
  encode(bad_format, Bind{"", "", {7}, {}, {}});
  CHECK(decode_bind(body_of(bad_format)).error().message == "Bind: parameter format 7 is not 0 or 1");
  // A huge declared count is refused before anything is allocated for it.
  CHECK(decode_parse(std::string("\0\0\x7f\xff", 4)).error().message.find("Parse: truncated") == 0);
}

TEST_CASE("backend messages round-trip and refuse truncated or padded bodies") {
  check_codec(
      ParameterStatus{"TimeZone", "UTC"}, 'S', decode_parameter_status,
      [](auto& a, auto& b) { return a.name == b.name && a.value == b.value; }, "ParameterStatus");
  check_codec(
      BackendKeyData{1234, 0xfedcba98}, 'K', decode_backend_key_data,
      [](auto& a, auto& b) { return a.process_id == b.process_id && a.secret_key == b.secret_key; }, "BackendKeyData");
  check_codec(
      ReadyForQuery{'T'}, 'Z', decode_ready_for_query, [](auto& a, auto& b) { return a.status == b.status; },
      "ReadyForQuery");
  RowDescription rd{
      {FieldDescription{"id", 16384, 1, 23, 4, -1, 0}, FieldDescription{"name", 16384, 2, 25, -1, -1, 1}}};
  check_codec(
      rd, 'T', decode_row_description,
      [](auto& a, auto& b) {
        if (a.fields.size() != b.fields.size()) return false;
        for (std::size_t i = 0; i < a.fields.size(); ++i) {
          const auto &x = a.fields[i], &y = b.fields[i];
          if (x.name != y.name || x.table_oid != y.table_oid || x.column != y.column || x.type_oid != y.type_oid ||
              x.type_size != y.type_size || x.type_modifier != y.type_modifier || x.format != y.format)
            return false;
        }
        return true;
      },
      "RowDescription");
  check_codec(
      DataRow{{std::string("1"), std::nullopt, std::string("")}}, 'D', decode_data_row,
      [](auto& a, auto& b) { return a.values == b.values; }, "DataRow");
  check_codec(
      CommandComplete{"INSERT 0 1"}, 'C', decode_command_complete, [](auto& a, auto& b) { return a.tag == b.tag; },
      "CommandComplete");
  ErrorResponse e;
  e.fields = {{'S', "ERROR"}, {'V', "ERROR"}, {'C', "42P01"}, {'M', "relation \"t\" does not exist"}, {'P', "15"}};
  check_codec(
      e, 'E', decode_error_response, [](auto& a, auto& b) { return a.fields == b.fields; }, "ErrorResponse");
  NoticeResponse n;
  n.fields = {{'S', "NOTICE"}, {'M', "hi"}};
  check_codec(
      n, 'N', decode_notice_response, [](auto& a, auto& b) { return a.fields == b.fields; }, "NoticeResponse");
  check_codec(
      NotificationResponse{77, "chan", "payload"}, 'A', decode_notification_response,
      [](auto& a, auto& b) { return a.process_id == b.process_id && a.channel == b.channel && a.payload == b.payload; },
      "NotificationResponse");
  CopyInResponse ci;
  ci.format = 0;
  ci.column_formats = {0, 0};
  check_codec(
      ci, 'G', decode_copy_in_response, [](auto& a, auto& b) { return a.column_formats == b.column_formats; },
      "CopyInResponse");
  CopyOutResponse co;
  co.format = 1;
  co.column_formats = {1};
  check_codec(
      co, 'H', decode_copy_out_response, [](auto& a, auto& b) { return a.format == b.format; }, "CopyOutResponse");
  CopyBothResponse cb;
  check_codec(
      cb, 'W', decode_copy_both_response, [](auto& a, auto& b) { return a.format == b.format; }, "CopyBothResponse");
  check_codec(
      ParameterDescription{{23, 25, 1043}}, 't', decode_parameter_description,
      [](auto& a, auto& b) { return a.type_oids == b.type_oids; }, "ParameterDescription");
  check_codec(
      FunctionCallResponse{std::string("r")}, 'V', decode_function_call_response,
      [](auto& a, auto& b) { return a.result == b.result; }, "FunctionCallResponse");
  check_codec(
      NegotiateProtocolVersion{0, {"_pq_.x"}}, 'v', decode_negotiate_protocol_version,
      [](auto& a, auto& b) {
        return a.newest_minor == b.newest_minor && a.unrecognized_options == b.unrecognized_options;
      },
      "NegotiateProtocolVersion");
}

TEST_CASE("every authentication request round-trips") {
  const std::vector<Authentication> all = {AuthenticationOk{},
                                           AuthenticationKerberosV5{},
                                           AuthenticationCleartextPassword{},
                                           AuthenticationMd5Password{{'a', 'b', 'c', 'd'}},
                                           AuthenticationGss{},
                                           AuthenticationGssContinue{"tok"},
                                           AuthenticationSspi{},
                                           AuthenticationSasl{{"SCRAM-SHA-256"}},
                                           AuthenticationSaslContinue{"r=x,s=y,i=4096"},
                                           AuthenticationSaslFinal{"v=abc"}};
  for (const auto& a : all) {
    std::string out;
    encode(out, a);
    CHECK(out[0] == 'R');
    auto d = decode_authentication(body_of(out));
    REQUIRE_VALUE(d, d.error().message);
    CHECK(d->index() == a.index());
  }
  CHECK(std::get<AuthenticationMd5Password>(*decode_authentication(std::string("\0\0\0\5wxyz", 8))).salt[3] == 'z');
  CHECK(decode_authentication(std::string("\0\0\0\5wx", 6)).error().message == "Authentication: truncated at salt");
  CHECK(decode_authentication(std::string("\0\0\0\x63", 4)).error().message ==
        "Authentication: unknown request code 99");
  CHECK(decode_authentication(std::string("\0\0\0\x0a\0", 5)).error().message ==
        "Authentication: no SASL mechanism offered");
  CHECK(decode_authentication(std::string("\0\0", 2)).error().message == "Authentication: truncated at request code");
}

TEST_CASE("backend messages with invalid values are refused") {
  CHECK(decode_ready_for_query("Q").error().message == "ReadyForQuery: status 'Q' is not I, T or E");
  CHECK(decode_data_row(std::string("\xff\xff", 2)).error().message == "DataRow: column count -1 is negative");
  CHECK(decode_data_row(std::string("\0\1\0\0\0\x09"
                                    "abc",
                                    9))
            .error()
            .message == "DataRow: truncated at column 1");
  CHECK(decode_copy_in_response(std::string("\2\0\0", 3)).error().message == "CopyInResponse: format 2 is not 0 or 1");
  CHECK(decode_error_response(std::string("SERROR", 6)).error().message ==
        "ErrorResponse: unterminated string at field 'S'");
}

TEST_CASE("the error shortcut and the exact bytes of common replies") {
  std::string out;
  encode(out, ParseComplete{});
  encode(out, BindComplete{});
  encode(out, CloseComplete{});
  encode(out, NoData{});
  encode(out, PortalSuspended{});
  encode(out, EmptyQueryResponse{});
  CHECK(out == std::string("1\0\0\0\4"
                           "2\0\0\0\4"
                           "3\0\0\0\4"
                           "n\0\0\0\4"
                           "s\0\0\0\4"
                           "I\0\0\0\4",
                           30));
  std::string err;
  encode_error_response(err, "FATAL", "08P01", "bad");
  auto e = decode_error_response(body_of(err));
  REQUIRE(e.has_value());
  CHECK(e->severity() == "FATAL");
  CHECK(e->sqlstate() == "08P01");
  CHECK(e->message() == "bad");
}

// A tiny blocking HTTP/1.1 client for the admin port, plus readers for its Prometheus text and JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tandem::it {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends one request to 127.0.0.1:port with `Connection: close` and reads the whole response;
// the error is a description (connect failure, timeout, malformed response).
std::expected<HttpResponse, std::string> http_request(
    std::uint16_t port, std::string_view method, std::string_view target, const HttpHeaders& headers = {},
    std::string_view body = {}, std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

std::expected<HttpResponse, std::string> http_get(std::uint16_t port, std::string_view target);
std::expected<HttpResponse, std::string> http_post(std::uint16_t port, std::string_view target,
                                                   const HttpHeaders& headers = {});

// The value of the sample `name` whose labels include every pair of `labels`, in Prometheus text
// exposition format; nullopt when no such sample exists.
std::optional<double> prometheus_sample(std::string_view text, std::string_view name,
                                        const std::map<std::string, std::string>& labels = {});

// A parsed JSON value (just enough for status documents).
struct JsonValue {
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> value;

  bool is_number() const { return std::holds_alternative<double>(value); }
  bool is_string() const { return std::holds_alternative<std::string>(value); }
  bool is_bool() const { return std::holds_alternative<bool>(value); }
  bool is_object() const { return std::holds_alternative<Object>(value); }
  // Member lookup by dotted path ("sessions.active"); nullptr when absent.
  const JsonValue* find(std::string_view dotted_path) const;
};

// Parses a JSON document; the error names the offset where parsing stopped.
std::expected<JsonValue, std::string> parse_json(std::string_view text);

}  // namespace tandem::it

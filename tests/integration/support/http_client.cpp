// Defines the blocking HTTP client and the Prometheus-text and JSON readers used on admin responses.
#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tandem::it {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Closes the descriptor on every return path.
struct SocketFd {
  int fd = -1;
  ~SocketFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Decodes a chunked body; nullopt while incomplete.
std::optional<std::string> dechunk(std::string_view raw) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto line_end = raw.find("\r\n", pos);
    if (line_end == std::string_view::npos) return std::nullopt;
    std::size_t size = 0;
    auto size_text = raw.substr(pos, line_end - pos);
    auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc()) return std::nullopt;
    pos = line_end + 2;
    if (size == 0) return out;
    if (raw.size() < pos + size + 2) return std::nullopt;
    out.append(raw.substr(pos, size));
    pos += size + 2;
  }
}

}  // namespace

std::expected<HttpResponse, std::string> http_request(std::uint16_t port, std::string_view method,
                                                      std::string_view target, const HttpHeaders& headers,
                                                      std::string_view body, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  SocketFd sock{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return std::unexpected("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  }

  std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  std::string_view pending = request;
  while (!pending.empty()) {
    ssize_t n = ::send(sock.fd, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("send: ") + std::strerror(errno));
    }
    pending.remove_prefix(static_cast<std::size_t>(n));
  }

  std::string raw;
  HttpResponse response;
  std::size_t header_end = std::string::npos;
  std::optional<std::size_t> content_length;
  bool chunked = false;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = raw.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string_view head(raw.data(), header_end);
        auto line_end = head.find("\r\n");
        std::string_view status_line = head.substr(0, line_end);
        auto space = status_line.find(' ');
        if (space == std::string_view::npos)
          return std::unexpected("malformed status line: " + std::string(status_line));
        response.status = std::atoi(std::string(status_line.substr(space + 1, 3)).c_str());
        std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
          auto end = head.find("\r\n", pos);
          if (end == std::string_view::npos) end = head.size();
          auto line = head.substr(pos, end - pos);
          auto colon = line.find(':');
          if (colon != std::string_view::npos) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            response.headers[lower(line.substr(0, colon))] = std::string(value);
          }
          pos = end + 2;
        }
        if (auto it = response.headers.find("content-length"); it != response.headers.end()) {
          content_length = std::strtoull(it->second.c_str(), nullptr, 10);
        }
        if (auto it = response.headers.find("transfer-encoding"); it != response.headers.end()) {
          chunked = lower(it->second).find("chunked") != std::string::npos;
        }
      }
    }
    if (header_end != std::string::npos) {
      std::string_view rest(raw.data() + header_end + 4, raw.size() - header_end - 4);
      if (chunked) {
        if (auto decoded = dechunk(rest)) {
          response.body = std::move(*decoded);
          return response;
        }
      } else if (content_length && rest.size() >= *content_length) {
        response.body = std::string(rest.substr(0, *content_length));
        return response;
      }
    }
    pollfd pfd{sock.fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, remaining_ms(deadline));
    if (rc == 0)
      return std::unexpected("timed out waiting for the response to " + std::string(method) + " " +
                             std::string(target));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("poll: ") + std::strerror(errno));
    }
    char chunk[65536];
    ssize_t n = ::recv(sock.fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Connection closed: a body without length ends here.
      if (header_end == std::string::npos)
        return std::unexpected(std::string("connection closed before the response headers"));
      if (chunked || content_length) return std::unexpected(std::string("connection closed inside the response body"));
      response.body = raw.substr(header_end + 4);
      return response;
    }
    raw.append(chunk, static_cast<std::size_t>(n));
  }
}

std::expected<HttpResponse, std::string> http_get(std::uint16_t port, std::string_view target) {
  return http_request(port, "GET", target);
}

std::expected<HttpResponse, std::string> http_post(std::uint16_t port, std::string_view target,
                                                   const HttpHeaders& headers) {
  return http_request(port, "POST", target, headers);
}

std::optional<double> prometheus_sample(std::string_view text, std::string_view name,
                                        const std::map<std::string, std::string>& labels) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line.front() == '#' || !line.starts_with(name)) continue;
    std::string_view rest = line.substr(name.size());
    std::map<std::string, std::string> found;
    if (!rest.empty() && rest.front() == '{') {
      auto close = rest.find('}');
      if (close == std::string_view::npos) continue;
      std::string_view label_text = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      // label="value" pairs separated by commas; values may contain escaped quotes.
      std::size_t i = 0;
      while (i < label_text.size()) {
        auto eq = label_text.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= label_text.size() || label_text[eq + 1] != '"') break;
        std::string key(label_text.substr(i, eq - i));
        std::string value;
        std::size_t j = eq + 2;
        for (; j < label_text.size() && label_text[j] != '"'; ++j) {
          if (label_text[j] == '\\' && j + 1 < label_text.size()) ++j;
          value.push_back(label_text[j]);
        }
        found[key] = value;
        i = j + 1;
        if (i < label_text.size() && label_text[i] == ',') ++i;
      }
    } else if (rest.empty() || rest.front() != ' ') {
      continue;  // a longer metric name sharing this prefix
    }
    bool matches = true;
    for (const auto& [key, value] : labels) {
      auto it = found.find(key);
      if (it == found.end() || it->second != value) matches = false;
    }
    if (!matches) continue;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    auto value_end = rest.find(' ');
    std::string value_text(rest.substr(0, value_end));
    if (value_text == "+Inf") return std::numeric_limits<double>::infinity();
    char* parsed_end = nullptr;
    double value = std::strtod(value_text.c_str(), &parsed_end);
    if (parsed_end == value_text.c_str()) continue;
    return value;
  }
  return std::nullopt;
}

const JsonValue* JsonValue::find(std::string_view dotted_path) const {
  const JsonValue* current = this;
  while (!dotted_path.empty()) {
    auto dot = dotted_path.find('.');
    std::string_view key = dotted_path.substr(0, dot);
    dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
    const auto* object = std::get_if<Object>(&current->value);
    if (!object) return nullptr;
    const JsonValue* next = nullptr;
    for (const auto& [name, member] : *object) {
      if (name == key) next = &member;
    }
    if (!next) return nullptr;
    current = next;
  }
  return current;
}

namespace {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  std::expected<JsonValue, std::string> parse_document() {
    auto value = parse_value(0);
    if (!value) return value;
    skip_space();
    if (pos_ != text_.size()) return fail("trailing characters");
    return value;
  }

 private:
  std::unexpected<std::string> fail(std::string_view what) const {
    return std::unexpected(std::string(what) + " at offset " + std::to_string(pos_));
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool consume(std::string_view word) {
    if (text_.substr(pos_).starts_with(word)) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  std::expected<std::string, std::string> parse_string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          // Non-ASCII escapes are kept as '?': status documents only need ASCII.
          if (pos_ + 4 > text_.size()) return fail("short \\u escape");
          unsigned code = std::strtoul(std::string(text_.substr(pos_, 4)).c_str(), nullptr, 16);
          out.push_back(code < 0x80 ? static_cast<char>(code) : '?');
          pos_ += 4;
          break;
        }
        default:
          out.push_back(e);
      }
    }
    if (pos_ >= text_.size()) return fail("unterminated string");
    ++pos_;
    return out;
  }

  std::expected<JsonValue, std::string> parse_value(int depth) {
    if (depth > 64) return fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) return fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      JsonValue::Object object;
      skip_space();
      if (consume("}")) return JsonValue{std::move(object)};
      while (true) {
        skip_space();
        auto key = parse_string();
        if (!key) return std::unexpected(key.error());
        skip_space();
        if (!consume(":")) return fail("expected ':'");
        auto member = parse_value(depth + 1);
        if (!member) return member;
        object.emplace_back(std::move(*key), std::move(*member));
        skip_space();
        if (consume("}")) return JsonValue{std::move(object)};
        if (!consume(",")) return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++pos_;
      JsonValue::Array array;
      skip_space();
      if (consume("]")) return JsonValue{std::move(array)};
      while (true) {
        auto element = parse_value(depth + 1);
        if (!element) return element;
        array.push_back(std::move(*element));
        skip_space();
        if (consume("]")) return JsonValue{std::move(array)};
        if (!consume(",")) return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      auto s = parse_string();
      if (!s) return std::unexpected(s.error());
      return JsonValue{std::move(*s)};
    }
    if (consume("true")) return JsonValue{true};
    if (consume("false")) return JsonValue{false};
    if (consume("null")) return JsonValue{nullptr};
    char* end = nullptr;
    std::string number(text_.substr(pos_, std::min<std::size_t>(64, text_.size() - pos_)));
    double value = std::strtod(number.c_str(), &end);
    if (end == number.c_str()) return fail("unexpected character");
    pos_ += static_cast<std::size_t>(end - number.c_str());
    return JsonValue{value};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::expected<JsonValue, std::string> parse_json(std::string_view text) { return JsonParser(text).parse_document(); }

}  // namespace tandem::it

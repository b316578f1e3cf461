// The structured logger: formatting, level filter, and a single write() per line.
#include "config/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace tandem::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::atomic<bool> g_json{false};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::error:
      return "error";
    case Level::warn:
      return "warn";
    case Level::info:
      return "info";
    case Level::debug:
      return "debug";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view v) {
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\u%04x", c);
          out += hex;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  if (text == "error") return Level::error;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "info") return Level::info;
  if (text == "debug") return Level::debug;
  return std::nullopt;
}

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
void set_format_json(bool json) { g_json.store(json); }
bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

void set_sink_for_testing(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

Line::Line(Level level, std::string_view event) : on_(enabled(level)) {
  if (!on_) return;
  text_.reserve(160);
  if (g_json.load(std::memory_order_relaxed)) text_ = "{";
  raw("ts", timestamp(), true);
  raw("level", level_name(level), true);
  raw("event", event, true);
}

void Line::raw(std::string_view key, std::string_view value, bool is_string) {
  if (g_json.load(std::memory_order_relaxed)) {
    if (text_.size() > 1) text_ += ',';
    text_ += '"';
    append_escaped(text_, key);
    text_ += "\":";
    if (is_string) {
      text_ += '"';
      append_escaped(text_, value);
      text_ += '"';
    } else {
      text_ += value;
    }
    return;
  }
  if (!text_.empty()) text_ += ' ';
  text_ += key;
  text_ += '=';
  if (needs_quotes(value)) {
    text_ += '"';
    append_escaped(text_, value);
    text_ += '"';
  } else {
    text_ += value;
  }
}

Line& Line::kv(std::string_view key, std::string_view value) {
  if (on_) raw(key, value, true);
  return *this;
}
Line& Line::kv(std::string_view key, std::int64_t value) {
  if (on_) raw(key, std::to_string(value), false);
  return *this;
}
Line& Line::kv(std::string_view key, std::uint64_t value) {
  if (on_) raw(key, std::to_string(value), false);
  return *this;
}
Line& Line::kv(std::string_view key, double value) {
  if (on_) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    raw(key, buf, false);
  }
  return *this;
}
Line& Line::kv(std::string_view key, bool value) {
  if (on_) raw(key, value ? "true" : "false", false);
  return *this;
}

Line::~Line() {
  if (!on_) return;
  if (g_json.load(std::memory_order_relaxed)) text_ += '}';
  {
    std::lock_guard lock(g_sink_mutex);
    if (g_sink) {
      g_sink(text_);
      return;
    }
  }
  text_ += '\n';
  // One write() per line keeps lines from different threads whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, text_.data(), text_.size());
}

}  // namespace tandem::log

// Structured logging: one key=value (or JSON) line per event on stderr.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::log {

enum class Level { error, warn, info, debug };

std::optional<Level> parse_level(std::string_view text);
void set_level(Level level);
void set_format_json(bool json);
bool enabled(Level level);
// Tests capture lines instead of writing to stderr; pass nullptr to restore.
void set_sink_for_testing(std::function<void(std::string_view)> sink);

// Builds one line and writes it atomically when destroyed; does nothing when the level is off.
class Line {
 public:
  Line(Level level, std::string_view event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& kv(std::string_view key, std::string_view value);
  Line& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  Line& kv(std::string_view key, const std::string& value) { return kv(key, std::string_view(value)); }
  Line& kv(std::string_view key, std::int64_t value);
  Line& kv(std::string_view key, std::uint64_t value);
  Line& kv(std::string_view key, int value) { return kv(key, std::int64_t{value}); }
  Line& kv(std::string_view key, double value);
  Line& kv(std::string_view key, bool value);

 private:
  // Strings are always quoted in JSON; in key=value form only when they need it.
  void raw(std::string_view key, std::string_view value, bool is_string);
  bool on_;
  std::string text_;
};

inline Line error(std::string_view event) { return Line(Level::error, event); }
inline Line warn(std::string_view event) { return Line(Level::warn, event); }
inline Line info(std::string_view event) { return Line(Level::info, event); }
inline Line debug(std::string_view event) { return Line(Level::debug, event); }

}  // namespace tandem::log

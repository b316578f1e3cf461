// PostgreSQL text values -> MySQL text values for the type map's MySQL types.
#include "protocol/sql/value_conversion.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>

namespace tandem::sql {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

}  // namespace

std::expected<std::string, std::string> timestamptz_to_utc(std::string_view input) {
  std::string text(input);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, consumed = 0;
  double second = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d%n", &year, &month, &day, &consumed) < 3)
    return std::unexpected("timestamptz value '" + text + "' is not in ISO form");
  std::size_t pos = static_cast<std::size_t>(consumed);
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T')) {
    int used = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%d:%d:%lf%n", &hour, &minute, &second, &used) < 3) {
      second = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%d:%d%n", &hour, &minute, &used) < 2)
        return std::unexpected("timestamptz value '" + text + "' has an unreadable time");
    }
    pos += 1 + static_cast<std::size_t>(used);
  }
  long long offset_seconds = 0;
  std::string rest = text.substr(pos);
  while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
  if (rest == "Z" || rest == "UTC" || rest == "+00" || rest.empty()) {
    offset_seconds = 0;
  } else if (rest[0] == '+' || rest[0] == '-') {
    int oh = 0, om = 0, os = 0;
    std::string digits = rest.substr(1);
    if (digits.size() == 4 && digits.find(':') == std::string::npos)
      digits = digits.substr(0, 2) + ":" + digits.substr(2);
    if (std::sscanf(digits.c_str(), "%d:%d:%d", &oh, &om, &os) < 1)
      return std::unexpected("timestamptz value '" + text + "' has an unreadable offset");
    offset_seconds = (oh * 3600LL + om * 60LL + os) * (rest[0] == '-' ? -1 : 1);
  } else {
    return std::unexpected("timestamptz value '" + text + "': only numeric offsets and UTC are supported");
  }
  const long long whole = static_cast<long long>(second);
  long long micros = static_cast<long long>((second - static_cast<double>(whole)) * 1e6 + 0.5);
  long long total = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400LL +
                    hour * 3600LL + minute * 60LL + whole - offset_seconds;
  long long days = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
  long long secs = total - days * 86400;
  long long y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld", y, m, d, secs / 3600, (secs / 60) % 60,
                secs % 60, micros);
  return std::string(buf);
}

std::expected<std::string, std::string> array_to_json(std::string_view text, TypeClass element) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}')
    return std::unexpected("array value is not in {...} form");
  boost::json::array out;
  std::size_t i = 1;
  const std::size_t end = text.size() - 1;
  while (i < end) {
    std::string item;
    bool quoted = false;
    if (text[i] == '{') return std::unexpected("multidimensional arrays are not supported");
    if (text[i] == '"') {
      quoted = true;
      ++i;
      while (i < end && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < end) ++i;
        item += text[i++];
      }
      if (i >= end) return std::unexpected("unterminated quoted array element");
      ++i;
    } else {
      while (i < end && text[i] != ',') item += text[i++];
    }
    std::string lowered = item;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!quoted && lowered == "null") {
      out.emplace_back(nullptr);
    } else if (element == TypeClass::integer) {
      try {
        std::size_t used = 0;
        long long v = std::stoll(item, &used);
        if (used != item.size()) return std::unexpected("array element '" + item + "' is not an integer");
        out.emplace_back(v);
      } catch (...) {
        return std::unexpected("array element '" + item + "' is not an integer");
      }
    } else if (element == TypeClass::text) {
      out.emplace_back(boost::json::string(item));
    } else {
      return std::unexpected("arrays of this element type are not supported");
    }
    if (i < end && text[i] == ',') ++i;
  }
  return boost::json::serialize(out);
}

std::expected<std::string, std::string> to_mysql_value(const std::string& pg_type, std::string_view text) {
  if (pg_type.empty()) return std::string(text);
  PgType t = parse_type_string(pg_type);
  switch (type_class(t)) {
    case TypeClass::timestamptz:
      return timestamptz_to_utc(text);
    case TypeClass::boolean: {
      // PostgreSQL's boolean input forms, surrounding blanks ignored.
      std::string v(text);
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      v.erase(0, v.find_first_not_of(' '));
      v.erase(v.find_last_not_of(' ') + 1);
      if (v == "t" || v == "true" || v == "y" || v == "yes" || v == "on" || v == "1") return std::string("1");
      if (v == "f" || v == "false" || v == "n" || v == "no" || v == "off" || v == "0") return std::string("0");
      return std::unexpected("invalid input for type boolean: '" + v + "'");
    }
    case TypeClass::bytea: {
      if (!text.starts_with("\\x")) return std::unexpected("bytea value must use the hex form \\x...");
      if (text.size() % 2 != 0) return std::unexpected("bytea value has an odd number of hex digits");
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      std::string out;
      for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
        const int hi = hex(text[i]), lo = hex(text[i + 1]);
        if (hi < 0 || lo < 0) return std::unexpected("bytea value holds a character that is not a hex digit");
        out += static_cast<char>(hi * 16 + lo);
      }
      return out;
    }
    case TypeClass::uuid: {
      std::string v(text);
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return v;
    }
    case TypeClass::array: {
      PgType el = t;
      el.array_dims = 0;
      return array_to_json(text, type_class(el));
    }
    default:
      return std::string(text);
  }
}

}  // namespace tandem::sql

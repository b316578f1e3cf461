// Canonical value text shared by the tests that compare PostgreSQL and MySQL contents.
#include "support/canonical.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

namespace tandem::it {
namespace {

std::string trim_fraction(std::string v) {
  // "10:00:00.500000" -> "10:00:00.5", "10:00:00.000" -> "10:00:00"
  auto dot = v.find('.');
  if (dot == std::string::npos) return v;
  std::size_t end = dot + 1;
  while (end < v.size() && std::isdigit(static_cast<unsigned char>(v[end]))) ++end;
  std::string frac = v.substr(dot + 1, end - dot - 1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return v.substr(0, dot) + (frac.empty() ? "" : "." + frac) + v.substr(end);
}

std::string canonical_number(std::string v) {
  if (v.find('.') != std::string::npos && v.find_first_of("eE") == std::string::npos) {
    while (!v.empty() && v.back() == '0') v.pop_back();
    if (!v.empty() && v.back() == '.') v.pop_back();
  }
  if (v == "-0") v = "0";
  return v;
}

std::string canonical_float(const std::string& v, bool single) {
  if (v == "NaN" || v == "Infinity" || v == "-Infinity") return v;
  char buf[64];
  const double d = std::strtod(v.c_str(), nullptr);
  // MariaDB does not print every DOUBLE as the shortest round-trip text; 15 significant digits
  // are exact for both servers' output of the same double.
  std::snprintf(buf, sizeof buf, single ? "%.6g" : "%.15g", d);
  return buf;
}

boost::json::value sorted_json(const boost::json::value& v) {
  if (v.is_object()) {
    std::vector<std::pair<std::string, boost::json::value>> items;
    for (const auto& [k, x] : v.as_object()) items.emplace_back(std::string(k), sorted_json(x));
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    boost::json::object o;
    for (auto& [k, x] : items) o[k] = x;
    return o;
  }
  if (v.is_array()) {
    boost::json::array a;
    for (const auto& x : v.as_array()) a.push_back(sorted_json(x));
    return a;
  }
  if (v.is_double()) {
    double d = v.as_double();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return boost::json::value(static_cast<std::int64_t>(d));
  }
  return v;
}

std::string canonical_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return "<invalid json>" + text;
  // Keys of objects are ordered by boost::json in insertion order; serialize a sorted copy.
  return boost::json::serialize(sorted_json(v));
}

std::string pg_array_to_json(const std::string& text, bool numeric) {
  if (text.size() < 2 || text.front() != '{') return text;
  boost::json::array out;
  std::string body = text.substr(1, text.size() - 2);
  std::size_t i = 0;
  while (i < body.size()) {
    std::string item;
    bool quoted = false;
    if (body[i] == '"') {
      quoted = true;
      ++i;
      while (i < body.size() && body[i] != '"') {
        if (body[i] == '\\') ++i;
        item += body[i++];
      }
      ++i;
    } else {
      while (i < body.size() && body[i] != ',') item += body[i++];
    }
    if (!quoted && item == "NULL")
      out.emplace_back(nullptr);
    else if (numeric && !quoted)
      out.emplace_back(std::stoll(item));
    else
      out.emplace_back(boost::json::string(item));
    if (i < body.size() && body[i] == ',') ++i;
  }
  return boost::json::serialize(out);
}

std::string to_hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

std::string canonical(const std::optional<std::string>& value, Oid type, bool from_postgres) {
  if (!value) return "\\N";
  std::string v = *value;
  switch (type) {
    case 16:  // bool
      if (from_postgres) return v == "t" ? "1" : "0";
      return v;
    case 20:
    case 21:
    case 23:
    case 1700:
      return canonical_number(v);
    case 700:
      return canonical_float(v, true);
    case 701:
      return canonical_float(v, false);
    case 1184:
    case 1114:
    case 1083: {  // timestamptz, timestamp, time
      if (from_postgres && type == 1184 && v.size() > 3 && v.compare(v.size() - 3, 3, "+00") == 0)
        v.resize(v.size() - 3);
      return trim_fraction(v);
    }
    case 114:
    case 3802:
      return canonical_json(v);
    case 17:
      return from_postgres ? (v.starts_with("\\x") ? v.substr(2) : v) : to_hex(v);
    case 2950: {
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return v;
    }
    case 1007:
    case 1016:
      return from_postgres ? canonical_json(pg_array_to_json(v, true)) : canonical_json(v);
    case 1009:
      return from_postgres ? canonical_json(pg_array_to_json(v, false)) : canonical_json(v);
    case 1042:  // char(n): PostgreSQL pads, MySQL strips on read
      while (!v.empty() && v.back() == ' ') v.pop_back();
      return v;
    default:
      return v;
  }
}

}  // namespace tandem::it

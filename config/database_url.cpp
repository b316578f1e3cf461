// URL parsing with percent-decoding, IPv6 hosts and query parameters.
#include "config/database_url.hpp"

#include <cctype>

#include "config/endpoint.hpp"

namespace tandem::config {
namespace {

struct UrlParts {
  std::string user, password, host, path;
  std::uint16_t port = 0;
  bool has_port = false;
  UrlOptions query;
};

std::expected<std::string, std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (i + 2 >= s.size()) return std::unexpected("truncated percent-escape");
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::unexpected("invalid percent-escape '" + std::string(s.substr(i, 3)) + "'");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::expected<UrlParts, std::string> split_url(std::string_view rest) {
  UrlParts parts;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    auto path = percent_decode(rest.substr(slash + 1));
    if (!path) return std::unexpected(path.error());
    parts.path = *path;
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::string_view user = userinfo, password;
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      password = userinfo.substr(colon + 1);
    }
    auto u = percent_decode(user);
    auto p = percent_decode(password);
    if (!u) return std::unexpected(u.error());
    if (!p) return std::unexpected(p.error());
    parts.user = *u;
    parts.password = *p;
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("unterminated [ in host");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::unexpected("unexpected text after ]");
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  auto h = percent_decode(host);
  if (!h) return std::unexpected(h.error());
  parts.host = *h;
  if (parts.host.empty()) return std::unexpected("missing host");
  if (!port.empty()) {
    auto p = parse_port(port);
    if (!p) return std::unexpected(p.error());
    if (*p == 0) return std::unexpected("port 0 is not a server port");
    parts.port = *p;
    parts.has_port = true;
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto k = percent_decode(pair.substr(0, eq));
    auto v = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!k) return std::unexpected(k.error());
    if (!v) return std::unexpected(v.error());
    parts.query.emplace_back(*k, *v);
  }
  return parts;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string redact(std::string_view scheme, const std::string& user, const std::string& password,
                   const std::string& host, std::uint16_t port, const std::string& db, const UrlOptions& options) {
  std::string out(scheme);
  out += "://";
  if (!user.empty() || !password.empty()) {
    out += percent_encode(user);
    if (!password.empty()) out += ":***";
    out += '@';
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port) + '/' + percent_encode(db);
  char sep = '?';
  for (const auto& [k, v] : options) {
    out += sep;
    out += percent_encode(k) + '=' + percent_encode(v);
    sep = '&';
  }
  return out;
}

// Splits a URL of one of two schemes (`scheme` or `alias`) into its parts.
std::expected<UrlParts, std::string> parse_url(std::string_view url, std::string_view scheme, std::string_view alias,
                                               std::string_view example) {
  for (auto prefix : {scheme, alias}) {
    if (url.starts_with(prefix) && url.substr(prefix.size()).starts_with("://")) {
      return split_url(url.substr(prefix.size() + 3));
    }
  }
  const auto colon = url.find("://");
  if (colon == std::string_view::npos) return std::unexpected("expected a URL like " + std::string(example));
  return std::unexpected("unknown scheme '" + std::string(url.substr(0, colon)) + "', expected " + std::string(scheme) +
                         "://");
}

}  // namespace

std::expected<PostgresUrl, std::string> parse_postgres_url(std::string_view url) {
  auto parts = parse_url(url, "postgresql", "postgres", "postgresql://user@host:5432/db");
  if (!parts) return std::unexpected(parts.error());
  PostgresUrl out;
  out.user = parts->user;
  out.password = parts->password;
  out.host = parts->host;
  if (parts->has_port) out.port = parts->port;
  out.dbname = parts->path;
  for (auto& [k, v] : parts->query) {
    if (k == "sslmode") {
      if (v != "disable" && v != "allow" && v != "prefer" && v != "require" && v != "verify-ca" && v != "verify-full") {
        return std::unexpected("invalid sslmode '" + v + "' (disable, allow, prefer, require, verify-ca, verify-full)");
      }
      out.sslmode = v;
    } else if (k == "sslrootcert") {
      out.sslrootcert = v;
    } else {
      out.options.emplace_back(k, v);
    }
  }
  return out;
}

std::expected<MysqlUrl, std::string> parse_mysql_url(std::string_view url) {
  auto parts = parse_url(url, "mysql", "mariadb", "mysql://user@host:3306/db");
  if (!parts) return std::unexpected(parts.error());
  MysqlUrl out;
  out.user = parts->user;
  out.password = parts->password;
  out.host = parts->host;
  if (parts->has_port) out.port = parts->port;
  out.database = parts->path;
  out.options = parts->query;
  return out;
}

std::string PostgresUrl::redacted() const {
  UrlOptions all = options;
  if (sslmode != "prefer") all.emplace_back("sslmode", sslmode);
  if (!sslrootcert.empty()) all.emplace_back("sslrootcert", sslrootcert);
  return redact("postgresql", user, password, host, port, dbname, all);
}

std::string MysqlUrl::redacted() const { return redact("mysql", user, password, host, port, database, options); }

std::string PostgresUrl::to_libpq_conninfo() const {
  std::string out;
  auto add = [&out](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += key;
    out += "='";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += '\'';
  };
  add("host", host);
  add("port", std::to_string(port));
  add("user", user);
  add("password", password);
  add("dbname", dbname);
  add("sslmode", sslmode);
  add("sslrootcert", sslrootcert);
  for (const auto& [k, v] : options) add(k, v);
  return out;
}

}  // namespace tandem::config

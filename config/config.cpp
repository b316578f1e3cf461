// Configuration loading: a registry of known keys, each with its type and parser, applied first
// from the TOML file and then from TANDEM_* environment variables.
#include "config/config.hpp"

#include <toml++/toml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

extern char** environ;

namespace tandem::config {
namespace {

enum class Kind { string, integer, number };

struct Draft {
  Config config;
  bool has_source_url = false;
  std::string token, token_file;
};

struct Key {
  std::string_view name;
  Kind kind;
  std::function<void(Draft&, const std::string&)> apply;  // throws std::invalid_argument
};

[[noreturn]] void invalid(const std::string& why) { throw std::invalid_argument(why); }

std::uint64_t parse_unsigned(const std::string& text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    invalid("expected a non-negative integer, got '" + text + "'");
  }
  return v;
}

double parse_double(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    invalid("expected a number, got '" + text + "'");
  }
  return v;
}

Endpoint endpoint_value(const std::string& text) {
  auto e = parse_endpoint(text);
  if (!e) invalid(e.error());
  return *e;
}

const std::vector<Key>& registry() {
  static const std::vector<Key> keys = {
      {"state_dir", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v.empty()) invalid("must not be empty");
         d.config.state_dir = v;
       }},
      {"source.url", Kind::string,
       [](Draft& d, const std::string& v) {
         auto url = parse_postgres_url(v);
         if (!url) invalid(url.error());
         d.config.source.url = *url;
         d.has_source_url = true;
       }},
      {"target.url", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v.empty()) {
           d.config.target.reset();
           return;
         }
         auto url = parse_mysql_url(v);
         if (!url) invalid(url.error());
         d.config.target = *url;
       }},
      {"proxy.listen", Kind::string, [](Draft& d, const std::string& v) { d.config.proxy.listen = endpoint_value(v); }},
      {"proxy.tls_cert", Kind::string, [](Draft& d, const std::string& v) { d.config.proxy.tls_cert = v; }},
      {"proxy.tls_key", Kind::string, [](Draft& d, const std::string& v) { d.config.proxy.tls_key = v; }},
      {"proxy.max_message_bytes", Kind::integer,
       [](Draft& d, const std::string& v) {
         auto n = parse_unsigned(v);
         if (n < 1024 || n > (std::uint64_t{1} << 31)) invalid("must be between 1024 and 2147483648, got " + v);
         d.config.proxy.max_message_bytes = n;
       }},
      {"proxy.shutdown_grace_seconds", Kind::number,
       [](Draft& d, const std::string& v) {
         auto x = parse_double(v);
         if (x < 0) invalid("must be >= 0, got " + v);
         d.config.proxy.shutdown_grace_seconds = x;
       }},
      {"proxy.threads", Kind::integer,
       [](Draft& d, const std::string& v) {
         auto n = parse_unsigned(v);
         if (n > 256) invalid("must be between 0 (one per core) and 256, got " + v);
         d.config.proxy.threads = static_cast<unsigned>(n);
       }},
      {"proxy.backend_connect_timeout_seconds", Kind::number,
       [](Draft& d, const std::string& v) {
         auto x = parse_double(v);
         if (x <= 0) invalid("must be > 0, got " + v);
         d.config.proxy.backend_connect_timeout_seconds = x;
       }},
      {"admin.listen", Kind::string, [](Draft& d, const std::string& v) { d.config.admin.listen = endpoint_value(v); }},
      {"admin.token", Kind::string, [](Draft& d, const std::string& v) { d.token = v; }},
      {"admin.token_file", Kind::string, [](Draft& d, const std::string& v) { d.token_file = v; }},
      {"migration.tables", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v.find_first_not_of(" ,") == std::string::npos) invalid("must name at least one table or pattern");
         d.config.migration.tables = v;
       }},
      {"migration.workers", Kind::integer,
       [](Draft& d, const std::string& v) {
         auto n = parse_unsigned(v);
         if (n < 1 || n > 64) invalid("must be between 1 and 64, got " + v);
         d.config.migration.workers = static_cast<unsigned>(n);
       }},
      {"migration.chunk_rows", Kind::integer,
       [](Draft& d, const std::string& v) {
         auto n = parse_unsigned(v);
         if (n < 1 || n > 100000000) invalid("must be between 1 and 100000000, got " + v);
         d.config.migration.chunk_rows = n;
       }},
      {"migration.chunk_seconds", Kind::number,
       [](Draft& d, const std::string& v) {
         auto x = parse_double(v);
         if (x <= 0 || x > 3600) invalid("must be > 0 and at most 3600, got " + v);
         d.config.migration.chunk_seconds = x;
       }},
      {"migration.slot", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v.empty() || v.size() > 63 ||
             v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
           invalid("must be 1 to 63 characters of a-z, 0-9 and _, got '" + v + "'");
         d.config.migration.slot = v;
       }},
      {"migration.publication", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v.empty() || v.size() > 63) invalid("must be 1 to 63 characters, got '" + v + "'");
         d.config.migration.publication = v;
       }},
      {"migration.max_rows_per_second", Kind::integer,
       [](Draft& d, const std::string& v) { d.config.migration.max_rows_per_second = parse_unsigned(v); }},
      {"migration.auto_throttle", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v != "on" && v != "off") invalid("expected on or off, got '" + v + "'");
         d.config.migration.auto_throttle = v == "on";
       }},
      {"mirror.mode", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v != "off" && v != "wal" && v != "proxy") invalid("expected off, wal or proxy, got '" + v + "'");
         d.config.mirror.mode = v;
       }},
      {"mirror.capture_memory_mib", Kind::integer,
       [](Draft& d, const std::string& v) {
         auto n = parse_unsigned(v);
         if (n < 1 || n > 1048576) invalid("must be between 1 and 1048576 (MiB), got " + v);
         d.config.mirror.capture_memory_mib = n;
       }},
      {"log.level", Kind::string,
       [](Draft& d, const std::string& v) {
         auto l = log::parse_level(v);
         if (!l) invalid("expected error, warn, info or debug, got '" + v + "'");
         d.config.log.level = *l;
       }},
      {"log.format", Kind::string,
       [](Draft& d, const std::string& v) {
         if (v != "kv" && v != "json") invalid("expected kv or json, got '" + v + "'");
         d.config.log.format = v;
       }},
  };
  return keys;
}

const Key* find_key(std::string_view name) {
  for (const auto& k : registry()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::string:
      return "a string";
    case Kind::integer:
      return "an integer";
    case Kind::number:
      return "a number";
  }
  return "a value";
}

// The text form of a TOML leaf, if its type suits the key.
std::optional<std::string> leaf_text(const toml::node& node, Kind kind) {
  switch (kind) {
    case Kind::string:
      if (auto s = node.as_string()) return s->get();
      return std::nullopt;
    case Kind::integer:
      if (auto i = node.as_integer()) {
        if (i->get() < 0) return "-" + std::to_string(-i->get());
        return std::to_string(i->get());
      }
      return std::nullopt;
    case Kind::number:
      if (auto i = node.as_integer()) return std::to_string(i->get());
      if (auto f = node.as_floating_point()) {
        std::ostringstream out;
        out.precision(17);
        out << f->get();
        return out.str();
      }
      return std::nullopt;
  }
  return std::nullopt;
}

void apply_table(Draft& d, const toml::table& table, const std::string& prefix) {
  for (const auto& [k, node] : table) {
    const std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      apply_table(d, *sub, name);
      continue;
    }
    const Key* key = find_key(name);
    if (!key) throw ConfigError("unknown key '" + name + "'");
    auto text = leaf_text(node, key->kind);
    if (!text) {
      throw ConfigError(name + ": expected " + std::string(kind_name(key->kind)) + ", got " +
                        std::string(toml::impl::node_type_friendly_names[static_cast<int>(node.type())]));
    }
    try {
      key->apply(d, *text);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(name + ": " + e.what());
    }
  }
}

std::string read_file(const std::filesystem::path& path, std::string_view key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(std::string(key) + ": cannot read '" + path.string() + "': " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string environment_variable_for(std::string_view key) {
  std::string out = "TANDEM_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Environment environment_from_process() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("TANDEM_")) continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

Config parse_config(std::string_view toml_text, const Environment& env, std::string_view source_name) {
  Draft d;
  toml::table table;
  try {
    table = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(std::string(source_name) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                      ": " + std::string(e.description()));
  }
  apply_table(d, table, "");
  // Environment variables override the file, key by key.
  for (const auto& key : registry()) {
    const auto var = environment_variable_for(key.name);
    auto it = env.find(var);
    if (it == env.end()) continue;
    try {
      key.apply(d, it->second);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string(key.name) + " (from " + var + "): " + e.what());
    }
  }
  if (!d.has_source_url)
    throw ConfigError("source.url: required (the PostgreSQL to proxy, e.g. postgresql://user@127.0.0.1:5432/app)");
  auto& proxy = d.config.proxy;
  if (proxy.tls_cert.empty() != proxy.tls_key.empty()) {
    throw ConfigError(proxy.tls_cert.empty() ? "proxy.tls_cert: required when proxy.tls_key is set"
                                             : "proxy.tls_key: required when proxy.tls_cert is set");
  }
  if (!d.token.empty() && !d.token_file.empty()) {
    throw ConfigError("admin.token_file: set either admin.token or admin.token_file, not both");
  }
  d.config.admin.token = d.token;
  if (!d.token_file.empty()) {
    auto token = read_file(d.token_file, "admin.token_file");
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) throw ConfigError("admin.token_file: '" + d.token_file + "' is empty");
    d.config.admin.token = token;
  }
  return d.config;
}

Config load_config(const std::filesystem::path& file, const Environment& env) {
  return parse_config(read_file(file, "--config"), env, file.string());
}

}  // namespace tandem::config

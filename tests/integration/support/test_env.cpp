// Reads the integration-test environment and provides small process-wide utilities.
#include "support/test_env.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <doctest/doctest.h>

namespace tandem::it {

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// Runs before any test: the 500-connection test needs more descriptors than the usual soft limit,
// and tandem (a child) inherits the raised limit.
const bool descriptor_limit_raised = [] {
  raise_descriptor_limit();
  return true;
}();

}  // namespace

const TestServers& servers() {
  static const TestServers loaded = [] {
    TestServers s;
    s.pg_url = env_or_empty("TANDEM_TEST_PG");
    s.mysql_url = env_or_empty("TANDEM_TEST_MYSQL");
    s.tls_cert = env_or_empty("TANDEM_TEST_TLS_CERT");
    s.tls_key = env_or_empty("TANDEM_TEST_TLS_KEY");
    s.pg_bin = env_or_empty("TANDEM_TEST_PG_BIN");
    return s;
  }();
  REQUIRE_MESSAGE(!loaded.pg_url.empty(),
                  "TANDEM_TEST_PG is not set: run integration tests under the test environment, "
                  "e.g. tests/env/with-servers.sh build/tests/it_proxy_basic (or ctest under it)");
  return loaded;
}

bool direct_mode() {
  static const bool direct = env_or_empty("TANDEM_TEST_DIRECT") == "1";
  return direct;
}

PgUrl parse_pg_url(std::string_view url) {
  PgUrl out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw std::invalid_argument("not a URL: " + std::string(url));
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    out.dbname = percent_decode(rest.substr(slash + 1));
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      out.user = percent_decode(userinfo.substr(0, colon));
      out.password = percent_decode(userinfo.substr(colon + 1));
    } else {
      out.user = percent_decode(userinfo);
    }
  }
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = static_cast<std::uint16_t>(std::stoi(std::string(authority.substr(colon + 1))));
  } else if (!authority.empty()) {
    out.host = std::string(authority);
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out.params[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

std::string with_url_param(std::string_view url, std::string_view key, std::string_view value) {
  std::string base(url);
  std::string query;
  if (auto q = base.find('?'); q != std::string::npos) {
    query = base.substr(q + 1);
    base.resize(q);
  }
  std::string rebuilt;
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (pair.substr(0, pair.find('=')) != key && !pair.empty()) {
      if (!rebuilt.empty()) rebuilt += '&';
      rebuilt += pair;
    }
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  if (!rebuilt.empty()) rebuilt += '&';
  rebuilt += std::string(key) + "=" + std::string(value);
  return base + "?" + rebuilt;
}

std::string with_url_port(std::string_view url, std::uint16_t port) {
  auto scheme_end = url.find("://");
  std::size_t start = scheme_end + 3;
  std::size_t end = url.find_first_of("/?", start);
  if (end == std::string_view::npos) end = url.size();
  std::string_view authority = url.substr(start, end - start);
  std::string userinfo;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
  }
  return std::string(url.substr(0, start)) + userinfo + "127.0.0.1:" + std::to_string(port) +
         std::string(url.substr(end));
}

std::string conninfo_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string direct_conninfo(std::string_view user, std::string_view database, std::string_view extra) {
  PgUrl url = parse_pg_url(servers().pg_url);
  std::string out = "host=" + conninfo_quote(url.host) + " port=" + std::to_string(url.port) +
                    " user=" + conninfo_quote(user) + " dbname=" + conninfo_quote(database) + " connect_timeout=10";
  if (!extra.empty()) out += " " + std::string(extra);
  return out;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string pg_program(std::string_view name) {
  const char* bin = std::getenv("TANDEM_TEST_PG_BIN");
  if (bin && *bin) {
    auto path = std::filesystem::path(bin) / std::string(name);
    if (std::filesystem::exists(path)) return path.string();
  }
  return std::string(name);
}

TempDir::TempDir(std::string_view prefix) {
  std::random_device seed;
  std::mt19937_64 random(seed());
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate =
        base / (std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000000));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory under " + base.string());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool poll_until(std::chrono::milliseconds limit, const std::function<bool()>& done,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace tandem::it

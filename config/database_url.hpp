// Connection URLs of the source PostgreSQL and the target MySQL/MariaDB.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::config {

using UrlOptions = std::vector<std::pair<std::string, std::string>>;

struct PostgresUrl {
  std::string user, password, host;
  std::uint16_t port = 5432;
  std::string dbname;
  std::string sslmode = "prefer";  // disable|allow|prefer|require|verify-ca|verify-full
  std::string sslrootcert;
  UrlOptions options;  // other libpq parameters, passed through

  std::string redacted() const;  // the URL with the password replaced by ***
  std::string to_libpq_conninfo() const;
};

struct MysqlUrl {
  std::string user, password, host;
  std::uint16_t port = 3306;
  std::string database;
  UrlOptions options;

  std::string redacted() const;
};

std::expected<PostgresUrl, std::string> parse_postgres_url(std::string_view url);
std::expected<MysqlUrl, std::string> parse_mysql_url(std::string_view url);

}  // namespace tandem::config

// MariaDB Connector/C wrapper for the integration tests.
#include "support/mysql_client.hpp"

#include <mysql.h>

#include "config/database_url.hpp"

namespace tandem::it {

std::expected<MysqlConnection, std::string> MysqlConnection::connect(const std::string& url,
                                                                     const std::string& database_override) {
  auto parsed = config::parse_mysql_url(url);
  if (!parsed) return std::unexpected("bad MySQL URL: " + parsed.error());
  MYSQL* m = mysql_init(nullptr);
  if (!m) return std::unexpected(std::string("mysql_init failed"));
  unsigned int timeout = 10;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  const std::string database = database_override.empty() ? parsed->database : database_override;
  if (!mysql_real_connect(m, parsed->host.c_str(), parsed->user.c_str(), parsed->password.c_str(),
                          database.empty() ? nullptr : database.c_str(), parsed->port, nullptr, CLIENT_FOUND_ROWS)) {
    std::string error = mysql_error(m);
    mysql_close(m);
    return std::unexpected(error);
  }
  mysql_set_character_set(m, "utf8mb4");
  MysqlConnection c;
  c.conn_.reset(m, &mysql_close);
  return c;
}

std::expected<MysqlResult, std::string> MysqlConnection::query(const std::string& sql) {
  MYSQL* m = conn_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0)
    return std::unexpected(std::to_string(mysql_errno(m)) + ": " + mysql_error(m));
  MysqlResult out;
  MYSQL_RES* res = mysql_store_result(m);
  if (!res) {
    if (mysql_field_count(m) != 0) return std::unexpected(std::to_string(mysql_errno(m)) + ": " + mysql_error(m));
    out.affected_rows = mysql_affected_rows(m);
    // Drain further results of a multi-statement call, if any.
    while (mysql_next_result(m) == 0) {
      if (MYSQL_RES* more = mysql_store_result(m)) mysql_free_result(more);
    }
    return out;
  }
  out.has_rows = true;
  const unsigned int n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lengths = mysql_fetch_lengths(res);
    std::vector<std::optional<std::string>> r;
    for (unsigned int i = 0; i < n; ++i) {
      if (row[i] == nullptr)
        r.emplace_back(std::nullopt);
      else
        r.emplace_back(std::string(row[i], lengths[i]));
    }
    out.rows.push_back(std::move(r));
  }
  mysql_free_result(res);
  return out;
}

}  // namespace tandem::it

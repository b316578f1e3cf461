// A small blocking MariaDB/MySQL client for the integration tests (MariaDB Connector/C).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct st_mysql;

namespace tandem::it {

struct MysqlResult {
  bool has_rows = false;
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt is SQL NULL
  std::uint64_t affected_rows = 0;
};

class MysqlConnection {
 public:
  // Connects to a mysql:// URL; CLIENT_FOUND_ROWS makes UPDATE report matched rows, as
  // PostgreSQL does. The error is the server's message.
  static std::expected<MysqlConnection, std::string> connect(const std::string& url,
                                                             const std::string& database_override = "");

  // Runs one statement; the error is "errno: message".
  std::expected<MysqlResult, std::string> query(const std::string& sql);
  st_mysql* raw() const { return conn_.get(); }

 private:
  std::shared_ptr<st_mysql> conn_;
};

}  // namespace tandem::it

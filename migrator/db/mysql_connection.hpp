// A blocking MySQL/MariaDB connection for migrator work. Every connection applies the
// translator's session settings and CLIENT_FOUND_ROWS; LOAD DATA LOCAL INFILE is fed from a
// callback, so rows stream from PostgreSQL without temporary files.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/database_url.hpp"
#include "migrator/db/db_error.hpp"
#include "protocol/sql/translation.hpp"

struct st_mysql;

namespace tandem::migrator {

using MysqlValue = std::optional<std::string>;
struct MysqlRows {
  std::vector<std::string> columns;
  std::vector<std::vector<MysqlValue>> rows;
  std::uint64_t affected_rows = 0;
};

// Produces the bytes of a LOAD DATA file piece by piece: a non-empty string, nullopt at the end.
using InfileProducer = std::function<std::expected<std::optional<std::string>, DbError>()>;

class MysqlConnection {
 public:
  // `database` overrides the URL's; empty keeps it.
  static std::expected<MysqlConnection, DbError> connect(const config::MysqlUrl& url, sql::Dialect dialect,
                                                         const std::string& database = "");

  std::expected<MysqlRows, DbError> query(const std::string& sql);
  std::expected<void, DbError> exec(const std::string& sql);
  // Runs the statements in order, many per round trip (multi-statement text of up to
  // `max_bytes`), discarding their results. Stops at the first error, which names that statement.
  std::expected<void, DbError> exec_batch(const std::vector<std::string>& statements, std::size_t max_bytes = 1u << 20);
  // Runs a LOAD DATA LOCAL INFILE statement whose file content comes from `producer`; returns the
  // rows loaded.
  std::expected<std::uint64_t, DbError> load_data(const std::string& load_sql, InfileProducer producer);

  st_mysql* raw() const { return conn_.get(); }

 private:
  DbError last_error(const std::string& context) const;
  std::shared_ptr<st_mysql> conn_;
};

}  // namespace tandem::migrator

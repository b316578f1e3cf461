// A blocking libpq connection for migrator work: queries in text format and COPY TO STDOUT
// streamed a row at a time.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrator/db/db_error.hpp"

struct pg_conn;

namespace tandem::migrator {

using PgValue = std::optional<std::string>;  // nullopt is SQL NULL
struct PgRows {
  std::vector<std::string> columns;
  std::vector<std::vector<PgValue>> rows;
};

class PgConnection {
 public:
  // `conninfo` is a libpq conninfo string or URL.
  static std::expected<PgConnection, DbError> connect(const std::string& conninfo);

  std::expected<PgRows, DbError> query(const std::string& sql, const std::vector<PgValue>& params = {});
  std::expected<void, DbError> exec(const std::string& sql);

  // COPY (...) TO STDOUT: after start_copy_out, next_copy_row returns each data line (without its
  // newline) and nullopt at the end; the error ends the copy.
  std::expected<void, DbError> start_copy_out(const std::string& copy_sql);
  std::expected<std::optional<std::string>, DbError> next_copy_row();

  pg_conn* raw() const { return conn_.get(); }

 private:
  std::shared_ptr<pg_conn> conn_;
};

// "name" with embedded quotes doubled, and 'text' with embedded quotes doubled (the server has
// standard_conforming_strings on): for SQL text built on the migrator's side.
std::string quote_pg_identifier(std::string_view name);
std::string quote_pg_literal(std::string_view text);

}  // namespace tandem::migrator

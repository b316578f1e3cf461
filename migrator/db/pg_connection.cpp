// libpq wrapper for the migrator.
#include "migrator/db/pg_connection.hpp"

#include <libpq-fe.h>

namespace tandem::migrator {
namespace {

DbError error_of(PGconn* c, PGresult* r) {
  DbError e;
  e.message = "postgres: ";
  const char* msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
  e.message += msg && *msg ? msg : PQerrorMessage(c);
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) e.message.pop_back();
  if (r) {
    if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) e.sqlstate = state;
  }
  return e;
}

}  // namespace

std::expected<PgConnection, DbError> PgConnection::connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    DbError e{"postgres: cannot connect: " + std::string(PQerrorMessage(c)), ""};
    while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
    PQfinish(c);
    return std::unexpected(e);
  }
  PgConnection out;
  out.conn_.reset(c, &PQfinish);
  return out;
}

std::expected<PgRows, DbError> PgConnection::query(const std::string& sql, const std::vector<PgValue>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters the simple protocol is used: replication connections accept nothing else.
  PGresult* r = params.empty() ? PQexec(raw(), sql.c_str())
                               : PQexecParams(raw(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                              values.data(), nullptr, nullptr, 0);
  std::unique_ptr<PGresult, decltype(&PQclear)> guard(r, &PQclear);
  const auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return std::unexpected(error_of(raw(), r));
  PgRows out;
  const int cols = PQnfields(r);
  for (int i = 0; i < cols; ++i) out.columns.emplace_back(PQfname(r, i));
  const int rows = PQntuples(r);
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    std::vector<PgValue> values_out;
    values_out.reserve(static_cast<std::size_t>(cols));
    for (int i = 0; i < cols; ++i) {
      if (PQgetisnull(r, row, i))
        values_out.emplace_back(std::nullopt);
      else
        values_out.emplace_back(std::string(PQgetvalue(r, row, i), static_cast<std::size_t>(PQgetlength(r, row, i))));
    }
    out.rows.push_back(std::move(values_out));
  }
  return out;
}

std::expected<void, DbError> PgConnection::exec(const std::string& sql) {
  PGresult* r = PQexec(raw(), sql.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> guard(r, &PQclear);
  const auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return std::unexpected(error_of(raw(), r));
  return {};
}

std::expected<void, DbError> PgConnection::start_copy_out(const std::string& copy_sql) {
  PGresult* r = PQexec(raw(), copy_sql.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> guard(r, &PQclear);
  if (PQresultStatus(r) != PGRES_COPY_OUT) return std::unexpected(error_of(raw(), r));
  return {};
}

std::expected<std::optional<std::string>, DbError> PgConnection::next_copy_row() {
  char* buffer = nullptr;
  const int n = PQgetCopyData(raw(), &buffer, 0);
  if (n > 0) {
    std::string row(buffer, static_cast<std::size_t>(n));
    PQfreemem(buffer);
    if (!row.empty() && row.back() == '\n') row.pop_back();
    return row;
  }
  if (n == -1) {
    // The copy is over: its final result says whether it succeeded.
    PGresult* r = PQgetResult(raw());
    std::unique_ptr<PGresult, decltype(&PQclear)> guard(r, &PQclear);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return std::unexpected(error_of(raw(), r));
    while (PGresult* more = PQgetResult(raw())) PQclear(more);
    return std::optional<std::string>{};
  }
  return std::unexpected(error_of(raw(), nullptr));
}

namespace {
std::string quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}
}  // namespace

std::string quote_pg_identifier(std::string_view name) { return quoted(name, '"'); }
std::string quote_pg_literal(std::string_view text) { return quoted(text, '\''); }

}  // namespace tandem::migrator

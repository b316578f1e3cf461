// MariaDB Connector/C wrapper for the migrator.
#include "migrator/db/mysql_connection.hpp"

#include <mysql.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "protocol/sql/session_settings.hpp"

namespace tandem::migrator {
namespace {

// State shared with Connector/C's local-infile callbacks for one LOAD DATA statement.
struct InfileState {
  InfileProducer* producer = nullptr;
  std::string pending;
  std::size_t offset = 0;
  bool done = false;
  std::optional<DbError> error;
};

int infile_init(void** ptr, const char* /*filename*/, void* userdata) {
  *ptr = userdata;
  return 0;
}

int infile_read(void* ptr, char* buf, unsigned int len) {
  auto* s = static_cast<InfileState*>(ptr);
  std::size_t written = 0;
  while (written < len) {
    if (s->offset == s->pending.size()) {
      if (s->done) break;
      auto next = (*s->producer)();
      if (!next) {
        s->error = next.error();
        return -1;
      }
      if (!*next) {
        s->done = true;
        break;
      }
      s->pending = std::move(**next);
      s->offset = 0;
      continue;
    }
    const std::size_t n = std::min<std::size_t>(len - written, s->pending.size() - s->offset);
    std::memcpy(buf + written, s->pending.data() + s->offset, n);
    written += n;
    s->offset += n;
  }
  return static_cast<int>(written);
}

void infile_end(void* /*ptr*/) {}

int infile_error(void* ptr, char* buf, unsigned int len) {
  auto* s = static_cast<InfileState*>(ptr);
  const std::string msg = s->error ? s->error->message : "local infile failed";
  std::snprintf(buf, len, "%s", msg.c_str());
  return 2000;
}

}  // namespace

DbError MysqlConnection::last_error(const std::string& context) const {
  DbError e;
  e.message = "mysql " + std::to_string(mysql_errno(raw())) + ": " + mysql_error(raw());
  if (!context.empty()) e.message += " (" + context + ")";
  e.sqlstate = mysql_sqlstate(raw());
  return e;
}

std::expected<MysqlConnection, DbError> MysqlConnection::connect(const config::MysqlUrl& url, sql::Dialect dialect,
                                                                 const std::string& database) {
  MYSQL* m = mysql_init(nullptr);
  if (!m) return std::unexpected(DbError{"mysql: out of memory", ""});
  unsigned int timeout = 10;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  unsigned int local_infile = 1;
  mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const std::string db = database.empty() ? url.database : database;
  // CLIENT_FOUND_ROWS: UPDATE reports matched rows, as PostgreSQL does.
  if (!mysql_real_connect(m, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                          db.empty() ? nullptr : db.c_str(), url.port, nullptr, CLIENT_FOUND_ROWS)) {
    DbError e{"mysql: cannot connect to " + url.redacted() + ": " + mysql_error(m), ""};
    mysql_close(m);
    return std::unexpected(e);
  }
  // A MySQL host that vanishes without closing the connection (power loss, a partition) must not
  // leave a statement waiting for its answer forever: TCP keepalive probes after 30 s idle, and
  // data unacknowledged for 60 s, end the connection, and the caller's retry takes over. A long
  // statement on a live server is unaffected (its kernel answers the probes).
  if (const int fd = static_cast<int>(mysql_get_socket(m)); fd >= 0) {
    const int on = 1, idle = 30, interval = 10, count = 3;
    const unsigned int user_timeout_ms = 60000;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
  }
  MysqlConnection c;
  c.conn_.reset(m, &mysql_close);
  for (const auto& setting : sql::session_settings(dialect)) {
    if (auto r = c.exec(setting); !r) return std::unexpected(r.error());
  }
  return c;
}

std::expected<MysqlRows, DbError> MysqlConnection::query(const std::string& sql) {
  if (mysql_real_query(raw(), sql.data(), sql.size()) != 0) return std::unexpected(last_error(sql.substr(0, 200)));
  MysqlRows out;
  MYSQL_RES* res = mysql_store_result(raw());
  if (!res) {
    if (mysql_field_count(raw()) != 0) return std::unexpected(last_error(sql.substr(0, 200)));
    out.affected_rows = mysql_affected_rows(raw());
    return out;
  }
  const unsigned int n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lengths = mysql_fetch_lengths(res);
    std::vector<MysqlValue> r;
    for (unsigned int i = 0; i < n; ++i)
      r.emplace_back(row[i] ? MysqlValue(std::string(row[i], lengths[i])) : std::nullopt);
    out.rows.push_back(std::move(r));
  }
  mysql_free_result(res);
  return out;
}

std::expected<void, DbError> MysqlConnection::exec(const std::string& sql) {
  auto r = query(sql);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, DbError> MysqlConnection::exec_batch(const std::vector<std::string>& statements,
                                                         std::size_t max_bytes) {
  if (statements.size() == 1) return exec(statements.front());
  if (mysql_set_server_option(raw(), MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
    return std::unexpected(last_error("enabling multi-statements"));
  std::expected<void, DbError> result;
  std::size_t next = 0;
  while (next < statements.size() && result) {
    const std::size_t first = next;
    std::string text;
    while (next < statements.size() && (text.empty() || text.size() + statements[next].size() < max_bytes)) {
      if (!text.empty()) text += ";\n";
      text += statements[next++];
    }
    // One result per statement; an error ends the text there. Connector/C reports a failed send
    // or a failed read of a result as -1 too, so the error number decides, not the sign.
    std::size_t done = first;
    bool failed = mysql_real_query(raw(), text.data(), text.size()) != 0;
    while (!failed) {
      MYSQL_RES* res = mysql_store_result(raw());
      if (res)
        mysql_free_result(res);
      else if (mysql_field_count(raw()) != 0)
        failed = true;
      if (failed) break;
      ++done;
      const int status = mysql_next_result(raw());  // 0: another result, -1: no more, > 0: error
      if (status > 0 || (status < 0 && mysql_errno(raw()) != 0)) failed = true;
      if (status != 0) break;
    }
    if (!failed && done != next)
      result = std::unexpected(DbError{"mysql: the server answered " + std::to_string(done - first) + " of " +
                                           std::to_string(next - first) + " statements",
                                       ""});
    if (failed) {
      const std::string& statement = statements[std::min(done, statements.size() - 1)];
      result = std::unexpected(last_error(statement.substr(0, 300)));
      while (mysql_more_results(raw()) && mysql_next_result(raw()) == 0)
        if (MYSQL_RES* res = mysql_store_result(raw())) mysql_free_result(res);
    }
  }
  mysql_set_server_option(raw(), MYSQL_OPTION_MULTI_STATEMENTS_OFF);
  return result;
}

std::expected<std::uint64_t, DbError> MysqlConnection::load_data(const std::string& load_sql, InfileProducer producer) {
  InfileState state;
  state.producer = &producer;
  mysql_set_local_infile_handler(raw(), infile_init, infile_read, infile_end, infile_error, &state);
  const int rc = mysql_real_query(raw(), load_sql.data(), load_sql.size());
  mysql_set_local_infile_default(raw());
  if (state.error) return std::unexpected(*state.error);
  if (rc != 0) return std::unexpected(last_error("LOAD DATA"));
  return mysql_affected_rows(raw());
}

}  // namespace tandem::migrator

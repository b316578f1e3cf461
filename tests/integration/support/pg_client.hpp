// PostgreSQL clients for the integration tests: an RAII libpq wrapper, a raw wire-protocol socket,
// and a bounded runner for command-line tools (psql, pgbench).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::it {

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

// Rows as text, one per line, NULL shown as <null>: for comparing results in failure messages.
std::string format_rows(const Rows& rows);

// One owned PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}

  explicit operator bool() const { return result_ != nullptr; }
  PGresult* raw() const { return result_.get(); }
  ExecStatusType status() const;
  std::string status_name() const;
  // True for COMMAND_OK, TUPLES_OK, SINGLE_TUPLE, COPY_* and PIPELINE_SYNC.
  bool ok() const;
  std::string sqlstate() const;       // "" when none
  std::string error_message() const;  // "" when none
  std::string command_tag() const;
  Rows rows() const;  // text values (binary-format columns are returned as raw bytes)
  int row_count() const;
  int column_count() const;

 private:
  std::shared_ptr<PGresult> result_;
};

// One owned PGconn, connected.
class PgConnection {
 public:
  // Connects with a conninfo string or URL; on failure returns libpq's error text.
  static std::expected<PgConnection, std::string> connect(const std::string& conninfo);
  // Connects or throws std::runtime_error with the conninfo and libpq's error text.
  static PgConnection connect_or_throw(const std::string& conninfo);

  PGconn* raw() const { return conn_.get(); }
  int backend_pid() const { return PQbackendPID(raw()); }
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(raw()); }
  bool ssl_in_use() const { return PQsslInUse(raw()) == 1; }
  bool is_bad() const { return PQstatus(raw()) == CONNECTION_BAD; }
  std::string error_message() const { return PQerrorMessage(raw()); }

  // Like PQexec (the last result of the query string), but waits at most `limit`; throws
  // std::runtime_error naming the statement when no answer comes in time or it cannot be sent.
  PgResult exec(const std::string& sql, std::chrono::milliseconds limit = kStatementLimit);
  // Text parameters, text results; bounded like exec.
  PgResult exec_params(const std::string& sql, const std::vector<Value>& params,
                       std::chrono::milliseconds limit = kStatementLimit);
  static constexpr std::chrono::milliseconds kStatementLimit{120000};
  // Runs sql and returns its rows; throws std::runtime_error naming the statement on failure.
  Rows query(const std::string& sql);
  // Runs sql and returns the single value of a one-row, one-column result (throws otherwise).
  std::string query_value(const std::string& sql);

  // Sends a query without waiting (PQsendQuery); throws on failure to send.
  void send_query(const std::string& sql);
  // Sends a query with text parameters without waiting (PQsendQueryParams); throws on failure.
  void send_query_params(const std::string& sql, const std::vector<Value>& params);
  // Waits until the next result is available or `limit` passes; nullopt on timeout. A null
  // PgResult means "no more results for this query".
  std::optional<PgResult> next_result(std::chrono::milliseconds limit);
  // Reads every result of the current query within `limit`; returns the last non-null one, or
  // the COPY result once the query has entered a COPY state.
  std::optional<PgResult> finish_query(std::chrono::milliseconds limit);
  // Waits for a NOTIFY within `limit`.
  struct Notification {
    std::string channel;
    std::string payload;
    int be_pid = 0;
  };
  std::optional<Notification> wait_notification(std::chrono::milliseconds limit);
  // Reads whatever input has arrived without blocking; false if the connection is broken.
  bool consume_input();
  bool is_busy() { return PQisBusy(raw()) == 1; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn, &PQfinish) {}
  // Waits until the socket is readable or `limit` passes; false on timeout.
  bool wait_readable(std::chrono::milliseconds limit);

  std::shared_ptr<PGconn> conn_;
};

// Raw frontend/backend protocol over a plain TCP socket, for sending what libpq never would.
class RawPgSocket {
 public:
  struct Message {
    char type = 0;
    std::string body;  // payload without type byte and length
  };
  enum class ReadError { eof, timeout, malformed };

  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit RawPgSocket(std::uint16_t port);
  ~RawPgSocket();
  RawPgSocket(const RawPgSocket&) = delete;
  RawPgSocket& operator=(const RawPgSocket&) = delete;

  // Writes all bytes; false if the peer has closed the connection.
  bool send(std::string_view bytes);
  // Reads one backend message (type byte + int32 length + body) within `limit`.
  std::expected<Message, ReadError> read_message(std::chrono::milliseconds limit);
  // Reads messages until one of type `type` arrives; returns it, or the read error, or the
  // ErrorResponse that came instead (callers check the type).
  std::expected<Message, ReadError> read_until(char type, std::chrono::milliseconds limit);
  // True if the peer closes the connection (EOF or reset) within `limit`, discarding any bytes.
  bool wait_eof(std::chrono::milliseconds limit);
  // Shuts down the writing side.
  void shutdown_write();

  // Sends a v3 StartupMessage with user/database and waits for AuthenticationOk + ReadyForQuery
  // (trust authentication); returns the messages' error text on failure.
  std::expected<void, std::string> start_session_trust(std::string_view user, std::string_view database,
                                                       std::chrono::milliseconds limit);

 private:
  // Receives more bytes into buffer_ within the deadline; false on EOF/error/timeout (sets error).
  bool fill(std::chrono::steady_clock::time_point deadline, ReadError& error);

  int fd_ = -1;
  std::string buffer_;
};

// Wire encoding helpers for raw clients.
std::string encode_int32(std::int32_t value);
std::string startup_packet(const std::map<std::string, std::string>& params, std::int32_t protocol = 196608);
std::string cancel_request_packet(std::int32_t pid, std::int32_t secret);
std::string frontend_message(char type, std::string_view body);
std::int32_t decode_int32(std::string_view bytes);
// Fields of an ErrorResponse/NoticeResponse body keyed by field code ('C' sqlstate, 'M' message, 'S').
std::map<char, std::string> error_fields(std::string_view body);

// The result of a finished (or killed) child program.
struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] (PATH lookup) with extra environment variables, stdin from /dev/null, capturing
// stdout and stderr; kills it (by its pid) if it runs longer than `limit`.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                          const std::map<std::string, std::string>& extra_env = {});

// Readable summary of a command result for failure messages.
std::string describe(const std::vector<std::string>& argv, const CommandResult& result);

// Hex MD5 of bytes (matches PostgreSQL's md5()).
std::string md5_hex(std::string_view bytes);

}  // namespace tandem::it

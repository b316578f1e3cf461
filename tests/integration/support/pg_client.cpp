// Defines the libpq wrapper, the raw protocol socket and the bounded program runner.
#include "support/pg_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tandem::it {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string format_rows(const Rows& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += " | ";
      out += row[i] ? *row[i] : "<null>";
    }
    out += "\n";
  }
  return out;
}

// ---- PgResult ----

ExecStatusType PgResult::status() const { return result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR; }

std::string PgResult::status_name() const { return result_ ? PQresStatus(status()) : "(no result)"; }

bool PgResult::ok() const {
  switch (status()) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
    case PGRES_PIPELINE_SYNC:
      return true;
    default:
      return false;
  }
}

std::string PgResult::sqlstate() const {
  if (!result_) return "";
  const char* code = PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE);
  return code ? code : "";
}

std::string PgResult::error_message() const { return result_ ? PQresultErrorMessage(result_.get()) : "no result"; }

std::string PgResult::command_tag() const { return result_ ? PQcmdStatus(result_.get()) : ""; }

Rows PgResult::rows() const {
  Rows out;
  if (!result_) return out;
  const int n = PQntuples(result_.get());
  const int m = PQnfields(result_.get());
  out.reserve(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    Row row;
    row.reserve(static_cast<std::size_t>(m));
    for (int c = 0; c < m; ++c) {
      if (PQgetisnull(result_.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(result_.get(), r, c), static_cast<std::size_t>(PQgetlength(result_.get(), r, c))));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

int PgResult::row_count() const { return result_ ? PQntuples(result_.get()) : 0; }
int PgResult::column_count() const { return result_ ? PQnfields(result_.get()) : 0; }

// ---- PgConnection ----

std::expected<PgConnection, std::string> PgConnection::connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return std::unexpected(std::string("out of memory"));
  PgConnection wrapped(conn);
  if (PQstatus(conn) != CONNECTION_OK) return std::unexpected(std::string(PQerrorMessage(conn)));
  return wrapped;
}

PgConnection PgConnection::connect_or_throw(const std::string& conninfo) {
  auto conn = connect(conninfo);
  if (!conn) throw std::runtime_error("connect [" + conninfo + "] failed: " + conn.error());
  return std::move(*conn);
}

PgResult PgConnection::exec(const std::string& sql, std::chrono::milliseconds limit) {
  // A connection already known to be broken reports that like PQexec would, instead of throwing.
  if (PQsendQuery(raw(), sql.c_str()) != 1) return PgResult(PQmakeEmptyPGresult(raw(), PGRES_FATAL_ERROR));
  auto result = finish_query(limit);
  if (!result) {
    throw std::runtime_error("statement [" + sql + "] got no complete answer within " + std::to_string(limit.count()) +
                             " ms");
  }
  return std::move(*result);
}

PgResult PgConnection::exec_params(const std::string& sql, const std::vector<Value>& params,
                                   std::chrono::milliseconds limit) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (PQsendQueryParams(raw(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr,
                        0) != 1) {
    return PgResult(PQmakeEmptyPGresult(raw(), PGRES_FATAL_ERROR));
  }
  auto result = finish_query(limit);
  if (!result) {
    throw std::runtime_error("statement [" + sql + "] got no complete answer within " + std::to_string(limit.count()) +
                             " ms");
  }
  return std::move(*result);
}

void PgConnection::send_query_params(const std::string& sql, const std::vector<Value>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (PQsendQueryParams(raw(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr,
                        0) != 1) {
    throw std::runtime_error("PQsendQueryParams [" + sql + "] failed: " + error_message());
  }
}

Rows PgConnection::query(const std::string& sql) {
  PgResult result = exec(sql);
  if (!result.ok()) {
    throw std::runtime_error("statement [" + sql + "] failed (" + result.status_name() + ", " + result.sqlstate() +
                             "): " + result.error_message() + (result ? "" : error_message()));
  }
  return result.rows();
}

std::string PgConnection::query_value(const std::string& sql) {
  Rows rows = query(sql);
  if (rows.size() != 1 || rows[0].size() != 1 || !rows[0][0]) {
    throw std::runtime_error("statement [" + sql + "] did not return exactly one non-null value");
  }
  return *rows[0][0];
}

void PgConnection::send_query(const std::string& sql) {
  if (PQsendQuery(raw(), sql.c_str()) != 1) {
    throw std::runtime_error("PQsendQuery [" + sql + "] failed: " + error_message());
  }
}

bool PgConnection::wait_readable(std::chrono::milliseconds limit) {
  pollfd pfd{PQsocket(raw()), POLLIN, 0};
  if (pfd.fd < 0) return true;  // broken connection: let libpq report it
  auto deadline = Clock::now() + limit;
  while (true) {
    int rc = ::poll(&pfd, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;
  }
}

bool PgConnection::consume_input() { return PQconsumeInput(raw()) == 1; }

std::optional<PgResult> PgConnection::next_result(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (PQisBusy(raw())) {
    if (!wait_readable(std::chrono::milliseconds(remaining_ms(deadline)))) return std::nullopt;
    if (!PQconsumeInput(raw())) break;  // PQgetResult now reports the broken connection
  }
  return PgResult(PQgetResult(raw()));
}

std::optional<PgResult> PgConnection::finish_query(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  PgResult last;
  while (true) {
    auto next = next_result(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!next) return std::nullopt;
    if (!*next) return last;
    last = std::move(*next);
    // In a COPY state libpq keeps returning the COPY result: the caller moves the data now.
    const auto status = last.status();
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) return last;
    // After a fatal connection error libpq may keep returning results; stop at the first failure.
    if (PQstatus(raw()) == CONNECTION_BAD) return last;
  }
}

std::optional<PgConnection::Notification> PgConnection::wait_notification(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (true) {
    PQconsumeInput(raw());
    if (PGnotify* n = PQnotifies(raw())) {
      Notification out{n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid};
      PQfreemem(n);
      return out;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    if (!wait_readable(std::chrono::milliseconds(remaining_ms(deadline)))) return std::nullopt;
  }
}

// ---- RawPgSocket ----

RawPgSocket::RawPgSocket(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(err));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawPgSocket::~RawPgSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawPgSocket::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawPgSocket::fill(Clock::time_point deadline, ReadError& error) {
  pollfd pfd{fd_, POLLIN, 0};
  while (true) {
    int rc = ::poll(&pfd, 1, remaining_ms(deadline));
    if (rc == 0) {
      error = ReadError::timeout;
      return false;
    }
    if (rc < 0) {
      if (errno == EINTR) continue;
      error = ReadError::eof;
      return false;
    }
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = ReadError::eof;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::expected<RawPgSocket::Message, RawPgSocket::ReadError> RawPgSocket::read_message(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  ReadError error{};
  while (buffer_.size() < 5) {
    if (!fill(deadline, error)) return std::unexpected(error);
  }
  const std::int32_t length = decode_int32(std::string_view(buffer_).substr(1, 4));
  if (length < 4 || length > (64 << 20)) return std::unexpected(ReadError::malformed);
  const std::size_t total = 1 + static_cast<std::size_t>(length);
  while (buffer_.size() < total) {
    if (!fill(deadline, error)) return std::unexpected(error);
  }
  Message message{buffer_[0], buffer_.substr(5, total - 5)};
  buffer_.erase(0, total);
  return message;
}

std::expected<RawPgSocket::Message, RawPgSocket::ReadError> RawPgSocket::read_until(char type,
                                                                                    std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (true) {
    auto message = read_message(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!message || message->type == type || message->type == 'E') return message;
  }
}

bool RawPgSocket::wait_eof(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  buffer_.clear();
  ReadError error{};
  while (fill(deadline, error)) buffer_.clear();
  return error == ReadError::eof;
}

void RawPgSocket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::expected<void, std::string> RawPgSocket::start_session_trust(std::string_view user, std::string_view database,
                                                                  std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  if (!send(startup_packet({{"user", std::string(user)}, {"database", std::string(database)}}))) {
    return std::unexpected(std::string("cannot send the startup packet"));
  }
  while (true) {
    auto message = read_message(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!message) return std::unexpected(std::string("no ReadyForQuery (read error)"));
    if (message->type == 'E') {
      auto fields = error_fields(message->body);
      return std::unexpected("startup failed: " + fields['C'] + " " + fields['M']);
    }
    if (message->type == 'R' && decode_int32(message->body) != 0) {
      return std::unexpected("server asked for authentication method " + std::to_string(decode_int32(message->body)) +
                             ", expected trust");
    }
    if (message->type == 'Z') return {};
  }
}

// ---- wire helpers ----

std::string encode_int32(std::int32_t value) {
  const auto v = static_cast<std::uint32_t>(value);
  std::string out(4, '\0');
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
  return out;
}

std::int32_t decode_int32(std::string_view bytes) {
  if (bytes.size() < 4) return 0;
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  return static_cast<std::int32_t>((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3));
}

std::string startup_packet(const std::map<std::string, std::string>& params, std::int32_t protocol) {
  std::string body = encode_int32(protocol);
  for (const auto& [key, value] : params) {
    body += key;
    body.push_back('\0');
    body += value;
    body.push_back('\0');
  }
  body.push_back('\0');
  return encode_int32(static_cast<std::int32_t>(body.size() + 4)) + body;
}

std::string cancel_request_packet(std::int32_t pid, std::int32_t secret) {
  return encode_int32(16) + encode_int32(80877102) + encode_int32(pid) + encode_int32(secret);
}

std::string frontend_message(char type, std::string_view body) {
  return std::string(1, type) + encode_int32(static_cast<std::int32_t>(body.size() + 4)) + std::string(body);
}

std::map<char, std::string> error_fields(std::string_view body) {
  std::map<char, std::string> fields;
  std::size_t pos = 0;
  while (pos < body.size() && body[pos] != '\0') {
    char code = body[pos++];
    std::size_t end = body.find('\0', pos);
    if (end == std::string_view::npos) end = body.size();
    fields[code] = std::string(body.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

// ---- programs ----

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                          const std::map<std::string, std::string>& extra_env) {
  CommandResult result;
  if (argv.empty()) throw std::invalid_argument("run_command: empty argv");

  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto key = entry.substr(0, entry.find('='));
    if (!extra_env.contains(std::string(key))) env_strings.emplace_back(entry);
  }
  for (const auto& [key, value] : extra_env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args_copy = argv;
  std::vector<char*> args;
  for (auto& a : args_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close_range(3, ~0U, 0);  // no socket of the test's lives on in the command
    ::execvpe(args[0], args.data(), envp.data());
    const char msg[] = "exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  const auto deadline = Clock::now() + limit;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    int rc = ::poll(fds, 2, remaining_ms(deadline));
    if (rc == 0) {
      result.timed_out = true;
      break;
    }
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[65536];
      ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }

  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (result.timed_out || Clock::now() >= deadline) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exit_code = (!result.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string describe(const std::vector<std::string>& argv, const CommandResult& result) {
  std::ostringstream text;
  for (const auto& a : argv) text << a << ' ';
  text << "\n  exit code: " << result.exit_code << (result.timed_out ? " (timed out)" : "")
       << "\n  stdout: " << result.out.substr(0, 4000) << "\n  stderr: " << result.err.substr(0, 4000);
  return text.str();
}

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace tandem::it

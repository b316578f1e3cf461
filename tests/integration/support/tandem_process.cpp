// Starts, watches and stops one tandem process for a test.
#include "support/tandem_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef TANDEM_BINARY
#error "TANDEM_BINARY must name the tandem executable"
#endif

extern char** environ;

namespace tandem::it {

namespace {

using Clock = std::chrono::steady_clock;

std::string toml_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool accepts_tcp(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

TandemProcess::ExitStatus decode_status(int status) {
  TandemProcess::ExitStatus out;
  out.exited = true;
  if (WIFEXITED(status)) out.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

}  // namespace

TandemProcess::TandemProcess(TandemOptions options) : options_(std::move(options)) {
  const TestServers& env = servers();
  direct_ = direct_mode();
  if (options_.source_url.empty()) {
    const char* sslmode = std::getenv("TANDEM_TEST_SOURCE_SSLMODE");
    options_.source_url = with_url_param(env.pg_url, "sslmode", sslmode && *sslmode ? sslmode : "disable");
  }
  if (direct_) {
    proxy_port_ = parse_pg_url(env.pg_url).port;
    return;
  }
  if (options_.tls && (env.tls_cert.empty() || env.tls_key.empty())) {
    throw std::runtime_error("TANDEM_TEST_TLS_CERT/TANDEM_TEST_TLS_KEY are not set");
  }
  dir_.emplace("tandem-it-proxy");
  config_path_ = dir_->path() / "tandem.toml";
  log_path_ = dir_->path() / "tandem.log";
  // A port picked free can be taken by someone else before tandem binds it: retry with new ones.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    proxy_port_ = free_port();
    do {
      admin_port_ = free_port();
    } while (admin_port_ == proxy_port_);
    write_config();
    launch();
    auto error = wait_ready();
    if (!error) return;
    last_error = *error;
    kill_and_reap();
    if (last_error.find("in use") == std::string::npos) break;
    pid_ = 0;
    exit_status_.reset();
  }
  throw std::runtime_error(last_error);
}

TandemProcess::~TandemProcess() {
  if (direct_ || pid_ <= 0 || exit_status_) return;
  stop_gracefully(std::chrono::seconds(10));
}

void TandemProcess::write_config() {
  const TestServers& env = servers();
  auto extra = [&](const std::string& table) {
    std::string lines;
    if (auto it = options_.extra_toml.find(table); it != options_.extra_toml.end()) {
      for (const auto& line : it->second) lines += line + "\n";
    }
    return lines;
  };
  std::ostringstream config;
  const auto state_dir = options_.state_dir.empty() ? dir_->path() / "state" : options_.state_dir;
  config << "state_dir = " << toml_string(state_dir.string()) << "\n" << extra("");
  config << "\n[source]\nurl = " << toml_string(options_.source_url) << "\n" << extra("source");
  config << "\n[proxy]\nlisten = " << toml_string("127.0.0.1:" + std::to_string(proxy_port_)) << "\n";
  if (options_.tls) {
    config << "tls_cert = " << toml_string(env.tls_cert) << "\n";
    config << "tls_key = " << toml_string(env.tls_key) << "\n";
  }
  config << "shutdown_grace_seconds = " << options_.shutdown_grace_seconds << "\n" << extra("proxy");
  config << "\n[admin]\nlisten = " << toml_string("127.0.0.1:" + std::to_string(admin_port_)) << "\n";
  config << "token = " << toml_string(options_.admin_token) << "\n" << extra("admin");
  config << "\n[log]\nlevel = " << toml_string(options_.log_level) << "\n" << extra("log");
  for (const auto& [table, lines] : options_.extra_toml) {
    if (table.empty() || table == "source" || table == "proxy" || table == "admin" || table == "log") continue;
    config << "\n[" << table << "]\n" << extra(table);
  }
  write_file(config_path_, config.str());
}

void TandemProcess::launch() {
  // Everything the child needs is built before fork; after it only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    // TANDEM_<SECTION>_<KEY> variables override the config file: keep the test's config in charge.
    if (entry.starts_with("TANDEM_") && !entry.starts_with("TANDEM_TEST_")) continue;
    env_strings.emplace_back(entry);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string binary = TANDEM_BINARY;
  std::string serve = "serve";
  std::string flag = "--config";
  std::string config = config_path_.string();
  char* argv[] = {binary.data(), serve.data(), flag.data(), config.data(), nullptr};
  std::string log_path = log_path_.string();
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // If the test process dies, tandem must not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::close_range(3, ~0U, 0);  // no socket of the test's lives on in tandem
    ::execve(argv[0], argv, envp.data());
    const char msg[] = "test harness: exec of tandem failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  pid_ = pid;
}

std::optional<std::string> TandemProcess::wait_ready() {
  const auto start = Clock::now();
  const auto deadline = start + options_.ready_limit;
  while (true) {
    if (!running()) {
      return "tandem exited during start-up (code " + std::to_string(exit_status_->code) + ", signal " +
             std::to_string(exit_status_->signal) + "); config:\n" + read_file(config_path_) + "log tail:\n" +
             log_tail();
    }
    if (log_text().find("event=ready") != std::string::npos) return std::nullopt;
    // Probing the proxy port opens a (harmless) client connection, so only fall back to it when
    // the ready line has not shown up for a while.
    if (Clock::now() - start > std::chrono::seconds(2) && accepts_tcp(admin_port_) && accepts_tcp(proxy_port_)) {
      return std::nullopt;
    }
    if (Clock::now() >= deadline) {
      return "tandem not ready within " + std::to_string(options_.ready_limit.count()) + " ms (ports " +
             std::to_string(proxy_port_) + ", " + std::to_string(admin_port_) + "); log tail:\n" + log_tail();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool TandemProcess::running() {
  if (direct_ || pid_ <= 0) return false;
  if (exit_status_) return false;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_status_ = decode_status(status);
    return false;
  }
  return true;
}

void TandemProcess::send_signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

TandemProcess::ExitStatus TandemProcess::wait_exit(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (running()) {
    if (Clock::now() >= deadline) return ExitStatus{};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_.value_or(ExitStatus{});
}

TandemProcess::ExitStatus TandemProcess::stop_gracefully(std::chrono::milliseconds limit) {
  if (direct_ || pid_ <= 0) return ExitStatus{true, 0, 0};
  send_signal(SIGTERM);
  ExitStatus status = wait_exit(limit);
  if (!status.exited) kill_and_reap();
  return status;
}

void TandemProcess::kill_and_reap() {
  if (pid_ <= 0 || exit_status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  // SIGKILL cannot be ignored; the bound only guards against a process stuck in the kernel.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = decode_status(status);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string TandemProcess::log_text() const {
  if (direct_) return "";
  return read_file(log_path_);
}

std::string TandemProcess::log_tail(std::size_t lines) const {
  std::string text = log_text();
  std::size_t pos = text.size();
  for (std::size_t seen = 0; pos > 0 && seen <= lines;) {
    --pos;
    if (text[pos] == '\n') ++seen;
  }
  return text.substr(pos);
}

std::string TandemProcess::conninfo(std::string_view user, std::string_view database, std::string_view extra) const {
  std::string out = "host=127.0.0.1 port=" + std::to_string(proxy_port_) + " user=" + conninfo_quote(user) +
                    " dbname=" + conninfo_quote(database) + " connect_timeout=10";
  if (!extra.empty()) out += " " + std::string(extra);
  return out;
}

std::string TandemProcess::metrics_text() const {
  if (direct_) throw std::runtime_error("no admin port in direct mode");
  auto response = http_get(admin_port_, "/metrics");
  if (!response) throw std::runtime_error("GET /metrics failed: " + response.error());
  if (response->status != 200) {
    throw std::runtime_error("GET /metrics returned " + std::to_string(response->status));
  }
  return response->body;
}

std::optional<double> TandemProcess::metric(std::string_view name,
                                            const std::map<std::string, std::string>& labels) const {
  return prometheus_sample(metrics_text(), name, labels);
}

JsonValue TandemProcess::status() const {
  if (direct_) throw std::runtime_error("no admin port in direct mode");
  auto response = http_get(admin_port_, "/api/v1/status");
  if (!response) throw std::runtime_error("GET /api/v1/status failed: " + response.error());
  if (response->status != 200) {
    throw std::runtime_error("GET /api/v1/status returned " + std::to_string(response->status));
  }
  auto parsed = parse_json(response->body);
  if (!parsed) throw std::runtime_error("status is not JSON (" + parsed.error() + "): " + response->body);
  return std::move(*parsed);
}

}  // namespace tandem::it

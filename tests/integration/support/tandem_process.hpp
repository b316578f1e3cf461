// A tandem proxy started for one test: its config, its ports, its log, and a bounded shutdown.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_client.hpp"
#include "support/test_env.hpp"

namespace tandem::it {

struct TandemOptions {
  // Empty: TANDEM_TEST_PG with sslmode from TANDEM_TEST_SOURCE_SSLMODE, "disable" when unset, so
  // that sessions run on the relay loop; "prefer" or "require" puts them on the coroutine relay
  // that TLS needs (tests/CMakeLists.txt runs some suites a second time that way).
  std::string source_url;
  bool tls = false;  // proxy.tls_cert/tls_key from TANDEM_TEST_TLS_CERT/KEY
  double shutdown_grace_seconds = 5.0;
  std::string admin_token = "test-token";
  std::string log_level = "info";
  // Extra TOML lines per table ("" = top level), written after the generated keys of that table.
  std::map<std::string, std::vector<std::string>> extra_toml;
  std::chrono::milliseconds ready_limit{10000};
  std::filesystem::path state_dir;  // empty: a directory of this process's own
};

class TandemProcess {
 public:
  struct ExitStatus {
    bool exited = false;  // false: still running (timed out)
    int code = -1;        // exit code when it exited normally
    int signal = 0;       // terminating signal, 0 if none
  };

  // Writes the config and starts `tandem serve`, waiting until it is ready; throws
  // std::runtime_error with the tail of its log when it exits or is not ready in time. In direct
  // mode (TANDEM_TEST_DIRECT=1) nothing is started and the proxy port is PostgreSQL's.
  explicit TandemProcess(TandemOptions options = {});
  ~TandemProcess();
  TandemProcess(const TandemProcess&) = delete;
  TandemProcess& operator=(const TandemProcess&) = delete;

  bool direct() const { return direct_; }
  std::uint16_t proxy_port() const { return proxy_port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  pid_t pid() const { return pid_; }
  const std::string& admin_token() const { return options_.admin_token; }
  const std::filesystem::path& config_path() const { return config_path_; }
  std::string log_text() const;
  std::string log_tail(std::size_t lines = 40) const;

  // A libpq conninfo string for a connection through the proxy; `extra` is appended verbatim
  // (e.g. "sslmode=require password=x").
  std::string conninfo(std::string_view user = "postgres", std::string_view database = "postgres",
                       std::string_view extra = "") const;

  // Sends a signal to the tandem process (its own pid only).
  void send_signal(int signal);
  // Waits up to `limit` for the process to exit; reaps it.
  ExitStatus wait_exit(std::chrono::milliseconds limit);
  // SIGTERM, then waits up to `limit`; if still running then, SIGKILL (reported as not exited).
  ExitStatus stop_gracefully(std::chrono::milliseconds limit);
  bool running();

  // Admin port conveniences; they throw std::runtime_error when the request fails.
  std::string metrics_text() const;
  std::optional<double> metric(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
  JsonValue status() const;

 private:
  void write_config();
  void launch();
  // Waits for readiness; returns an error description (with log tail) on failure.
  std::optional<std::string> wait_ready();
  void kill_and_reap();

  TandemOptions options_;
  bool direct_ = false;
  std::optional<TempDir> dir_;
  std::filesystem::path config_path_;
  std::filesystem::path log_path_;
  std::uint16_t proxy_port_ = 0;
  std::uint16_t admin_port_ = 0;
  pid_t pid_ = 0;
  std::optional<ExitStatus> exit_status_;
};

}  // namespace tandem::it

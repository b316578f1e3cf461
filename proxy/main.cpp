// The tandem executable: parses the command line and runs the requested command.
#include <execinfo.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/log.hpp"
#include "proxy/commands/backfill_command.hpp"
#include "proxy/commands/migrate_command.hpp"
#include "proxy/commands/snapshot_command.hpp"
#include "proxy/commands/translate_command.hpp"
#include "proxy/commands/validate_command.hpp"
#include "proxy/server.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: tandem serve --config FILE     run the proxy and its admin port\n"
    "       tandem --config FILE           same as serve\n"
    "       tandem snapshot --config FILE [--tables a,b] [--workers N] [--resume|--recreate]\n"
    "                                      create the schema on MySQL and copy the tables\n"
    "       tandem migrate --config FILE [...snapshot options] [--until-caught-up]\n"
    "                                      snapshot, then backfill, in one process\n"
    "       tandem backfill --config FILE [--until-caught-up]\n"
    "                                      apply WAL changes since the snapshot to MySQL\n"
    "       tandem validate --config FILE [--sample PCT | --full] [--repair] [--report FILE]\n"
    "                                      compare both sides; exit 0 equal, 1 different, 2 error\n"
    "       tandem translate [--dialect mariadb|mysql] [--print-session] < file.sql\n"
    "                                      PostgreSQL SQL to MySQL, one JSON line per statement\n"
    "       tandem --version\n"
    "Every config key can also be set by environment variable, e.g. TANDEM_SOURCE_URL.\n";

// Each client holds two descriptors (client and backend); the default soft limit of 1024 would cap
// the proxy near 500 clients.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// A crash must leave a trace in the log: the signal and a raw backtrace, written with
// async-signal-safe calls only, then the default action (core dump where enabled).
void report_fatal_signal(int signo) {
  char line[64];
  int n = 0;
  const char* prefix = "level=error event=fatal_signal signal=";
  while (prefix[n] != '\0' && n < 48) {
    line[n] = prefix[n];
    ++n;
  }
  if (signo >= 10) line[n++] = static_cast<char>('0' + signo / 10);
  line[n++] = static_cast<char>('0' + signo % 10);
  line[n++] = '\n';
  [[maybe_unused]] auto w = ::write(STDERR_FILENO, line, static_cast<std::size_t>(n));
  void* frames[64];
  const int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  std::signal(signo, SIG_DFL);
  std::raise(signo);
}

void install_crash_reporting() {
  void* warm[1];
  backtrace(warm, 1);  // loads libgcc now, not inside the handler
  for (int signo : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signo, report_fatal_signal);
}

int serve(const std::string& config_path) {
  tandem::config::Config cfg;
  try {
    cfg = tandem::config::load_config(config_path, tandem::config::environment_from_process());
  } catch (const tandem::config::ConfigError& e) {
    std::fprintf(stderr, "tandem: configuration error: %s\n", e.what());
    return 2;
  }
  tandem::log::set_level(cfg.log.level);
  tandem::log::set_format_json(cfg.log.format == "json");
  raise_descriptor_limit();
  std::signal(SIGPIPE, SIG_IGN);
  install_crash_reporting();
  try {
    tandem::proxy::ProxyServer server(cfg);
    return server.run();
  } catch (const std::exception& e) {
    tandem::log::error("proxy.start_failed").kv("error", e.what());
    std::fprintf(stderr, "tandem: %s\n", e.what());
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--version" || args[0] == "version")) {
    std::printf("tandem %s\n", TANDEM_VERSION);
    return 0;
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "migrate") {
    return tandem::proxy::run_migrate_command(std::vector<std::string_view>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "backfill") {
    return tandem::proxy::run_backfill_command(std::vector<std::string_view>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "snapshot") {
    return tandem::proxy::run_snapshot_command(std::vector<std::string_view>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "validate") {
    return tandem::proxy::run_validate_command(std::vector<std::string_view>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "translate") {
    return tandem::proxy::run_translate_command(std::vector<std::string_view>(args.begin() + 1, args.end()));
  }
  std::size_t i = 0;
  if (!args.empty() && args[0] == "serve") i = 1;
  std::optional<std::string> config_path;
  for (; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = std::string(args[++i]);
    } else if (args[i].starts_with("--config=")) {
      config_path = std::string(args[i].substr(9));
    } else {
      std::fprintf(stderr, "tandem: unexpected argument '%.*s'\n%s", static_cast<int>(args[i].size()), args[i].data(),
                   kUsage.data());
      return 2;
    }
  }
  if (!config_path) {
    std::fprintf(stderr, "tandem: --config FILE is required\n%s", kUsage.data());
    return 2;
  }
  return serve(*config_path);
}

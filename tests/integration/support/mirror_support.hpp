// Shared by the mirror tests: pgbench's TPC-B tables copied to MariaDB, `tandem serve` with a
// mirror mode, a loopback forwarder that can cut MariaDB off, and waiting helpers.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "support/migration_db.hpp"
#include "support/tandem_process.hpp"

namespace tandem::it {

using namespace std::chrono_literals;

// A loopback TCP forwarder to MariaDB that a test can cut (every connection closed, the port
// refusing) and restore on the same port: a MySQL outage without touching the shared server.
class Forwarder {
 public:
  explicit Forwarder(std::uint16_t target) : target_(target), port_(free_port()) { open(); }
  ~Forwarder() {
    cut();
    if (acceptor_.joinable()) acceptor_.join();
  }
  std::uint16_t port() const { return port_; }

  void cut() {
    std::lock_guard lock(mutex_);
    if (listener_ >= 0) {
      ::shutdown(listener_, SHUT_RDWR);
      ::close(listener_);
      listener_ = -1;
    }
    // A connection's thread takes its descriptors off the list before it closes them, so no
    // number here can belong to another socket by now.
    std::lock_guard fds_lock(shared_->mutex);
    for (int fd : shared_->fds) ::shutdown(fd, SHUT_RDWR);
    shared_->fds.clear();
  }
  void restore() {
    if (acceptor_.joinable()) acceptor_.join();
    open();
  }

 private:
  void open() {
    // Close-on-exec: a process the test starts (pgbench, tandem) must not hold a copy of these
    // sockets, or closing them here would not end the connection.
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener_, 64) == 0);
    const int listener = listener_;
    acceptor_ = std::thread([this, listener, one] {
      while (true) {
        const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;  // cut
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in t{};
        t.sin_family = AF_INET;
        t.sin_port = htons(target_);
        t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(server, reinterpret_cast<sockaddr*>(&t), sizeof t) != 0) {
          ::close(client);
          ::close(server);
          continue;
        }
        // Small packets must not wait for Nagle's algorithm: the forwarder adds no delay of its own.
        for (int fd : {client, server}) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
          std::lock_guard lock(shared_->mutex);
          shared_->fds.push_back(client);
          shared_->fds.push_back(server);
        }
        std::thread([shared = shared_, client, server] {
          pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
          char buf[65536];
          while (::poll(fds, 2, -1) > 0) {
            bool done = false;
            for (int i = 0; i < 2 && !done; ++i) {
              if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
              const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
              if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) done = true;
            }
            if (done) break;
          }
          std::lock_guard lock(shared->mutex);
          std::erase_if(shared->fds, [&](int fd) { return fd == client || fd == server; });
          for (int fd : {client, server}) {
            ::shutdown(fd, SHUT_RDWR);
            ::close(fd);
          }
        }).detach();
      }
    });
  }

  std::uint16_t target_, port_;
  std::mutex mutex_;
  int listener_ = -1;
  // Shared with the connections' threads, which may outlive this object by a moment.
  struct Shared {
    std::mutex mutex;
    std::vector<int> fds;  // of open connections
  };
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::thread acceptor_;
};

inline std::uint16_t mysql_port() {
  const std::string url = servers().mysql_url;  // mysql://root@127.0.0.1:PORT/db
  const auto colon = url.rfind(':');
  return static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1, url.rfind('/') - colon - 1)));
}

// pgbench's TPC-B tables with a key on history (every mirrored table needs one), copied.
inline std::filesystem::path prepared_databases(Databases& db) {
  auto init = run_command({pg_tool("pgbench"), "-i", "-q", "-s", "1", db.pg_url()}, 120s);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  auto pg = db.pg();
  exec_pg(pg, "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY");
  const auto config = db.config("public.*", 10000, 2);
  auto copied = snapshot(config);
  REQUIRE_MESSAGE(copied.exit_code == 0, copied.out << copied.err);
  return config;
}

inline TandemOptions mirror_options(const Databases& db, const std::string& mysql_url,
                                    const std::string& mode = "wal") {
  TandemOptions o;
  o.source_url = db.pg_url();
  o.extra_toml["target"] = {"url = \"" + mysql_url + "\""};
  o.extra_toml["migration"] = {"slot = \"" + db.name + "\"", "publication = \"" + db.name + "\""};
  o.extra_toml["mirror"] = {"mode = \"" + mode + "\""};
  return o;
}

// pgbench TPC-B in each of its three protocols (simple, extended, prepared) for this long: a
// minute of dual writes in all.
inline constexpr int kTpcbSecondsPerProtocol = 20;

inline CommandResult pgbench_through(const TandemProcess& t, const Databases& db, const std::string& mode,
                                     int seconds) {
  return run_command({pg_tool("pgbench"), "-n", "-M", mode, "-c", "4", "-j", "2", "-T", std::to_string(seconds),
                      t.conninfo("postgres", db.name)},
                     120s);
}

// `tandem validate --full`: live while the mirror follows, so it waits for the applier.
inline void require_validated_equal(const std::filesystem::path& config) {
  auto v = run_command({TANDEM_BINARY, "validate", "--config", config.string(), "--full"}, 300s);
  REQUIRE_MESSAGE(v.exit_code == 0, v.out << v.err);
  CHECK(v.out.find("EQUAL") != std::string::npos);
}

// A string or number in /api/v1/status by its dotted path; "" or -1 when absent.
inline std::string status_text(const TandemProcess& t, const char* path) {
  auto s = t.status();
  const auto* v = s.find(path);
  return v && v->is_string() ? std::get<std::string>(v->value) : std::string();
}
inline double status_number(const TandemProcess& t, const char* path) {
  auto s = t.status();
  const auto* v = s.find(path);
  return v && v->is_number() ? std::get<double>(v->value) : -1;
}

inline std::string mirror_state(const TandemProcess& t) { return status_text(t, "migration.mirror.state"); }

inline bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

}  // namespace tandem::it

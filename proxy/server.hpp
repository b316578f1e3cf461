// The proxy server: listens for clients, runs sessions on a pool of event loops, hosts the admin
// port, and stops gracefully on SIGTERM/SIGINT or an admin request.
#pragma once

#include <memory>

#include "config/config.hpp"

namespace tandem::proxy {

class ProxyServer {
 public:
  explicit ProxyServer(const config::Config& config);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Blocks until the server has stopped; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy

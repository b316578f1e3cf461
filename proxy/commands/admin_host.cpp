// Runs the admin HTTP server for a migration command.
#include "proxy/commands/admin_host.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

#include "config/log.hpp"
#include "proxy/admin/http_server.hpp"
#include "proxy/proxy_state.hpp"

namespace tandem::proxy {

struct AdminHost::Impl {
  explicit Impl(const config::Config& cfg) : state(cfg) {
    state.migration = std::make_shared<MigrationStatus>(state.metrics.registry());
  }
  ProxyState state;
  boost::asio::io_context io{1};
  std::unique_ptr<admin::AdminHttpServer> server;
  std::thread thread;
};

AdminHost::AdminHost(const config::Config& config) : impl_(std::make_unique<Impl>(config)) {
  try {
    boost::asio::ip::tcp::resolver resolver(impl_->io);
    auto endpoints = resolver.resolve(config.admin.listen.host, std::to_string(config.admin.listen.port));
    impl_->server = std::make_unique<admin::AdminHttpServer>(impl_->io, impl_->state);
    impl_->server->listen(*endpoints.begin());
    impl_->server->start();
    log::info("admin.ready").kv("admin", impl_->server->local_endpoint());
    impl_->thread = std::thread([this] {
      auto guard = boost::asio::make_work_guard(impl_->io);
      impl_->io.run();
    });
  } catch (const std::exception& e) {
    impl_->server.reset();
    log::warn("admin.unavailable").kv("error", e.what());
  }
}

AdminHost::~AdminHost() {
  if (impl_->server) impl_->server->stop();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

MigrationStatus& AdminHost::status() { return *impl_->state.migration; }

}  // namespace tandem::proxy

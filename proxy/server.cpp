// Event-loop pool, listener, TLS contexts and graceful shutdown for the proxy.
#include "proxy/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "config/log.hpp"
#include "proxy/admin/http_server.hpp"
#include "proxy/mirror_control.hpp"
#include "proxy/proxy_state.hpp"
#include "proxy/relay_loop.hpp"
#include "proxy/session.hpp"
#include "proxy/stream.hpp"

namespace tandem::proxy {
namespace {

tcp::endpoint resolve_listen(asio::io_context& io, const config::Endpoint& e, std::string_view key) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(e.host, std::to_string(e.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error(std::string(key) + ": cannot resolve '" + e.host + "': " + ec.message());
  }
  return results.begin()->endpoint();
}

std::unique_ptr<asio::ssl::context> make_client_tls(const config::Config& cfg) {
  if (cfg.proxy.tls_cert.empty()) return nullptr;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cfg.proxy.tls_cert, ec);
  if (ec) throw std::runtime_error("proxy.tls_cert: cannot load '" + cfg.proxy.tls_cert + "': " + ec.message());
  ctx->use_private_key_file(cfg.proxy.tls_key, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("proxy.tls_key: cannot load '" + cfg.proxy.tls_key + "': " + ec.message());
  return ctx;
}

std::unique_ptr<asio::ssl::context> make_backend_tls(const config::Config& cfg) {
  const auto& url = cfg.source.url;
  if (url.sslmode == "disable" || url.sslmode == "allow") return nullptr;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3);
  if (url.sslmode == "verify-ca" || url.sslmode == "verify-full") {
    boost::system::error_code ec;
    if (url.sslrootcert.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(url.sslrootcert, ec);
    }
    if (ec) throw std::runtime_error("source.url: cannot load sslrootcert '" + url.sslrootcert + "': " + ec.message());
    ctx->set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);  // require/prefer: encryption without identity, as libpq
  }
  return ctx;
}

}  // namespace

struct ProxyServer::Impl {
  explicit Impl(const config::Config& cfg) : config(cfg), state(cfg) {
    unsigned n = cfg.proxy.threads ? cfg.proxy.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) loops.push_back(std::make_unique<asio::io_context>(1));
    client_tls = make_client_tls(cfg);
    backend_tls = make_backend_tls(cfg);
    // As many relay loops as event loops: the event loops then mostly accept and authenticate.
    for (unsigned i = 0; i < n; ++i) relays.push_back(std::make_unique<RelayLoop>());
    session_ctx = std::make_unique<SessionContext>(
        SessionContext{state, client_tls.get(), backend_tls.get(), [this]() -> RelayLoop& {
                         return *relays[next_relay.fetch_add(1, std::memory_order_relaxed) % relays.size()];
                       }});
  }

  asio::io_context& main_loop() { return *loops.front(); }

  asio::awaitable<void> accept_loop() {
    std::size_t next = 0;
    for (;;) {
      auto& loop = *loops[next];
      next = (next + 1) % loops.size();
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(loop, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || state.shutting_down.load()) co_return;
      if (ec) {
        // Running out of descriptors must not end the listener: back off and try again.
        log::warn("proxy.accept_failed").kv("error", ec.message());
        asio::steady_timer pause(main_loop(), std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::use_awaitable);
        continue;
      }
      asio::co_spawn(loop, run_session(std::move(socket), *session_ctx), asio::detached);
    }
  }

  // Stop accepting, wait for sessions to end within the grace period, then stop the loops.
  void begin_shutdown(std::string_view reason) {
    if (state.shutting_down.exchange(true)) return;
    log::info("proxy.shutdown_started")
        .kv("reason", reason)
        .kv("sessions", state.sessions_active.load())
        .kv("grace_seconds", config.proxy.shutdown_grace_seconds);
    boost::system::error_code ignored;
    acceptor->close(ignored);
    asio::co_spawn(main_loop(), drain(), asio::detached);
  }

  asio::awaitable<void> drain() {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double>(config.proxy.shutdown_grace_seconds));
    asio::steady_timer tick(main_loop());
    while (state.sessions_active.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      tick.expires_after(std::chrono::milliseconds(50));
      co_await tick.async_wait(asio::use_awaitable);
    }
    const auto left = state.sessions_active.load();
    if (left > 0) log::warn("proxy.shutdown_grace_expired").kv("sessions_closed", left);
    if (admin)
      asio::post(*admin_loop, [this] {
        admin->stop();
        admin_loop->stop();
      });
    for (auto& loop : loops) loop->stop();
  }

  // Order matters for destruction: the loops go before what their sessions refer to, and the
  // acceptor and admin server (bound to the first loop) go before the loops.
  const config::Config& config;
  ProxyState state;
  std::unique_ptr<asio::ssl::context> client_tls, backend_tls;
  std::unique_ptr<SessionContext> session_ctx;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  // The admin port has a loop and thread of its own: metrics and status must answer even when
  // the proxy loops are saturated.
  std::unique_ptr<asio::io_context> admin_loop = std::make_unique<asio::io_context>(1);
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<admin::AdminHttpServer> admin;
  // Stopped before the event loops go: a relayed session's coroutine frame lives in its loop.
  std::vector<std::unique_ptr<RelayLoop>> relays;
  std::atomic<std::size_t> next_relay{0};
};

ProxyServer::ProxyServer(const config::Config& config) : impl_(std::make_unique<Impl>(config)) {}
ProxyServer::~ProxyServer() = default;

int ProxyServer::run() {
  auto& d = *impl_;
  auto& io = d.main_loop();
  const auto listen = resolve_listen(io, d.config.proxy.listen, "proxy.listen");
  d.acceptor = std::make_unique<tcp::acceptor>(io);
  d.acceptor->open(listen.protocol());
  d.acceptor->set_option(tcp::acceptor::reuse_address(true));
  boost::system::error_code ec;
  d.acceptor->bind(listen, ec);
  if (ec)
    throw std::runtime_error("proxy.listen: cannot listen on " + d.config.proxy.listen.to_string() + ": " +
                             ec.message());
  d.acceptor->listen(asio::socket_base::max_listen_connections);

  d.admin = std::make_unique<admin::AdminHttpServer>(*d.admin_loop, d.state);
  d.admin->listen(resolve_listen(io, d.config.admin.listen, "admin.listen"));

  d.state.request_shutdown = [&d] { asio::post(d.main_loop(), [&d] { d.begin_shutdown("admin request"); }); };

  // The mirror, when configured, runs beside the proxy on threads of its own.
  d.state.release_held = [&d] {
    for (auto& relay : d.relays) relay->resume_held();
  };
  std::unique_ptr<MirrorControl> mirror;
  if (d.config.mirror.mode == "proxy" || d.config.mirror.mode == "wal") {
    if (!d.config.target) throw std::runtime_error("mirror.mode = \"" + d.config.mirror.mode + "\" needs target.url");
    d.state.migration = std::make_shared<MigrationStatus>(d.state.metrics.registry());
    d.state.migration->set_phase("mirror");
    mirror = std::make_unique<MirrorControl>(d.config, d.state);
    mirror->start();
    d.state.mirror_pause = [&mirror] { return mirror->pause(); };
    d.state.mirror_resume = [&mirror] { return mirror->resume(); };
    d.state.mirror_switch = [&mirror](std::string_view mode, double hold_seconds, int& http_status) {
      return mirror->switch_to(mode, hold_seconds, http_status);
    };
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&d](const boost::system::error_code& e, int signo) {
    if (!e) d.begin_shutdown(signo == SIGTERM ? "SIGTERM" : "SIGINT");
  });

  asio::co_spawn(io, d.accept_loop(), asio::detached);
  d.admin->start();

  if (d.config.admin.token.empty()) {
    log::warn("admin.no_token").kv("detail", "admin.token is not set: POST endpoints are refused");
  }
  const auto bound = d.acceptor->local_endpoint();
  log::info("ready")
      .kv("proxy", bound.address().to_string() + ":" + std::to_string(bound.port()))
      .kv("admin", d.admin->local_endpoint())
      .kv("source", d.config.source.url.redacted())
      .kv("threads", std::uint64_t{d.loops.size()})
      .kv("tls", d.client_tls != nullptr);

  // Each loop runs on its own thread; the first on this one.
  std::vector<std::jthread> threads;
  threads.emplace_back([&d] {
    auto guard = asio::make_work_guard(*d.admin_loop);
    d.admin_loop->run();
  });
  for (std::size_t i = 1; i < d.loops.size(); ++i) {
    auto* loop = d.loops[i].get();
    threads.emplace_back([loop] {
      auto guard = asio::make_work_guard(*loop);
      loop->run();
    });
  }
  io.run();
  for (auto& loop : d.loops) loop->stop();
  d.admin_loop->stop();
  threads.clear();
  // No event loop runs now, so none hands a relay loop a session any more; the sessions' frames
  // live until the loops are destroyed, after the relay loops.
  for (auto& relay : d.relays) relay->stop();
  mirror.reset();  // the batch in hand is applied and its position committed
  log::info("proxy.stopped");
  return 0;
}

}  // namespace tandem::proxy

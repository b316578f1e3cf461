// One client connection: startup and authentication pass-through, then the two-way relay.
// Asio-heavy: include only from the proxy's sources.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>

#include "proxy/proxy_state.hpp"

namespace tandem::proxy {

class RelayLoop;

// What every session needs from the server; outlives all sessions.
struct SessionContext {
  ProxyState& state;
  boost::asio::ssl::context* client_tls;   // null when the proxy has no certificate
  boost::asio::ssl::context* backend_tls;  // null when source.url asks for no TLS
  // The relay loop for a new plain TCP session; empty: sessions relay on their own event loop.
  std::function<RelayLoop&()> relay_loop;
};

boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket client, SessionContext& ctx);

}  // namespace tandem::proxy

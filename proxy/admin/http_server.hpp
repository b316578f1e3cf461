// The admin HTTP listener (Boost.Beast), serving AdminRoutes on the proxy's first event loop.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "proxy/proxy_state.hpp"

namespace boost::asio {
class io_context;
}

namespace tandem::proxy::admin {

class AdminHttpServer {
 public:
  AdminHttpServer(boost::asio::io_context& io, ProxyState& state);
  ~AdminHttpServer();

  void listen(const boost::asio::ip::tcp::endpoint& endpoint);  // throws naming admin.listen
  void start();
  void stop();
  std::string local_endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy::admin

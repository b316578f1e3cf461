// Beast-based HTTP/1.1 server for the admin API: one coroutine per connection, bounded request
// size and idle time.
#include "proxy/admin/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/log.hpp"
#include "proxy/admin/routes.hpp"

namespace tandem::proxy::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct AdminHttpServer::Impl {
  Impl(asio::io_context& io, ProxyState& state) : io(io), acceptor(io), routes(state) {}

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024);
      stream.expires_after(std::chrono::seconds(30));
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      const auto& req = parser.get();
      const AdminRequest request{std::string_view(req.method_string()), std::string_view(req.target()),
                                 std::string_view(req[http::field::authorization])};
      AdminResponse reply;
      if (req.method() == http::verb::post && request.target.starts_with("/api/v1/mirror/")) {
        reply = co_await asio::co_spawn(
            mirror_commands, [this, request]() -> asio::awaitable<AdminResponse> { co_return routes.handle(request); },
            asio::use_awaitable);
      } else {
        reply = routes.handle(request);
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::server, "tandem");
      res.set(http::field::content_type, reply.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(reply.body);
      res.prepare_payload();
      log::debug("admin.request")
          .kv("method", std::string_view(req.method_string()))
          .kv("target", std::string_view(req.target()))
          .kv("status", std::int64_t{reply.status});
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  AdminRoutes routes;
  // The mirror's commands run here, one at a time: a switch holds sessions for up to its
  // hold_seconds (and a pause waits for it), while this loop goes on answering status and
  // metrics. Declared last: joined first, while the rest is still whole.
  asio::thread_pool mirror_commands{1};
};

AdminHttpServer::AdminHttpServer(asio::io_context& io, ProxyState& state) : impl_(std::make_unique<Impl>(io, state)) {}
AdminHttpServer::~AdminHttpServer() = default;

void AdminHttpServer::listen(const tcp::endpoint& endpoint) {
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(tcp::acceptor::reuse_address(true));
  boost::system::error_code ec;
  a.bind(endpoint, ec);
  if (ec) {
    throw std::runtime_error("admin.listen: cannot listen on " + endpoint.address().to_string() + ":" +
                             std::to_string(endpoint.port()) + ": " + ec.message());
  }
  a.listen();
}

void AdminHttpServer::start() { asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached); }

void AdminHttpServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::string AdminHttpServer::local_endpoint() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? "" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace tandem::proxy::admin

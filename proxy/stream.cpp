// TLS upgrade and exact reads for Stream.
#include "proxy/stream.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

namespace tandem::proxy {

asio::awaitable<void> Stream::handshake_as_server(asio::ssl::context& ctx) {
  auto plain = std::move(std::get<0>(v_));
  auto& tls = v_.emplace<1>(std::move(plain), ctx);
  co_await tls.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
}

asio::awaitable<void> Stream::handshake_as_client(asio::ssl::context& ctx, const std::string& host, bool verify_host) {
  auto plain = std::move(std::get<0>(v_));
  auto& tls = v_.emplace<1>(std::move(plain), ctx);
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());  // SNI for names only
  if (verify_host) tls.set_verify_callback(asio::ssl::host_name_verification(host));
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
}

asio::awaitable<void> Stream::read_exact(asio::mutable_buffer b) {
  if (auto* s = std::get_if<0>(&v_)) {
    co_await asio::async_read(*s, b, asio::use_awaitable);
  } else {
    co_await asio::async_read(std::get<1>(v_), b, asio::use_awaitable);
  }
}

void Stream::cancel() {
  boost::system::error_code ignored;
  socket().cancel(ignored);
}

void Stream::close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace tandem::proxy

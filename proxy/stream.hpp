// A connection that is plain TCP or TLS over TCP, decided during startup. Asio-heavy: include
// only from the proxy's sources.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <variant>

namespace tandem::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Stream {
 public:
  explicit Stream(tcp::socket socket) : v_(std::in_place_index<0>, std::move(socket)) {}

  asio::awaitable<void> handshake_as_server(asio::ssl::context& ctx);
  // `verify_host`: check the certificate names `host` (sslmode=verify-full).
  asio::awaitable<void> handshake_as_client(asio::ssl::context& ctx, const std::string& host, bool verify_host);

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b) {
    if (auto* s = std::get_if<0>(&v_)) return s->async_read_some(b, asio::use_awaitable);
    return std::get<1>(v_).async_read_some(b, asio::use_awaitable);
  }
  // Error-code form for the relay, where a closed peer is an expected outcome, not an exception.
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b, boost::system::error_code& ec) {
    if (auto* s = std::get_if<0>(&v_)) {
      return s->async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
    }
    return std::get<1>(v_).async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
  }
  asio::awaitable<std::size_t> write_all(asio::const_buffer b) {
    if (auto* s = std::get_if<0>(&v_)) return asio::async_write(*s, b, asio::use_awaitable);
    return asio::async_write(std::get<1>(v_), b, asio::use_awaitable);
  }
  asio::awaitable<std::size_t> write_all(asio::const_buffer b, boost::system::error_code& ec) {
    if (auto* s = std::get_if<0>(&v_)) {
      return asio::async_write(*s, b, asio::redirect_error(asio::use_awaitable, ec));
    }
    return asio::async_write(std::get<1>(v_), b, asio::redirect_error(asio::use_awaitable, ec));
  }
  asio::awaitable<void> read_exact(asio::mutable_buffer b);

  tcp::socket& socket() { return v_.index() == 0 ? std::get<0>(v_) : std::get<1>(v_).next_layer(); }
  bool is_tls() const { return v_.index() == 1; }
  // Aborts pending operations; the connection stays open.
  void cancel();
  void close();

 private:
  std::variant<tcp::socket, asio::ssl::stream<tcp::socket>> v_;
};

}  // namespace tandem::proxy

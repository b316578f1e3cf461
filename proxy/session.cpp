// The client session: startup, authentication pass-through, cancel keys, and a relay that
// forwards bytes unchanged while watching message headers for classification and timing.
#include "proxy/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/log.hpp"
#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/constants.hpp"
#include "protocol/pgwire/message_reader.hpp"
#include "protocol/pgwire/mirror_filter.hpp"
#include "protocol/pgwire/relay_scanner.hpp"
#include "protocol/pgwire/startup_packet.hpp"
#include "protocol/pgwire/statement_class.hpp"
#include "proxy/relay_loop.hpp"
#include "proxy/stream.hpp"

namespace tandem::proxy {
namespace {

using namespace boost::asio::experimental::awaitable_operators;
using pgwire::RelayedMessage;
using pgwire::StatementClass;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kRelayBufferBytes = 32 * 1024;
constexpr std::size_t kMaxStartupPacketBytes = 10000;  // PostgreSQL's own limit
constexpr std::size_t kMaxAuthMessageBytes = 65536 + 16;
constexpr auto kStartupTimeout = std::chrono::seconds(60);  // PostgreSQL's authentication_timeout
constexpr auto kHandBackLimit = std::chrono::seconds(10);   // for what a relay loop hands back

std::uint32_t read_u32(std::string_view b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

const std::array<bool, 256>& relay_frontend_types() {
  static const std::array<bool, 256> table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) {
      // 'p' (password/SASL) is only valid during authentication, which the relay never sees.
      t[c] = c != 'p' && pgwire::is_frontend_message_type(static_cast<char>(c));
    }
    return t;
  }();
  return table;
}

// A NUL-terminated string at the start of `b`, or everything when the terminator is beyond the
// captured prefix.
std::string_view cstring_at(std::string_view b, std::size_t at = 0) {
  if (at >= b.size()) return {};
  b.remove_prefix(at);
  return b.substr(0, b.find('\0'));
}

bool is_disconnect(const boost::system::system_error& e) {
  namespace error = boost::asio::error;
  const auto code = e.code();
  return code == error::eof || code == error::connection_reset || code == error::broken_pipe ||
         code == error::operation_aborted || code == error::not_connected ||
         code == boost::asio::ssl::error::stream_truncated;
}

// Start times of statements awaiting their ReadyForQuery, oldest first. Fixed capacity: a client
// pipelining deeper than this only loses latency samples, never correctness.
class PendingTimings {
 public:
  void push(Clock::time_point t) {
    if (unmeasured_ > 0 || size_ == slots_.size()) {
      ++unmeasured_;
      return;
    }
    slots_[(head_ + size_) % slots_.size()] = t;
    ++size_;
  }
  std::optional<Clock::time_point> pop() {
    if (size_ > 0) {
      auto t = slots_[head_];
      head_ = (head_ + 1) % slots_.size();
      --size_;
      return t;
    }
    if (unmeasured_ > 0) --unmeasured_;
    return std::nullopt;
  }

 private:
  std::array<Clock::time_point, 256> slots_{};
  std::size_t head_ = 0, size_ = 0, unmeasured_ = 0;
};

enum class ClientEnd { disconnected, terminated, protocol_error };

class Session final : public RelayPeer {
 public:
  Session(tcp::socket client, SessionContext& ctx)
      : ctx_(ctx),
        metrics_(ctx.state.metrics),
        client_(std::move(client)),
        client_peer_(peer_name(client_.socket())),
        client_scanner_(ctx.state.config.proxy.max_message_bytes, &relay_frontend_types()),
        backend_scanner_(SIZE_MAX, nullptr) {
    switchable_ = static_cast<bool>(ctx.state.mirror_switch);
    generation_ = ctx.state.mirror_generation.load();
    sink_ = ctx.state.mirror_sink();
    if (sink_) make_filter();
    client_scanner_.want_prefix('Q', pgwire::RelayScanner::kMaxPrefix);
    client_scanner_.want_prefix('P', pgwire::RelayScanner::kMaxPrefix);
    client_scanner_.want_prefix('B', 160);  // portal and statement names (NAMEDATALEN 64)
    client_scanner_.want_prefix('E', 80);
    client_scanner_.want_prefix('C', 80);
    backend_scanner_.want_prefix('Z', 1);
    backend_scanner_.want_prefix('E', 32);  // the severity field comes first
    backend_scanner_.want_prefix('S', 512);
  }

  ~Session() {
    if (client_secret_) ctx_.state.cancels.remove(backend_pid_, *client_secret_);
    // Answers that will never be read commit nothing here; later tickets must not wait for them.
    for (const auto& t : tickets_)
      if (t && sink_) sink_->complete(*t, {});
    if (busy_) ctx_.state.busy_sessions.fetch_sub(1);
  }

  asio::awaitable<void> run();

 private:
  static std::string peer_name(tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    return ec ? std::string("unknown") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  asio::awaitable<bool> startup();
  asio::awaitable<std::optional<std::string>> read_startup_packet();
  asio::awaitable<void> forward_cancel(const pgwire::CancelRequest& request);
  asio::awaitable<bool> connect_backend();
  asio::awaitable<bool> backend_unavailable(std::string_view why);
  Clock::duration backend_timeout() const {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(ctx_.state.config.proxy.backend_connect_timeout_seconds));
  }
  // Runs `op`; when `limit` passes first, aborts the backend's pending I/O and yields nullopt.
  // `target`: the stream whose I/O to abort instead of the backend's.
  template <class T>
  asio::awaitable<std::optional<T>> within(asio::awaitable<T> op, Clock::duration limit, Stream* target = nullptr);
  // Writes all of `bytes` within kHandBackLimit; false when the peer did not take them (or failed).
  asio::awaitable<bool> write_within(Stream& to, std::string_view bytes);
  asio::awaitable<bool> authenticate(const std::string& startup_packet);
  asio::awaitable<std::pair<char, std::string_view>> read_backend_message();
  asio::awaitable<std::optional<std::pair<char, std::string_view>>> read_client_auth_message();
  asio::awaitable<void> relay();
  // Plain TCP (with or without the proxy mirror's filter): the sockets go to a relay loop until
  // the relay ends.
  asio::awaitable<void> relay_on_loop(RelayLoop& loop);
  asio::awaitable<void> after_loop_relay(RelayResult r);
  // RelayPeer: on the relay loop's thread, while relay_on_loop waits.
  std::optional<std::string_view> client_bytes(std::string_view chunk, bool& terminated) override;
  std::optional<std::string_view> backend_bytes(std::string_view chunk) override;
  void relay_ended(RelayResult result) override;
  // How a relay ends, whichever relay ran.
  asio::awaitable<void> client_left();
  asio::awaitable<void> backend_lost(std::string_view error);
  asio::awaitable<void> client_protocol_error();
  asio::awaitable<ClientEnd> pump_client_to_backend();
  asio::awaitable<void> pump_backend_to_client();
  asio::awaitable<void> send_client_error(std::string_view severity, std::string_view sqlstate,
                                          std::string_view message);
  void on_client_message(const RelayedMessage& m);
  void on_backend_message(const RelayedMessage& m);
  void count(StatementClass c) { metrics_.statements(c).Increment(); }
  // mirror.mode = "proxy": whole messages, so writes can be rewritten and captured.
  void make_filter();
  // What client_bytes does with a chunk: forwards it (maybe changed), or keeps it while the proxy
  // holds sessions at a transaction boundary for a switch of the mirror.
  std::optional<std::string_view> take_client_bytes(std::string_view chunk, bool& terminated);
  // At a transaction boundary, before anything more is sent: false when the session must wait
  // (the proxy holds sessions). Otherwise the session counts as busy, and follows a switch of the
  // mirror made since its last boundary.
  bool leave_rest();
  void follow_mirror();
  // Nothing sent that PostgreSQL has not answered, and no transaction open.
  bool at_rest() const {
    return transaction_status_ == 'I' && awaiting_ready_ == 0 && !unsynced_ && client_at_boundary() &&
           backend_at_boundary();
  }
  void note_parameter(std::string_view body);
  void note_ready() {
    if (busy_ && at_rest()) {
      busy_ = false;
      ctx_.state.busy_sessions.fetch_sub(1);
    }
  }
  std::optional<std::string_view> client_resume(bool& terminated) override;
  bool client_held() const override { return holding_; }
  bool client_at_boundary() const { return filter_ ? client_reader_->buffered() == 0 : client_scanner_.at_boundary(); }
  bool backend_at_boundary() const {
    return filter_ ? backend_reader_->buffered() == 0 && backend_passthrough_ == 0 : backend_scanner_.at_boundary();
  }
  // mirror.mode = "proxy": frames, rewrites and captures; false on a protocol error.
  bool filter_client(std::string_view chunk, std::string& out, bool& terminated);
  bool filter_backend(std::string_view chunk, std::string& out);

  SessionContext& ctx_;
  ProxyMetrics& metrics_;
  Stream client_;
  std::optional<Stream> backend_;
  std::string client_peer_;
  std::string user_, database_;

  std::int32_t backend_pid_ = 0;
  std::optional<std::uint32_t> client_secret_;
  char transaction_status_ = 'I';

  pgwire::RelayScanner client_scanner_;
  pgwire::RelayScanner backend_scanner_;
  std::string protocol_error_;
  bool client_write_in_flight_ = false;
  bool backend_sent_fatal_ = false;
  PendingTimings pending_;
  // Statement classes by prepared-statement and portal name; the unnamed ones are kept apart so
  // the common case never touches the maps.
  std::map<std::string, StatementClass, std::less<>> prepared_;
  std::map<std::string, StatementClass, std::less<>> portals_;
  StatementClass unnamed_statement_ = StatementClass::other;
  StatementClass unnamed_portal_ = StatementClass::other;

  std::string scratch_;  // startup-phase messages; the relay never uses it

  std::unique_ptr<pgwire::MirrorFilter> filter_;
  // The mirror's sink as of this session's last transaction boundary (null: none), and the
  // switch count it was read at.
  std::shared_ptr<MirrorSink> sink_;
  std::uint64_t generation_ = 0;
  // For a switch of the mirror: whether this session counts in busy_sessions; what its client
  // sent while held; the ReadyForQuery still owed; extended-protocol messages since the last Sync.
  bool switchable_ = false;  // a mirror runs, which may switch: the rest is kept up to date
  bool busy_ = false, holding_ = false;
  std::string held_, resumed_;
  std::int64_t awaiting_ready_ = 0;
  bool unsynced_ = false;
  // COPY FROM STDIN: in copy-in mode (CopyInResponse seen, no CopyDone or CopyFail yet); Syncs
  // sent since the last Execute; whether the client's last message was a Sync sent in copy-in.
  bool copy_in_ = false, sync_ignored_ = false;
  std::int64_t syncs_since_execute_ = 0;
  // Without a filter: what a filter started later needs to know. Statements prepared (nullopt:
  // a text longer than the scanner keeps), Parse and Close messages not yet answered, and the
  // parameters PostgreSQL reported that bear on row images.
  std::map<std::string, std::optional<pgwire::Parse>, std::less<>> known_statements_;
  struct StatementChange {
    bool close = false, portal = false;
    std::string name;
    std::optional<pgwire::Parse> parse;
    std::uint64_t group = 0;  // the Syncs and Queries sent before it
  };
  std::deque<StatementChange> statement_changes_;
  std::uint64_t groups_sent_ = 0, groups_answered_ = 0;
  std::map<std::string, std::string, std::less<>> parameters_;
  // Body bytes of a server message begun before the filter started, passed on unread.
  std::size_t backend_passthrough_ = 0;
  // mirror.mode = "proxy": one entry per Query, Sync and function call sent, answered by one
  // ReadyForQuery each, oldest first: the commit-order ticket of those that may commit.
  std::deque<std::optional<std::uint64_t>> tickets_;
  bool query_may_commit_ = false, batch_may_commit_ = false;
  std::optional<pgwire::MessageReader> client_reader_, backend_reader_;
  // What the filter made of the last chunk each way; kept until that chunk is written.
  std::string client_out_, backend_out_;

  // While the sockets are on a relay loop: the loop's answer, and the timer that wakes us for it.
  std::optional<asio::steady_timer> relay_done_;
  std::optional<RelayResult> relay_result_;
  bool relay_finished_ = false;
};

asio::awaitable<void> Session::run() {
  auto& state = ctx_.state;
  state.sessions_active.fetch_add(1, std::memory_order_relaxed);
  state.sessions_total.fetch_add(1, std::memory_order_relaxed);
  metrics_.client_connections.Increment();
  metrics_.client_connections_total.Increment();
  struct Leave {
    ProxyState& s;
    ~Leave() {
      s.sessions_active.fetch_sub(1, std::memory_order_relaxed);
      s.metrics.client_connections.Decrement();
    }
  } leave{state};

  boost::system::error_code ignored;
  client_.socket().set_option(tcp::no_delay(true), ignored);
  try {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer deadline(executor, kStartupTimeout);
    auto expire = [&]() -> asio::awaitable<void> {
      co_await deadline.async_wait(asio::use_awaitable);
      client_.cancel();
      if (backend_) backend_->cancel();
    };
    auto outcome = co_await (startup() || expire());
    if (outcome.index() == 1) {
      log::info("session.startup_timeout").kv("client", client_peer_);
      co_await send_client_error("FATAL", "08006", "tandem: startup did not finish within 60 s");
    } else if (std::get<0>(outcome)) {
      co_await relay();
    }
  } catch (const boost::system::system_error& e) {
    if (!is_disconnect(e)) {
      log::warn("session.error").kv("client", client_peer_).kv("error", e.what());
    }
  } catch (const std::exception& e) {
    log::warn("session.error").kv("client", client_peer_).kv("error", e.what());
  }
  client_.close();
  if (backend_) backend_->close();
  log::debug("session.end").kv("client", client_peer_).kv("pid", std::int64_t{backend_pid_});
}

// Reads one startup-phase packet (length-prefixed, no type byte). nullopt: the client closed.
asio::awaitable<std::optional<std::string>> Session::read_startup_packet() {
  std::array<char, 4> len_bytes{};
  try {
    co_await client_.read_exact(asio::buffer(len_bytes));
  } catch (const boost::system::system_error& e) {
    if (is_disconnect(e)) co_return std::nullopt;
    throw;
  }
  const std::uint32_t len = read_u32({len_bytes.data(), 4}, 0);
  if (len < 8 || len > kMaxStartupPacketBytes) {
    metrics_.protocol_errors_total.Increment();
    log::info("session.protocol_error")
        .kv("client", client_peer_)
        .kv("error", "invalid startup packet length")
        .kv("length", std::uint64_t{len});
    co_await send_client_error("FATAL", "08P01", "invalid startup packet length " + std::to_string(len));
    co_return std::nullopt;
  }
  std::string packet(len, '\0');
  std::memcpy(packet.data(), len_bytes.data(), 4);
  co_await client_.read_exact(asio::buffer(packet.data() + 4, len - 4));
  co_return packet;
}

asio::awaitable<bool> Session::startup() {
  for (;;) {
    auto packet = co_await read_startup_packet();
    if (!packet) co_return false;
    auto decoded = pgwire::decode_startup_packet(*packet);
    if (!decoded) {
      metrics_.protocol_errors_total.Increment();
      log::info("session.protocol_error").kv("client", client_peer_).kv("error", decoded.error().message);
      co_await send_client_error("FATAL", "08P01", decoded.error().message);
      co_return false;
    }
    if (std::holds_alternative<pgwire::SslRequest>(*decoded)) {
      if (client_.is_tls()) {
        metrics_.protocol_errors_total.Increment();
        co_await send_client_error("FATAL", "08P01", "SSLRequest on an encrypted connection");
        co_return false;
      }
      const char answer = ctx_.client_tls ? 'S' : 'N';
      co_await client_.write_all(asio::buffer(&answer, 1));
      if (ctx_.client_tls) co_await client_.handshake_as_server(*ctx_.client_tls);
      continue;
    }
    if (std::holds_alternative<pgwire::GssEncRequest>(*decoded)) {
      const char answer = 'N';
      co_await client_.write_all(asio::buffer(&answer, 1));
      continue;
    }
    if (auto* cancel = std::get_if<pgwire::CancelRequest>(&*decoded)) {
      co_await forward_cancel(*cancel);
      co_return false;
    }
    const auto& startup = std::get<pgwire::StartupMessage>(*decoded);
    if ((startup.protocol_version >> 16) != 3) {
      metrics_.protocol_errors_total.Increment();
      co_await send_client_error("FATAL", "0A000",
                                 "unsupported frontend protocol " + std::to_string(startup.protocol_version >> 16) +
                                     "." + std::to_string(startup.protocol_version & 0xffff) +
                                     ": server supports 3.0 to 3.0");
      co_return false;
    }
    for (const auto& [k, v] : startup.parameters) {
      if (k == "user") user_ = v;
      if (k == "database") database_ = v;
    }
    auto connected = co_await within(connect_backend(), backend_timeout());
    if (!connected) co_return co_await backend_unavailable("no answer within proxy.backend_connect_timeout_seconds");
    if (!*connected) co_return false;
    co_return co_await authenticate(*packet);
  }
}

asio::awaitable<void> Session::forward_cancel(const pgwire::CancelRequest& request) {
  auto target = ctx_.state.cancels.find(request.process_id, request.secret_key);
  if (!target) {
    metrics_.cancel_unknown_total.Increment();
    log::info("cancel.unknown_key").kv("client", client_peer_).kv("pid", std::int64_t{request.process_id});
    co_return;
  }
  metrics_.cancel_forwarded_total.Increment();
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(target->host, std::to_string(target->port), asio::use_awaitable);
  co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
  std::string packet;
  pgwire::encode_cancel_request(packet, pgwire::CancelRequest{target->backend_pid, target->backend_secret});
  co_await asio::async_write(socket, asio::buffer(packet), asio::use_awaitable);
  // PostgreSQL closes the connection once it has read the request; wait for that so the cancel
  // is delivered before the client's own connection to us ends.
  char byte;
  boost::system::error_code ec;
  co_await socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
  log::info("cancel.forwarded").kv("client", client_peer_).kv("pid", std::int64_t{target->backend_pid});
}

template <class T>
asio::awaitable<std::optional<T>> Session::within(asio::awaitable<T> op, Clock::duration limit, Stream* target) {
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto expire = [&]() -> asio::awaitable<void> {
    co_await timer.async_wait(asio::use_awaitable);
    if (Stream* s = target ? target : backend_ ? &*backend_ : nullptr) s->cancel();
  };
  auto result = co_await (std::move(op) || expire());
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(std::move(result));
}

asio::awaitable<bool> Session::backend_unavailable(std::string_view why) {
  const auto& source = ctx_.state.config.source.url;
  metrics_.backend_connect_errors_total.Increment();
  ctx_.state.backend_connect_errors.fetch_add(1, std::memory_order_relaxed);
  log::warn("backend.connect_failed")
      .kv("client", client_peer_)
      .kv("backend", source.host + ":" + std::to_string(source.port))
      .kv("error", why);
  co_await send_client_error("FATAL", "08006",
                             "tandem: cannot connect to the source PostgreSQL at " + source.host + ":" +
                                 std::to_string(source.port) + ": " + std::string(why));
  co_return false;
}

// TCP connect and TLS negotiation; the caller bounds the time.
asio::awaitable<bool> Session::connect_backend() {
  const auto& source = ctx_.state.config.source.url;
  auto executor = co_await asio::this_coro::executor;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(source.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, source.port);
  } else {
    tcp::resolver resolver(executor);
    auto results = co_await resolver.async_resolve(source.host, std::to_string(source.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return co_await backend_unavailable(ec.message());
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  backend_.emplace(tcp::socket(executor));
  co_await asio::async_connect(backend_->socket(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return co_await backend_unavailable(ec.message());
  backend_->socket().set_option(tcp::no_delay(true), ec);

  const std::string& sslmode = source.sslmode;
  if (ctx_.backend_tls && sslmode != "disable" && sslmode != "allow") {
    std::string request;
    pgwire::encode_ssl_request(request);
    co_await backend_->write_all(asio::buffer(request));
    char answer = 0;
    co_await backend_->read_exact(asio::buffer(&answer, 1));
    if (answer == 'S') {
      std::string handshake_error;
      try {
        co_await backend_->handshake_as_client(*ctx_.backend_tls, source.host, sslmode == "verify-full");
      } catch (const boost::system::system_error& e) {
        handshake_error = e.what();
      }
      if (!handshake_error.empty()) co_return co_await backend_unavailable("TLS handshake failed: " + handshake_error);
    } else if (answer != 'N' || sslmode != "prefer") {
      co_return co_await backend_unavailable("the server does not accept TLS, and sslmode=" + sslmode + " requires it");
    }
  }
  co_return true;
}

asio::awaitable<std::pair<char, std::string_view>> Session::read_backend_message() {
  std::array<char, 5> header{};
  co_await backend_->read_exact(asio::buffer(header));
  const std::uint32_t len = read_u32({header.data(), 5}, 1);
  if (len < 4 || len > ctx_.state.config.proxy.max_message_bytes) {
    throw std::runtime_error("source PostgreSQL sent a message of invalid length " + std::to_string(len));
  }
  scratch_.resize(len + 1);
  std::memcpy(scratch_.data(), header.data(), 5);
  co_await backend_->read_exact(asio::buffer(scratch_.data() + 5, len - 4));
  co_return std::pair<char, std::string_view>{header[0], std::string_view(scratch_).substr(5)};
}

// One client message during authentication; nullopt when the client hung up or said Terminate.
asio::awaitable<std::optional<std::pair<char, std::string_view>>> Session::read_client_auth_message() {
  std::array<char, 5> header{};
  try {
    co_await client_.read_exact(asio::buffer(header));
  } catch (const boost::system::system_error& e) {
    if (is_disconnect(e)) co_return std::nullopt;
    throw;
  }
  const std::uint32_t len = read_u32({header.data(), 5}, 1);
  if (header[0] == 'X') co_return std::nullopt;
  if (header[0] != 'p' || len < 4 || len > kMaxAuthMessageBytes) {
    metrics_.protocol_errors_total.Increment();
    log::info("session.protocol_error").kv("client", client_peer_).kv("error", "expected an authentication response");
    co_await send_client_error("FATAL", "08P01", "expected an authentication response message");
    co_return std::nullopt;
  }
  scratch_.resize(len + 1);
  std::memcpy(scratch_.data(), header.data(), 5);
  co_await client_.read_exact(asio::buffer(scratch_.data() + 5, len - 4));
  co_return std::pair<char, std::string_view>{'p', std::string_view(scratch_).substr(5)};
}

// Relays the startup conversation message by message: the backend's authentication requests go
// to the client and its answers back, unchanged; BackendKeyData is replaced by Tandem's key.
asio::awaitable<bool> Session::authenticate(const std::string& startup_packet) {
  co_await backend_->write_all(asio::buffer(startup_packet));
  auto first = co_await within(read_backend_message(), backend_timeout());
  if (!first)
    co_return co_await backend_unavailable(
        "no answer to the startup message within proxy.backend_connect_timeout_seconds");
  std::pair<char, std::string_view> message = *first;
  std::string to_client;
  for (bool have_message = true;; have_message = false) {
    if (!have_message) message = co_await read_backend_message();
    auto [type, body] = message;
    if (type == pgwire::backend::kBackendKeyData) {
      if (body.size() != 8) throw std::runtime_error("source PostgreSQL sent a malformed BackendKeyData");
      backend_pid_ = static_cast<std::int32_t>(read_u32(body, 0));
      const std::uint32_t backend_secret = read_u32(body, 4);
      const auto& source = ctx_.state.config.source.url;
      client_secret_ =
          ctx_.state.cancels.add(BackendCancelTarget{source.host, source.port, backend_pid_, backend_secret});
      pgwire::encode_backend_key_data(to_client, backend_pid_, *client_secret_);
      continue;
    }
    if (type == pgwire::backend::kAuthentication && body.size() >= 4 && read_u32(body, 0) == 10) {
      // Channel binding (SCRAM-SHA-256-PLUS) ties authentication to one TLS channel, and the
      // client's channel ends at the proxy: the binding can never verify, and libpq refuses a
      // PLUS offer on a plain connection outright. Offer the mechanisms without it.
      auto mechanisms = pgwire::decode_sasl_mechanisms(body.substr(4));
      if (!mechanisms) throw std::runtime_error("source PostgreSQL: " + mechanisms.error().message);
      std::erase_if(*mechanisms, [](const std::string& m) { return m.ends_with("-PLUS"); });
      pgwire::encode_authentication_sasl(to_client, *mechanisms);
    } else {
      to_client.append(scratch_.data(), body.size() + 5);
    }
    if (type == pgwire::backend::kParameterStatus) {
      note_parameter(body);
      if (filter_) {
        std::string ignored;
        (void)filter_->from_backend(type, body, std::string_view(scratch_.data(), body.size() + 5), ignored);
      }
    }
    if (type == pgwire::backend::kReadyForQuery) {
      transaction_status_ = body.empty() ? 'I' : body[0];
      co_await client_.write_all(asio::buffer(to_client));
      log::debug("session.ready")
          .kv("client", client_peer_)
          .kv("user", user_)
          .kv("database", database_)
          .kv("pid", std::int64_t{backend_pid_});
      co_return true;
    }
    if (type == pgwire::backend::kErrorResponse) {
      co_await client_.write_all(asio::buffer(to_client));
      log::info("session.rejected").kv("client", client_peer_).kv("user", user_).kv("database", database_);
      co_return false;
    }
    if (type == pgwire::backend::kAuthentication && body.size() >= 4) {
      const std::uint32_t code = read_u32(body, 0);
      const bool needs_answer =
          code == 3 || code == 5 || code == 7 || code == 8 || code == 9 || code == 10 || code == 11;
      if (needs_answer) {
        co_await client_.write_all(asio::buffer(to_client));
        to_client.clear();
        auto answer = co_await read_client_auth_message();
        if (!answer) co_return false;
        co_await backend_->write_all(asio::buffer(scratch_.data(), answer->second.size() + 5));
      }
    }
  }
}

asio::awaitable<void> Session::send_client_error(std::string_view severity, std::string_view sqlstate,
                                                 std::string_view message) {
  std::string out;
  pgwire::encode_error_response(out, severity, sqlstate, message);
  boost::system::error_code ec;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, std::chrono::seconds(5));
  // A client that does not read must not hold the session open.
  co_await (client_.write_all(asio::buffer(out)) || timer.async_wait(asio::use_awaitable));
}

void Session::on_client_message(const RelayedMessage& m) {
  sync_ignored_ = false;
  switch (m.type) {
    case 'S':
      // In copy-in mode PostgreSQL ignores a Sync: it answers none.
      if (copy_in_) {
        sync_ignored_ = true;
        break;
      }
      ++syncs_since_execute_;
      ++groups_sent_;
      ++awaiting_ready_;
      unsynced_ = false;
      break;
    case 'Q':
    case 'F':
      syncs_since_execute_ = 0;
      ++groups_sent_;
      ++awaiting_ready_;
      unsynced_ = false;
      break;
    case 'c':
    case 'f':
      copy_in_ = false;  // CopyDone, CopyFail
      break;
    case 'P':
    case 'E':
      syncs_since_execute_ = 0;
      unsynced_ = true;
      break;
    case 'B':
    case 'D':
    case 'C':
    case 'H':
      unsynced_ = true;
      break;
    default:
      break;
  }
  if (!filter_ && switchable_) {
    // What a filter started later needs: which statements this session prepared.
    if (m.type == 'Q') {
      known_statements_.erase(std::string());  // a simple Query drops the unnamed statement
    } else if (m.type == 'P') {
      StatementChange c;
      c.group = groups_sent_;
      c.name = std::string(cstring_at(m.prefix));
      if (m.length - 4 == m.prefix.size()) {
        if (auto p = pgwire::decode_parse(m.prefix)) c.parse = std::move(*p);
      }
      statement_changes_.push_back(std::move(c));
    } else if (m.type == 'C') {
      StatementChange c;
      c.group = groups_sent_;
      c.close = true;
      c.portal = m.prefix.empty() || m.prefix[0] != 'S';  // answered too, changes no statement
      if (!c.portal) c.name = std::string(cstring_at(m.prefix, 1));
      statement_changes_.push_back(std::move(c));
    }
  }
  switch (m.type) {
    case 'Q': {
      std::array<StatementClass, 16> classes{};
      const std::size_t n = pgwire::classify_statements(cstring_at(m.prefix), classes);
      query_may_commit_ = n > classes.size();  // more statements than classified: assume so
      for (std::size_t i = 0; i < std::min(n, classes.size()); ++i) {
        count(classes[i]);
        query_may_commit_ = query_may_commit_ || classes[i] != StatementClass::read;
      }
      pending_.push(Clock::now());
      break;
    }
    case 'P': {
      const auto name = cstring_at(m.prefix);
      const auto c = pgwire::classify_statement(cstring_at(m.prefix, name.size() + 1));
      if (name.empty()) {
        unnamed_statement_ = c;
      } else {
        auto it = prepared_.find(name);
        const auto kept = pgwire::class_for_reparse(it == prepared_.end() ? nullptr : &it->second, c);
        prepared_.insert_or_assign(std::string(name), kept);
      }
      break;
    }
    case 'B': {
      const auto portal = cstring_at(m.prefix);
      const auto statement = cstring_at(m.prefix, portal.size() + 1);
      StatementClass c = unnamed_statement_;
      if (!statement.empty()) {
        auto it = prepared_.find(statement);
        c = it == prepared_.end() ? StatementClass::other : it->second;
      }
      if (portal.empty()) {
        unnamed_portal_ = c;
      } else {
        portals_.insert_or_assign(std::string(portal), c);
      }
      break;
    }
    case 'E': {
      const auto portal = cstring_at(m.prefix);
      StatementClass c = unnamed_portal_;
      if (!portal.empty()) {
        auto it = portals_.find(portal);
        c = it == portals_.end() ? StatementClass::other : it->second;
      }
      count(c);
      batch_may_commit_ = batch_may_commit_ || c != StatementClass::read;
      break;
    }
    case 'C': {
      if (m.prefix.empty()) break;
      const auto name = cstring_at(m.prefix, 1);
      auto& map = m.prefix[0] == 'S' ? prepared_ : portals_;
      if (auto it = map.find(name); it != map.end()) map.erase(it);
      break;
    }
    case 'S':
    case 'F':
      pending_.push(Clock::now());
      break;
    default:
      break;
  }
}

void Session::note_parameter(std::string_view body) {
  const auto name = cstring_at(body);
  if (name != "standard_conforming_strings" && name != "client_encoding" && name != "TimeZone" && name != "DateStyle" &&
      name != "IntervalStyle")
    return;
  parameters_.insert_or_assign(std::string(name), std::string(cstring_at(body, name.size() + 1)));
}

void Session::on_backend_message(const RelayedMessage& m) {
  if (m.type == 'S') {
    note_parameter(m.prefix);
    return;
  }
  if (m.type == 'G') {
    // CopyInResponse: the Syncs the client sent after the COPY's Execute (PQexecParams sends
    // one) reach PostgreSQL in copy-in mode, which ignores them; so do later ones until CopyDone.
    copy_in_ = true;
    const auto ignored = syncs_since_execute_;
    syncs_since_execute_ = 0;
    awaiting_ready_ = std::max<std::int64_t>(0, awaiting_ready_ - ignored);
    groups_sent_ -= std::min<std::uint64_t>(groups_sent_ - groups_answered_, ignored);
    for (std::int64_t i = 0; i < ignored && !tickets_.empty(); ++i) {
      if (tickets_.back() && sink_) sink_->complete(*tickets_.back(), {});
      tickets_.pop_back();
    }
    return;
  }
  if (!filter_ && switchable_ && (m.type == '1' || m.type == '3')) {
    // ParseComplete, CloseComplete: the oldest Parse or Close took effect.
    if (statement_changes_.empty()) return;
    auto c = std::move(statement_changes_.front());
    statement_changes_.pop_front();
    if (c.close) {
      if (!c.portal) known_statements_.erase(c.name);
    } else {
      known_statements_.insert_or_assign(std::move(c.name), std::move(c.parse));
    }
    return;
  }
  if (m.type == 'E') {
    // PostgreSQL announces its own disconnects (terminate, shutdown) with a FATAL error; the
    // client must see that one, not a second one from us.
    const auto severity = cstring_at(m.prefix, 1);
    backend_sent_fatal_ = !m.prefix.empty() && m.prefix[0] == 'S' && (severity == "FATAL" || severity == "PANIC");
    return;
  }
  if (m.type != 'Z') return;
  if (!m.prefix.empty()) transaction_status_ = m.prefix[0];
  if (awaiting_ready_ > 0) --awaiting_ready_;
  // Those of the group just answered that got no answer were skipped after an error; later
  // groups (pipelined) are still to be answered.
  ++groups_answered_;
  while (!statement_changes_.empty() && statement_changes_.front().group < groups_answered_)
    statement_changes_.pop_front();
  if (auto started = pending_.pop()) {
    metrics_.statement_duration_seconds.Observe(std::chrono::duration<double>(Clock::now() - *started).count());
  }
}

asio::awaitable<ClientEnd> Session::pump_client_to_backend() {
  auto buffer = std::make_unique<char[]>(kRelayBufferBytes);
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await client_.read_some(asio::buffer(buffer.get(), kRelayBufferBytes), ec);
    if (ec == asio::error::operation_aborted) co_return ClientEnd::disconnected;
    if (ec) {
      co_await client_left();
      co_return ClientEnd::disconnected;
    }
    bool terminated = false;
    auto out = client_bytes({buffer.get(), n}, terminated);
    while (out && holding_) {
      // Held for a switch of the mirror: polled, as the switch lasts a moment.
      asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(2));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return ClientEnd::disconnected;
      if (!ctx_.state.hold.load()) out = client_resume(terminated);
    }
    if (!out) co_return ClientEnd::protocol_error;
    co_await backend_->write_all(asio::buffer(out->data(), out->size()), ec);
    if (ec) {
      // The backend is gone. The other direction owns writes to the client and will tell it;
      // make sure its read ends now, and give it time to do so.
      boost::system::error_code ignored;
      backend_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::seconds(5));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      co_return ClientEnd::disconnected;
    }
    if (terminated) co_return ClientEnd::terminated;
  }
}

asio::awaitable<void> Session::pump_backend_to_client() {
  auto buffer = std::make_unique<char[]>(kRelayBufferBytes);
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await backend_->read_some(asio::buffer(buffer.get(), kRelayBufferBytes), ec);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      co_await backend_lost(ec.message());
      co_return;
    }
    client_write_in_flight_ = true;
    const auto out = backend_bytes({buffer.get(), n});
    if (!out) throw std::runtime_error(protocol_error_);
    co_await client_.write_all(asio::buffer(out->data(), out->size()));
    client_write_in_flight_ = false;
  }
}

bool Session::filter_client(std::string_view chunk, std::string& out, bool& terminated) {
  out.clear();
  client_reader_->feed(chunk);
  for (;;) {
    auto next = client_reader_->next();
    if (!next) {
      protocol_error_ = next.error().message;
      return false;
    }
    if (!*next) return true;
    const auto& m = **next;
    if (!relay_frontend_types()[static_cast<unsigned char>(m.type)]) {
      protocol_error_ = "invalid message type " + std::to_string(static_cast<unsigned char>(m.type));
      return false;
    }
    if (m.type == 'X') terminated = true;
    on_client_message(RelayedMessage{m.type, static_cast<std::uint32_t>(m.body.size() + 4), m.body});
    if (auto r = filter_->from_client(m.type, m.body, m.whole, out); !r) {
      protocol_error_ = r.error().message;
      return false;
    }
    // Before the message reaches PostgreSQL: a commit it causes is ordered after every commit
    // whose message went before it.
    if (m.type == 'Q' || (m.type == 'S' && !sync_ignored_) || m.type == 'F') {
      const bool may_commit = m.type == 'F' || (m.type == 'Q' ? query_may_commit_ : batch_may_commit_);
      if (m.type == 'S') batch_may_commit_ = false;
      tickets_.push_back(may_commit && sink_ ? std::optional(sink_->take_ticket()) : std::nullopt);
    }
  }
}

bool Session::filter_backend(std::string_view chunk, std::string& out) {
  out.clear();
  if (backend_passthrough_ > 0) {
    const auto n = std::min(backend_passthrough_, chunk.size());
    out.append(chunk.substr(0, n));
    chunk.remove_prefix(n);
    backend_passthrough_ -= n;
  }
  backend_reader_->feed(chunk);
  for (;;) {
    auto next = backend_reader_->next();
    if (!next) {
      protocol_error_ = "source PostgreSQL: " + next.error().message;
      return false;
    }
    if (!*next) return true;
    const auto& m = **next;
    on_backend_message(RelayedMessage{m.type, static_cast<std::uint32_t>(m.body.size() + 4), m.body});
    if (auto r = filter_->from_backend(m.type, m.body, m.whole, out); !r) {
      protocol_error_ = "source PostgreSQL: " + r.error().message;
      return false;
    }
    if (m.type != 'Z') continue;
    std::optional<std::uint64_t> ticket;
    if (!tickets_.empty()) {
      ticket = tickets_.front();
      tickets_.pop_front();
    }
    auto committed = filter_->take_committed();
    if (!sink_) continue;                                              // the WAL mirror has them
    if (!ticket && !committed.empty()) ticket = sink_->take_ticket();  // not foreseen
    if (ticket) sink_->complete(*ticket, std::move(committed));
  }
}

asio::awaitable<void> Session::relay() {
  if (ctx_.relay_loop && !client_.is_tls() && !backend_->is_tls()) {
    co_await relay_on_loop(ctx_.relay_loop());
    co_return;
  }
  // Whichever direction ends first aborts the other's pending operations, so the pair never
  // waits on an operation that ignores per-operation cancellation.
  auto client_side = [this]() -> asio::awaitable<ClientEnd> {
    struct Abort {
      Session* s;
      ~Abort() {
        s->client_.cancel();
        s->backend_->cancel();
      }
    } abort{this};
    co_return co_await pump_client_to_backend();
  };
  auto backend_side = [this]() -> asio::awaitable<void> {
    struct Abort {
      Session* s;
      ~Abort() {
        s->client_.cancel();
        s->backend_->cancel();
      }
    } abort{this};
    co_await pump_backend_to_client();
  };
  auto outcome = co_await (client_side() || backend_side());
  if (outcome.index() == 0 && std::get<0>(outcome) == ClientEnd::protocol_error) co_await client_protocol_error();
}

asio::awaitable<void> Session::client_left() {
  if (!client_at_boundary()) co_return;
  // Tell PostgreSQL the client is gone rather than leave it to notice a dead socket.
  static constexpr char terminate[] = {'X', 0, 0, 0, 4};
  boost::system::error_code ignored;
  co_await backend_->write_all(asio::buffer(terminate, sizeof terminate), ignored);
}

asio::awaitable<void> Session::backend_lost(std::string_view error) {
  log::warn("backend.lost").kv("client", client_peer_).kv("pid", std::int64_t{backend_pid_}).kv("error", error);
  if (backend_at_boundary() && !backend_sent_fatal_) {
    co_await send_client_error("FATAL", "08006", "tandem: the connection to the source PostgreSQL was lost");
  }
}

asio::awaitable<void> Session::client_protocol_error() {
  metrics_.protocol_errors_total.Increment();
  log::info("session.protocol_error")
      .kv("client", client_peer_)
      .kv("pid", std::int64_t{backend_pid_})
      .kv("error", protocol_error_);
  // Only at a message boundary can an ErrorResponse be read as one.
  if (!client_write_in_flight_ && backend_at_boundary()) {
    co_await send_client_error("FATAL", "08P01", "tandem: protocol violation: " + protocol_error_);
  }
}

void Session::make_filter() {
  filter_ = std::make_unique<pgwire::MirrorFilter>(
      [this](std::string_view schema, std::string_view table) { return sink_ && sink_->images(user_, schema, table); },
      &ctx_.state.ddl_epoch,
      [this](std::string_view schema, std::string_view table) { return sink_ && sink_->on_mysql(schema, table); },
      sink_ ? sink_->capture_budget() : nullptr);
  client_reader_.emplace(ctx_.state.config.proxy.max_message_bytes, pgwire::MessageReader::Phase::regular);
  backend_reader_.emplace(SIZE_MAX, pgwire::MessageReader::Phase::regular);
}

bool Session::leave_rest() {
  auto& state = ctx_.state;
  // Counted before the hold is read, and the switch sets the hold before it reads the count:
  // either the switch waits for this session, or this session waits for the switch.
  state.busy_sessions.fetch_add(1);
  if (state.hold.load()) {
    state.busy_sessions.fetch_sub(1);
    return false;
  }
  busy_ = true;
  if (generation_ != state.mirror_generation.load()) follow_mirror();
  return true;
}

// The mirror switched since this session's last transaction boundary: it now journals its writes
// to the new sink, or to none.
void Session::follow_mirror() {
  generation_ = ctx_.state.mirror_generation.load();
  sink_ = ctx_.state.mirror_sink();
  if (filter_) {
    filter_->set_budget(sink_ ? sink_->capture_budget() : nullptr);
    if (sink_) filter_->rewrite_prepared();
    return;
  }
  if (!sink_) return;
  make_filter();
  for (const auto& [name, value] : parameters_) filter_->adopt_parameter(name, value);
  for (const auto& [name, parse] : known_statements_) filter_->adopt_statement(name, parse);
  known_statements_.clear();
  statement_changes_.clear();
  // A server message may have begun (a notification, say): its bytes pass unread.
  backend_passthrough_ = backend_scanner_.body_left();
  backend_reader_->feed(backend_scanner_.partial_header());
  log::debug("session.mirror_capture_started").kv("client", client_peer_).kv("pid", std::int64_t{backend_pid_});
}

std::optional<std::string_view> Session::client_resume(bool& terminated) {
  if (!holding_ || ctx_.state.hold.load()) return std::string_view{};
  holding_ = false;
  resumed_ = std::move(held_);
  held_.clear();
  return take_client_bytes(resumed_, terminated);
}

std::optional<std::string_view> Session::client_bytes(std::string_view chunk, bool& terminated) {
  metrics_.client_received_bytes_total.Increment(static_cast<double>(chunk.size()));
  return take_client_bytes(chunk, terminated);
}

std::optional<std::string_view> Session::take_client_bytes(std::string_view chunk, bool& terminated) {
  if (holding_) {
    held_.append(chunk);
    return std::string_view{};
  }
  if (switchable_ && !busy_ && !leave_rest()) {
    holding_ = true;
    held_.assign(chunk);
    return std::string_view{};
  }
  if (filter_) {
    if (!filter_client(chunk, client_out_, terminated)) return std::nullopt;
    return std::string_view(client_out_);
  }
  auto scanned = client_scanner_.scan(chunk, [&](const RelayedMessage& m) {
    if (m.type == 'X') terminated = true;
    on_client_message(m);
  });
  if (!scanned) {
    protocol_error_ = scanned.error().message;
    return std::nullopt;
  }
  return chunk;
}

std::optional<std::string_view> Session::backend_bytes(std::string_view chunk) {
  if (filter_) {
    // Committed transactions go to the journal as each ReadyForQuery passes, without holding
    // the client: PostgreSQL has committed either way, so waiting for the sync would not make
    // the mirror safer. A crash before the sync is covered by the replication slot, which the
    // mirror drains on restart (docs/mirror.md).
    if (!filter_backend(chunk, backend_out_)) return std::nullopt;
    note_ready();
    metrics_.client_sent_bytes_total.Increment(static_cast<double>(backend_out_.size()));
    return std::string_view(backend_out_);
  }
  auto scanned = backend_scanner_.scan(chunk, [&](const RelayedMessage& m) { on_backend_message(m); });
  if (!scanned) {
    protocol_error_ = "source PostgreSQL: " + scanned.error().message;
    return std::nullopt;
  }
  note_ready();
  metrics_.client_sent_bytes_total.Increment(static_cast<double>(chunk.size()));
  return chunk;
}

void Session::relay_ended(RelayResult result) {
  relay_result_ = std::move(result);
  asio::post(relay_done_->get_executor(), [this] {
    relay_finished_ = true;
    relay_done_->cancel();
  });
}

asio::awaitable<void> Session::relay_on_loop(RelayLoop& loop) {
  auto executor = co_await asio::this_coro::executor;
  auto& client = client_.socket();
  auto& backend = backend_->socket();
  const auto client_protocol = client.local_endpoint().protocol();
  const auto backend_protocol = backend.local_endpoint().protocol();
  client.non_blocking(true);
  backend.non_blocking(true);
  relay_done_.emplace(executor, asio::steady_timer::time_point::max());
  const int client_fd = client.release();
  int backend_fd = -1;
  try {
    backend_fd = backend.release();
  } catch (...) {
    client_ = Stream(tcp::socket(executor, client_protocol, client_fd));  // closed by run()
    throw;
  }
  loop.add(client_fd, backend_fd, this);
  while (!relay_finished_) {
    boost::system::error_code ignored;
    co_await relay_done_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  RelayResult r = std::move(*relay_result_);
  client_ = Stream(tcp::socket(executor, client_protocol, r.client_fd));
  backend_.emplace(tcp::socket(executor, backend_protocol, r.backend_fd));

  // What the loop had read but not yet written goes first, then the session ends as the
  // coroutine relay would end it. Not to a client that is gone or said goodbye, and within a
  // bound: a peer that no longer reads (PostgreSQL blocked writing to us, a client that stopped
  // reading) must not hold the session forever.
  if (r.end == RelayEnd::client_write_failed || r.end == RelayEnd::client_closed) r.to_backend.clear();
  if (r.end == RelayEnd::client_terminated) r.to_client.clear();
  if (!r.to_backend.empty() && !co_await write_within(*backend_, r.to_backend)) co_return;
  if (!r.to_client.empty() && !co_await write_within(client_, r.to_client)) co_return;
  const auto error = r.error ? std::system_category().message(r.error) : std::string("end of file");
  switch (r.end) {
    case RelayEnd::client_closed:
      co_await client_left();
      break;
    case RelayEnd::client_terminated:
    case RelayEnd::client_write_failed:
      break;
    case RelayEnd::client_protocol_error:
      co_await client_protocol_error();
      break;
    case RelayEnd::backend_closed:
      co_await backend_lost(error);
      break;
    case RelayEnd::backend_protocol_error:
      log::warn("session.error").kv("client", client_peer_).kv("error", protocol_error_);
      break;
    case RelayEnd::peer_failed:
      log::warn("session.error").kv("client", client_peer_).kv("error", r.failure);
      break;
  }
}

asio::awaitable<bool> Session::write_within(Stream& to, std::string_view bytes) {
  boost::system::error_code ec;
  auto written = co_await within(to.write_all(asio::buffer(bytes.data(), bytes.size()), ec), kHandBackLimit, &to);
  co_return written.has_value() && !ec;
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket client, SessionContext& ctx) {
  Session session(std::move(client), ctx);
  co_await session.run();
}

}  // namespace tandem::proxy

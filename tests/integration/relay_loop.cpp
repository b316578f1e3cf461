// The relay loop on real sockets (socket pairs standing for the client's and PostgreSQL's
// connections): bytes pass unchanged both ways, a reader that stops reading holds the writer
// back without losing anything, and every way a relay ends hands the sockets back with what
// was read but not yet written.
#include "proxy/relay_loop.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using tandem::proxy::RelayEnd;
using tandem::proxy::RelayLoop;
using tandem::proxy::RelayPeer;
using tandem::proxy::RelayResult;
using namespace std::chrono_literals;

namespace {

// One connected pair: `near` goes to the relay loop, the test talks through `far`.
struct Pair {
  int near = -1, far = -1;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    near = fds[0];
    far = fds[1];
    ::fcntl(near, F_SETFL, ::fcntl(near, F_GETFL, 0) | O_NONBLOCK);
  }
  ~Pair() {
    if (far >= 0) ::close(far);
  }
  void close_far() {
    ::close(far);
    far = -1;
  }
};

class Peer final : public RelayPeer {
 public:
  std::optional<std::string_view> client_bytes(std::string_view chunk, bool& terminated) override {
    if (chunk.find("refuse") != std::string_view::npos) return std::nullopt;
    terminated = chunk.find('X') != std::string_view::npos;
    from_client += chunk.size();
    if (chunk.starts_with("upper:")) {
      // A peer that changes what passes: the loop writes the peer's bytes, not the chunk.
      changed_.assign(chunk.substr(6));
      for (auto& c : changed_) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return std::string_view(changed_);
    }
    return chunk;
  }
  std::optional<std::string_view> backend_bytes(std::string_view chunk) override {
    from_backend += chunk.size();
    if (chunk.find("refuse") != std::string_view::npos) return std::nullopt;
    if (chunk == "hold") return std::string_view();  // kept back, as a filter keeps a partial message
    return chunk;
  }
  void relay_ended(RelayResult r) override {
    std::lock_guard lock(mutex_);
    result_ = std::move(r);
    ended_.notify_all();
  }
  std::optional<RelayResult> wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    ended_.wait_for(lock, limit, [&] { return result_.has_value(); });
    return std::move(result_);
  }
  bool ended() {
    std::lock_guard lock(mutex_);
    return result_.has_value();
  }
  // Written on the loop's thread, read after the relay ended or once traffic was seen through.
  std::atomic<std::size_t> from_client{0}, from_backend{0};

 private:
  std::mutex mutex_;
  std::condition_variable ended_;
  std::optional<RelayResult> result_;
  std::string changed_;
};

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads exactly n bytes (or until end of file) within the limit.
std::string read_n(int fd, std::size_t n, std::chrono::milliseconds limit = 10s) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[65536];
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

bool readable_within(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>('0' + (x >> 24) % 10);  // digits: never a Terminate or "refuse"
  }
  return s;
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// A relay loop relaying one session between socket pairs, through a Peer.
struct Relayed {
  RelayLoop loop;
  Pair client, backend;
  Peer peer;
  Relayed() { loop.add(client.near, backend.near, &peer); }
};

void close_handed_back(const RelayResult& r) {
  ::close(r.client_fd);
  ::close(r.backend_fd);
}

}  // namespace

TEST_CASE("bytes pass both ways unchanged, and each side's chunks reach the peer") {
  RelayLoop loop;
  Pair client, backend;
  Peer peer;
  loop.add(client.near, backend.near, &peer);
  CHECK(loop.sessions() == 1);

  write_all(client.far, "query one");
  CHECK(read_n(backend.far, 9) == "query one");
  write_all(backend.far, "answer one");
  CHECK(read_n(client.far, 10) == "answer one");
  CHECK(peer.from_client == 9);
  CHECK(peer.from_backend == 10);
  // What the peer makes of a chunk is what is forwarded; a chunk it holds back forwards nothing.
  write_all(client.far, "upper:rewritten");
  CHECK(read_n(backend.far, 9) == "REWRITTEN");
  write_all(backend.far, "hold");
  CHECK_FALSE(readable_within(client.far, 200ms));
  write_all(backend.far, "next");
  CHECK(read_n(client.far, 4) == "next");

  client.close_far();
  auto r = peer.wait(5s);
  REQUIRE(r);
  CHECK(r->end == RelayEnd::client_closed);
  CHECK(r->error == 0);
  // Both sockets are the session's again and still work.
  CHECK(r->client_fd == client.near);
  CHECK(r->backend_fd == backend.near);
  write_all(r->backend_fd, "after");
  CHECK(read_n(backend.far, 5) == "after");
  ::close(r->client_fd);
  ::close(r->backend_fd);
  for (int i = 0; i < 100 && loop.sessions() != 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(loop.sessions() == 0);
}

TEST_CASE("a reader that stops reading holds the writer back, and nothing is lost either way") {
  RelayLoop loop;
  Pair client, backend;
  Peer peer;
  loop.add(client.near, backend.near, &peer);

  const std::string down = pattern(48 << 20, 1);  // PostgreSQL to the client
  const std::string up = pattern(24 << 20, 2);    // the client to PostgreSQL
  std::thread backend_writer([&] { write_all(backend.far, down); });
  std::thread client_writer([&] { write_all(client.far, up); });
  // Neither side reads for a while: every buffer on the way fills.
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(peer.ended());
  std::string got_up;
  std::thread backend_reader([&] { got_up = read_n(backend.far, up.size(), 60s); });
  const std::string got_down = read_n(client.far, down.size(), 60s);
  backend_reader.join();
  backend_writer.join();
  client_writer.join();
  CHECK(got_down.size() == down.size());
  CHECK(got_down == down);
  CHECK(got_up.size() == up.size());
  CHECK(got_up == up);
  CHECK_FALSE(peer.ended());
  loop.stop();
  CHECK(read_n(client.far, 1, 2s).empty());  // stop closed what it relayed
  CHECK_FALSE(peer.ended());                 // without calling back
}

TEST_CASE("what PostgreSQL sent before it closed reaches a client that reads late") {
  RelayLoop loop;
  Pair client, backend;
  Peer peer;
  loop.add(client.near, backend.near, &peer);
  const std::string last_words = pattern(8 << 20, 3);
  std::thread writer([&] {
    write_all(backend.far, last_words);
    backend.close_far();
  });
  std::this_thread::sleep_for(300ms);
  // The relay holds what the client has not taken yet: it has not ended.
  CHECK_FALSE(peer.ended());
  const std::string got = read_n(client.far, last_words.size(), 30s);
  writer.join();
  auto r = peer.wait(5s);
  REQUIRE(r);
  CHECK(r->end == RelayEnd::backend_closed);
  CHECK(got.size() + r->to_client.size() == last_words.size());
  CHECK(got + r->to_client == last_words);
  ::close(r->client_fd);
  ::close(r->backend_fd);
}

TEST_CASE("a refused client chunk is not forwarded; a Terminate is forwarded and ends the relay") {
  Relayed s;
  SUBCASE("refused") {
    write_all(s.client.far, "please refuse this");
    auto r = s.peer.wait(5s);
    REQUIRE(r);
    CHECK(r->end == RelayEnd::client_protocol_error);
    CHECK_FALSE(readable_within(s.backend.far, 200ms));
    close_handed_back(*r);
  }
  SUBCASE("terminate") {
    write_all(s.client.far, "bye X");
    auto r = s.peer.wait(5s);
    REQUIRE(r);
    CHECK(r->end == RelayEnd::client_terminated);
    CHECK(read_n(s.backend.far, 5) + r->to_backend == "bye X");
    CHECK(is_open(r->client_fd));
    close_handed_back(*r);
  }
  SUBCASE("refused from PostgreSQL") {
    write_all(s.backend.far, "refuse");
    auto r = s.peer.wait(5s);
    REQUIRE(r);
    CHECK(r->end == RelayEnd::backend_protocol_error);
    CHECK_FALSE(readable_within(s.client.far, 200ms));
    close_handed_back(*r);
  }
}

TEST_CASE("a client that stops accepting PostgreSQL's output ends the relay as a failed write") {
  RelayLoop loop;
  Pair client, backend;
  Peer peer;
  loop.add(client.near, backend.near, &peer);
  write_all(backend.far, "first");
  CHECK(read_n(client.far, 5) == "first");
  ::shutdown(client.far, SHUT_RD);  // the client's side refuses further data
  client.close_far();
  std::thread writer([&] {
    for (int i = 0; i < 50 && !peer.ended(); ++i) {
      (void)::send(backend.far, "more", 4, MSG_NOSIGNAL);
      std::this_thread::sleep_for(10ms);
    }
  });
  auto r = peer.wait(5s);
  writer.join();
  REQUIRE(r);
  // Whichever the loop saw first: the client's end of file, or the failed write to it.
  CHECK((r->end == RelayEnd::client_closed || r->end == RelayEnd::client_write_failed));
  ::close(r->client_fd);
  ::close(r->backend_fd);
}

TEST_CASE("many sessions on one loop stay apart") {
  RelayLoop loop;
  constexpr int kSessions = 64;
  std::vector<std::unique_ptr<Pair>> clients, backends;
  std::vector<std::unique_ptr<Peer>> peers;
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<Pair>());
    backends.push_back(std::make_unique<Pair>());
    peers.push_back(std::make_unique<Peer>());
    loop.add(clients[i]->near, backends[i]->near, peers[i].get());
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kSessions; ++i) write_all(clients[i]->far, "q" + std::to_string(i));
    for (int i = 0; i < kSessions; ++i) {
      const std::string want = "q" + std::to_string(i);
      CHECK(read_n(backends[i]->far, want.size()) == want);
      write_all(backends[i]->far, "a" + std::to_string(i));
    }
    for (int i = 0; i < kSessions; ++i) {
      const std::string want = "a" + std::to_string(i);
      CHECK(read_n(clients[i]->far, want.size()) == want);
    }
  }
  CHECK(loop.sessions() == kSessions);
  loop.stop();
}

namespace {

// A peer that holds its client's bytes while `hold` is set, as a session does during a switch
// of the mirror, and hands them back when the loop resumes it.
class HoldingPeer final : public RelayPeer {
 public:
  std::atomic<bool> hold{true};
  std::atomic<std::size_t> held_most{0};

  std::optional<std::string_view> client_bytes(std::string_view chunk, bool&) override {
    if (holding_ || hold) {
      holding_ = true;
      held_.append(chunk);
      held_most = std::max<std::size_t>(held_most, held_.size());
      return std::string_view{};
    }
    return chunk;
  }
  std::optional<std::string_view> backend_bytes(std::string_view chunk) override { return chunk; }
  std::optional<std::string_view> client_resume(bool&) override {
    if (!holding_ || hold) return std::string_view{};
    holding_ = false;
    resumed_ = std::move(held_);
    held_.clear();
    return std::string_view(resumed_);
  }
  bool client_held() const override { return holding_; }
  void relay_ended(RelayResult r) override {
    ::close(r.client_fd);
    ::close(r.backend_fd);
  }

 private:
  bool holding_ = false;
  std::string held_, resumed_;
};

}  // namespace

TEST_CASE("a held client is not read until resumed: what is held stays within one read, nothing is lost") {
  RelayLoop loop;
  Pair client, backend;
  HoldingPeer peer;
  loop.add(client.near, backend.near, &peer);

  const std::string up = pattern(8 << 20, 3);
  std::thread client_writer([&] { write_all(client.far, up); });
  std::this_thread::sleep_for(300ms);
  // The client's writes wait in the socket's buffers, not in the peer.
  CHECK(peer.held_most.load() <= 64u << 10);
  CHECK_FALSE(readable_within(backend.far, 100ms));
  // Backend output still passes while the client is held.
  write_all(backend.far, "notice");
  CHECK(read_n(client.far, 6) == "notice");

  peer.hold = false;
  loop.resume_held();
  const std::string got = read_n(backend.far, up.size(), 60s);
  client_writer.join();
  CHECK(got.size() == up.size());
  CHECK(got == up);
  loop.stop();
}

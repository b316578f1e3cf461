// The steady-state relay of plain TCP sessions: a thread with a level-triggered epoll loop that
// owns the client's and the backend's descriptors once authentication is done. Per round trip it
// makes one read and one write per direction and shares one epoll_wait among all ready sessions,
// with no per-message allocation and no re-registration unless a peer stops reading. No Asio
// here; the session hands its sockets over and takes them back when the relay ends.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::proxy {

enum class RelayEnd {
  client_closed,           // the client hung up (or its socket failed)
  client_terminated,       // the client sent Terminate, which was forwarded
  client_protocol_error,   // client_bytes refused a chunk; nothing of it was forwarded
  client_write_failed,     // the client stopped accepting what PostgreSQL sent
  backend_closed,          // PostgreSQL hung up or its socket failed
  backend_protocol_error,  // backend_bytes refused a chunk; nothing of it was forwarded
  peer_failed,             // client_bytes or backend_bytes threw (RelayResult::failure says what)
};

struct RelayResult {
  RelayEnd end = RelayEnd::client_closed;
  int error = 0;        // errno of the failed socket call, 0 for an orderly close
  std::string failure;  // for peer_failed
  int client_fd = -1, backend_fd = -1;
  // Read and accepted, but not yet written: the session writes these before it acts on `end`.
  std::string to_client, to_backend;
};

// A relayed session's view of its traffic. Called on the loop's thread only, while the session
// itself is suspended, so the session needs no locks for what these touch.
class RelayPeer {
 public:
  // Each chunk read from the client, before it is forwarded. Returns what to forward: the chunk
  // itself, or bytes the peer keeps unchanged until its next call for the same direction (which
  // comes only once they are written); nullopt: a protocol error, nothing is forwarded.
  virtual std::optional<std::string_view> client_bytes(std::string_view chunk, bool& terminated) = 0;
  // The same for each chunk read from PostgreSQL; nullopt: not the protocol.
  virtual std::optional<std::string_view> backend_bytes(std::string_view chunk) = 0;
  // Once per session: the relay is over and the descriptors are the session's again.
  virtual void relay_ended(RelayResult result) = 0;
  // After RelayLoop::resume_held: what the peer kept of the client's bytes (client_bytes gave
  // back nothing for them) and now forwards, as client_bytes returns it; empty: nothing.
  virtual std::optional<std::string_view> client_resume(bool& terminated) {
    (void)terminated;
    return std::string_view{};
  }
  // Whether the peer holds its client's bytes (client_bytes kept a chunk back until
  // client_resume): the loop reads no more from the client meanwhile, so what is held stays
  // within one read.
  virtual bool client_held() const { return false; }

 protected:
  ~RelayPeer() = default;
};

class RelayLoop {
 public:
  RelayLoop();  // starts the thread
  ~RelayLoop();
  RelayLoop(const RelayLoop&) = delete;
  RelayLoop& operator=(const RelayLoop&) = delete;

  // Takes over two connected, non-blocking sockets. Thread-safe.
  void add(int client_fd, int backend_fd, RelayPeer* peer);
  // Calls client_resume of every session it relays whose client bytes are all written. Thread-safe.
  void resume_held();
  // Ends the thread, closing every socket it still relays without calling relay_ended: for the
  // end of the process, after the sessions' own loops have stopped.
  void stop();

  std::size_t sessions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy

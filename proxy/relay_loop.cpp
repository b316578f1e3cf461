// Level-triggered epoll relay. Each socket is registered for what its session needs from it now:
// input while the opposite socket has nothing left to write, output while bytes for it wait. In
// the common case both stay "input only" for the session's whole life, so a round trip costs one
// recv and one send per direction and no epoll_ctl at all.
#include "proxy/relay_loop.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace tandem::proxy {
namespace {

constexpr std::size_t kBufferBytes = 32 * 1024;
constexpr int kMaxEvents = 128;

struct Job;

// One socket of a relayed session.
struct Side {
  Job* job = nullptr;
  int fd = -1;
  std::uint32_t interest = 0;  // what epoll watches; 0: not registered
};

// Bytes read from one socket and not yet written to the other: in `buffer`, where they were
// read, or in the peer's own memory when it changed them.
struct Pipe {
  std::unique_ptr<char[]> buffer = std::make_unique<char[]>(kBufferBytes);
  const char* data = nullptr;
  std::size_t begin = 0, end = 0;
  bool pending() const { return begin < end; }
  std::string rest() const { return pending() ? std::string(data + begin, end - begin) : std::string(); }
};

struct Job {
  RelayPeer* peer = nullptr;
  Side client, backend;
  Pipe to_backend, to_client;
  // A write to PostgreSQL failed: what it still says (often a FATAL error) is read and passed on
  // until it closes; the client is not read meanwhile.
  bool backend_failed = false;
  bool done = false;
  std::size_t index = 0;  // in Impl::live
};

}  // namespace

struct RelayLoop::Impl {
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread thread;
  std::atomic<std::size_t> count{0};

  std::mutex mutex;  // guards incoming and stopping
  std::vector<std::unique_ptr<Job>> incoming;
  bool stopping = false;
  bool resume = false;

  // Loop thread only.
  std::vector<std::unique_ptr<Job>> live;
  std::vector<Job*> ended;

  Impl() {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) throw std::system_error(errno, std::generic_category(), "relay: epoll_create1");
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) {
      ::close(epoll_fd);
      throw std::system_error(errno, std::generic_category(), "relay: eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake-up descriptor
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) < 0) {
      const int e = errno;
      ::close(wake_fd);
      ::close(epoll_fd);
      throw std::system_error(e, std::generic_category(), "relay: epoll_ctl");
    }
    thread = std::thread([this] { run(); });
  }

  ~Impl() {
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void run() {
    pthread_setname_np(pthread_self(), "tandem-relay");
    epoll_event events[kMaxEvents];
    for (;;) {
      const int n = ::epoll_wait(epoll_fd, events, kMaxEvents, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::terminate();  // only EBADF/EFAULT/EINVAL: a bug, not a condition to survive
      }
      for (int i = 0; i < n; ++i) {
        auto* side = static_cast<Side*>(events[i].data.ptr);
        if (side == nullptr) {
          if (!take_commands()) return;
          continue;
        }
        Job& job = *side->job;
        if (job.done) continue;
        const std::uint32_t ev = events[i].events;
        const bool is_client = side == &job.client;
        if ((side->interest & EPOLLIN) && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) readable(job, is_client);
        if (!job.done && (side->interest & EPOLLOUT) && (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
          flush(job, /*to_backend=*/!is_client);
      }
      reap();
    }
  }

  // New sessions in, or the order to stop; false when stopping.
  bool take_commands() {
    std::uint64_t ignored;
    [[maybe_unused]] auto r = ::read(wake_fd, &ignored, sizeof ignored);
    std::vector<std::unique_ptr<Job>> jobs;
    bool stop, resume_now;
    {
      std::lock_guard lock(mutex);
      jobs.swap(incoming);
      stop = stopping;
      resume_now = std::exchange(resume, false);
    }
    for (auto& job : jobs) {
      job->index = live.size();
      Job& j = *live.emplace_back(std::move(job));
      update(j);
    }
    if (resume_now && !stop)
      for (auto& job : live)
        if (!job->done && !job->to_backend.pending() && !job->backend_failed) resumed(*job);
    if (!stop) return true;
    for (auto& job : live) {
      if (job->done) continue;
      ::close(job->client.fd);
      ::close(job->backend.fd);
    }
    live.clear();
    count.store(0, std::memory_order_relaxed);
    return false;
  }

  void set_interest(Side& s, std::uint32_t want) {
    if (want == s.interest) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.ptr = &s;
    const int op = want == 0 ? EPOLL_CTL_DEL : s.interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (::epoll_ctl(epoll_fd, op, s.fd, &ev) < 0) {
      // Only a descriptor that is no socket any more can get here; end the session on it.
      s.interest = 0;
      finish(*s.job, &s == &s.job->client ? RelayEnd::client_closed : RelayEnd::backend_closed, errno);
      return;
    }
    s.interest = want;
  }

  // Registers each socket for exactly what the session waits for from it.
  void update(Job& j) {
    std::uint32_t client = 0, backend = 0;
    if (!j.to_backend.pending() && !j.backend_failed && !j.peer->client_held()) client |= EPOLLIN;
    if (j.to_client.pending()) client |= EPOLLOUT;
    if (!j.to_client.pending()) backend |= EPOLLIN;
    if (j.to_backend.pending() && !j.backend_failed) backend |= EPOLLOUT;
    set_interest(j.client, client);
    if (!j.done) set_interest(j.backend, backend);
  }

  void readable(Job& j, bool from_client) {
    Side& source = from_client ? j.client : j.backend;
    Pipe& pipe = from_client ? j.to_backend : j.to_client;
    const ssize_t n = ::recv(source.fd, pipe.buffer.get(), kBufferBytes, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
      finish(j, from_client ? RelayEnd::client_closed : RelayEnd::backend_closed, n < 0 ? errno : 0);
      return;
    }
    const std::string_view chunk(pipe.buffer.get(), static_cast<std::size_t>(n));
    bool terminated = false;
    std::optional<std::string_view> out;
    try {
      out = from_client ? j.peer->client_bytes(chunk, terminated) : j.peer->backend_bytes(chunk);
    } catch (const std::exception& e) {
      // Out of memory in a filter, say: this session ends, the others go on.
      finish(j, RelayEnd::peer_failed, 0, e.what());
      return;
    }
    if (!out) {
      finish(j, from_client ? RelayEnd::client_protocol_error : RelayEnd::backend_protocol_error, 0);
      return;
    }
    pipe.data = out->data();
    pipe.begin = 0;
    pipe.end = out->size();
    flush(j, from_client);
    if (terminated && !j.done) finish(j, RelayEnd::client_terminated, 0);
    // Held (the peer forwards nothing of it): nothing more is read from the client until resumed.
    if (from_client && out->empty() && !j.done && j.peer->client_held()) update(j);
  }

  // What a session kept of its client's bytes goes on to PostgreSQL, as if just read.
  void resumed(Job& j) {
    bool terminated = false;
    std::optional<std::string_view> out;
    try {
      out = j.peer->client_resume(terminated);
    } catch (const std::exception& e) {
      finish(j, RelayEnd::peer_failed, 0, e.what());
      return;
    }
    if (!out) {
      finish(j, RelayEnd::client_protocol_error, 0);
      return;
    }
    if (out->empty() && !terminated) {
      update(j);  // reading the client again, unless still held
      return;
    }
    j.to_backend.data = out->data();
    j.to_backend.begin = 0;
    j.to_backend.end = out->size();
    flush(j, true);
    if (terminated && !j.done) finish(j, RelayEnd::client_terminated, 0);
    if (!j.done) update(j);
  }

  // Writes what waits for one socket, as far as it takes it.
  void flush(Job& j, bool to_backend) {
    Pipe& pipe = to_backend ? j.to_backend : j.to_client;
    Side& target = to_backend ? j.backend : j.client;
    while (pipe.pending()) {
      const ssize_t w = ::send(target.fd, pipe.data + pipe.begin, pipe.end - pipe.begin, MSG_NOSIGNAL);
      if (w > 0) {
        pipe.begin += static_cast<std::size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (!to_backend) {
        finish(j, RelayEnd::client_write_failed, w < 0 ? errno : 0);
        return;
      }
      // PostgreSQL is going away; whatever it still sends is read until it closes.
      j.backend_failed = true;
      pipe.begin = pipe.end = 0;
      ::shutdown(j.backend.fd, SHUT_WR);
      update(j);
      return;
    }
    if (!pipe.pending()) pipe.begin = pipe.end = 0;
    // Written whole at the first try, the common case, leaves the registrations as they are.
    if (pipe.pending() != ((target.interest & EPOLLOUT) != 0)) update(j);
  }

  void finish(Job& j, RelayEnd end, int error, std::string failure = {}) {
    if (j.done) return;
    j.done = true;
    for (Side* s : {&j.client, &j.backend}) {
      // Also when not registered as far as we know: a failed epoll_ctl may have left it so.
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s->fd, nullptr);
      s->interest = 0;
    }
    RelayResult result;
    result.end = end;
    result.error = error;
    result.failure = std::move(failure);
    result.client_fd = j.client.fd;
    result.backend_fd = j.backend.fd;
    result.to_client = j.to_client.rest();
    result.to_backend = j.backend_failed ? std::string() : j.to_backend.rest();
    ended.push_back(&j);
    // From here on the descriptors and the peer belong to the session again.
    j.peer->relay_ended(std::move(result));
  }

  void reap() {
    for (Job* j : ended) {
      const std::size_t at = j->index;
      if (at + 1 != live.size()) {
        live[at] = std::move(live.back());
        live[at]->index = at;
      }
      live.pop_back();
    }
    if (!ended.empty()) count.store(live.size(), std::memory_order_relaxed);
    ended.clear();
  }
};

RelayLoop::RelayLoop() : impl_(std::make_unique<Impl>()) {}

RelayLoop::~RelayLoop() { stop(); }

void RelayLoop::add(int client_fd, int backend_fd, RelayPeer* peer) {
  auto job = std::make_unique<Job>();
  job->peer = peer;
  job->client = Side{job.get(), client_fd, 0};
  job->backend = Side{job.get(), backend_fd, 0};
  {
    std::lock_guard lock(impl_->mutex);
    impl_->incoming.push_back(std::move(job));
  }
  impl_->count.fetch_add(1, std::memory_order_relaxed);
  impl_->wake();
}

void RelayLoop::resume_held() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->resume = true;
  }
  impl_->wake();
}

void RelayLoop::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake();
  impl_->thread.join();
}

std::size_t RelayLoop::sessions() const { return impl_->count.load(std::memory_order_relaxed); }

}  // namespace tandem::proxy

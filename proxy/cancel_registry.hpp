// Maps the cancel keys Tandem hands to clients onto the backend connections they stand for.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace tandem::proxy {

// What a CancelRequest needs to reach the right backend.
struct BackendCancelTarget {
  std::string host;
  std::uint16_t port = 0;
  std::int32_t backend_pid = 0;
  std::uint32_t backend_secret = 0;
};

// Shared by all sessions; touched only when a session starts or ends and on a cancel, never on
// the relay path. The client-visible key is (backend pid, Tandem's secret), so the same key keeps
// naming the session when its statements are later served by another engine.
class CancelRegistry {
 public:
  // Registers a session and returns the secret to hand to its client.
  std::uint32_t add(BackendCancelTarget target);
  void remove(std::int32_t pid, std::uint32_t client_secret);
  std::optional<BackendCancelTarget> find(std::int32_t pid, std::uint32_t client_secret) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::int32_t, std::uint32_t>, BackendCancelTarget> entries_;
};

}  // namespace tandem::proxy

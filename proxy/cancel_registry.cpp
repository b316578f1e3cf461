// Cancel-key bookkeeping with unguessable secrets.
#include "proxy/cancel_registry.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace tandem::proxy {
namespace {

std::uint32_t random_secret() {
  std::uint32_t value = 0;
  // A predictable secret would let any client cancel other clients' queries.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return value;
}

}  // namespace

std::uint32_t CancelRegistry::add(BackendCancelTarget target) {
  std::lock_guard lock(mutex_);
  for (;;) {
    const std::uint32_t secret = random_secret();
    auto [it, inserted] = entries_.try_emplace({target.backend_pid, secret}, target);
    if (inserted) return secret;
  }
}

void CancelRegistry::remove(std::int32_t pid, std::uint32_t client_secret) {
  std::lock_guard lock(mutex_);
  entries_.erase({pid, client_secret});
}

std::optional<BackendCancelTarget> CancelRegistry::find(std::int32_t pid, std::uint32_t client_secret) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find({pid, client_secret});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::size_t CancelRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tandem::proxy

// The mirror inside `tandem serve` when mirror.mode = "wal": a thread that follows the replication
// slot and applies every committed row change to MySQL (the backfill's applier, position stored
// with the data), restarting with backoff when either server fails, paused and resumed by the
// operator. Clients of the proxy never wait for it.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "proxy/migration_status.hpp"

namespace tandem::proxy {

class MirrorService {
 public:
  MirrorService(const config::Config& config, MigrationStatus& status);
  ~MirrorService();  // stops the thread, finishing the batch in hand
  MirrorService(const MirrorService&) = delete;
  MirrorService& operator=(const MirrorService&) = delete;

  void start();
  // Pause: the follower finishes its batch and stops; changes wait in the slot. Both return
  // false when already in that state.
  bool pause();
  bool resume();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy

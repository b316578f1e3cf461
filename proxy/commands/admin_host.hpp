// The admin port for a migration command run on its own (snapshot, backfill, migrate): /metrics
// and /api/v1/status with the migration's figures, on a thread of its own.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "proxy/migration_status.hpp"

namespace tandem::proxy {

class AdminHost {
 public:
  // Listens on admin.listen; when the port is taken (e.g. by a running `tandem serve`) it logs a
  // warning and the command runs without an admin port.
  explicit AdminHost(const config::Config& config);
  ~AdminHost();
  MigrationStatus& status();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy

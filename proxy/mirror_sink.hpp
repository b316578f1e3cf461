// Where the proxy's sessions hand their committed transactions in mirror.mode = "proxy".
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "protocol/pgwire/write_capture.hpp"

namespace tandem::proxy {

class MirrorSink {
 public:
  virtual ~MirrorSink() = default;
  // Journals the transactions in order. `on_durable(true)` runs, on another thread, once they are
  // on disk; `on_durable(false)` when they could not be journaled (the mirror is then diverged and
  // says so in status and metrics; the client is never refused for it).
  virtual void append(std::vector<pgwire::CapturedTransaction> transactions, std::function<void(bool)> on_durable) = 0;
  // Whether writes by `user` to a table (schema "" when the statement did not name one) are
  // rewritten for row images: the table is on MySQL, and RETURNING changes nothing for the
  // statement (the user may read the table; no row-level security, no rules). Thread-safe.
  virtual bool images(std::string_view user, std::string_view schema, std::string_view table) const = 0;
};

}  // namespace tandem::proxy

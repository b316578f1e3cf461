// Where the proxy's sessions hand their committed transactions in mirror.mode = "proxy".
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "protocol/pgwire/write_capture.hpp"

namespace tandem::proxy {

class MirrorSink {
 public:
  virtual ~MirrorSink() = default;
  // A ticket for a client message that may commit a transaction (a Query, Sync or function call
  // with writes or transaction control in it), taken before the message goes to PostgreSQL.
  virtual std::uint64_t take_ticket() = 0;
  // What the answer to that message committed, maybe nothing (also for a session that ended
  // before its answer). Transactions are journaled in ticket order: one that waited for another's
  // locks sent its commit after that one committed, so it is journaled after it, however late the
  // proxy reads the first one's answer. Never blocks the caller.
  virtual void complete(std::uint64_t ticket, std::vector<pgwire::CapturedTransaction> transactions) = 0;
  // Whether writes by `user` to a table (schema "" when the statement did not name one) are
  // rewritten for row images: the table is on MySQL, and RETURNING changes nothing for the
  // statement (the user may read the table; no row-level security, no rules). Thread-safe.
  virtual bool images(std::string_view user, std::string_view schema, std::string_view table) const = 0;
  // Whether a table (schema "" when unqualified) is on MySQL, hence mirrored. Thread-safe.
  virtual bool on_mysql(std::string_view schema, std::string_view table) const = 0;
  // The memory all sessions' captured writes may hold (mirror.capture_memory_mib); null: none.
  virtual pgwire::CaptureBudget* capture_budget() { return nullptr; }
};

}  // namespace tandem::proxy

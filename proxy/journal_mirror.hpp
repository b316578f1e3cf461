// The mirror inside `tandem serve` when mirror.mode = "proxy": sessions hand their committed
// transactions (with row images) to the journal, durably, before their clients learn of the
// commit; a thread applies the journal to MySQL in order, its position stored in the same MySQL
// transaction as the data. Before the first client is served, what the replication slot still
// holds (the snapshot's tail, or a "wal" mirror's) is applied first, so the switch is exact.
#pragma once

#include <chrono>
#include <memory>

#include "config/config.hpp"
#include "proxy/migration_status.hpp"
#include "proxy/mirror_sink.hpp"

namespace tandem::proxy {

class JournalMirror : public MirrorSink {
 public:
  JournalMirror(const config::Config& config, MigrationStatus& status);
  ~JournalMirror() override;  // stops the thread after the batch in hand; the journal is synced
  JournalMirror(const JournalMirror&) = delete;
  JournalMirror& operator=(const JournalMirror&) = delete;

  // Opens the journal (throws when it cannot) and starts the applier thread, which first drains
  // the replication slot if there is one.
  void start();
  // Waits until that first drain is done (true) or `limit` passed (false).
  bool wait_caught_up(std::chrono::milliseconds limit);
  bool pause();
  bool resume();

  std::uint64_t take_ticket() override;
  void complete(std::uint64_t ticket, std::vector<pgwire::CapturedTransaction> transactions) override;
  bool images(std::string_view user, std::string_view schema, std::string_view table) const override;
  bool on_mysql(std::string_view schema, std::string_view table) const override;
  pgwire::CaptureBudget* capture_budget() override;

 private:
  void append(std::vector<pgwire::CapturedTransaction> transactions);  // to the journal, in order
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::proxy

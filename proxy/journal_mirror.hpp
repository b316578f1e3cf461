// The mirror inside `tandem serve` when mirror.mode = "proxy": sessions hand their committed
// transactions (with row images) to the journal, durably, before their clients learn of the
// commit; a thread applies the journal to MySQL in order, its position stored in the same MySQL
// transaction as the data. Before the first client is served, what the replication slot still
// holds (the snapshot's tail, or a "wal" mirror's) is applied first, so the switch is exact.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

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

  struct StartOptions {
    // Drain the replication slot up to this logical message (prefix tandem_catch_up), written
    // while the proxy held every session, rather than up to PostgreSQL's current position.
    std::string drain_marker;
    // Its position (pg_logical_emit_message's answer): the drain also ends once the stream is
    // past it, should it never show the marker (a restart finds the slot or MySQL past it).
    std::string drain_marker_lsn;
    // Advance the slot behind the journal (the safety net for a crash). Off when the journal is
    // only emptied before the WAL mirror takes over: the slot then carries every write.
    bool keep_slot = true;
    // Never advance the slot past this position (empty: no bound). When the journal is emptied
    // while clients already write through the WAL mirror: their changes are only in the slot.
    std::string slot_limit;
    std::string mode = "proxy";  // as the status shows it
    // With drain_marker, at a restart that finishes a switch to "proxy": the journal's records up
    // to this one are older than the marker and go before the drain; the later ones after it,
    // then the slot once more up to PostgreSQL's position (what a crash kept from the journal).
    // (A live switch opens the journal at the switch: what it then holds is the older part.)
    std::optional<std::uint64_t> older_than_marker;
    // Called once, on the applier's thread, when the first drain of the slot is done.
    std::function<void()> on_drained;
  };
  // Opens the journal; throws when it cannot. Sessions may hand transactions in from then on.
  void open();
  // The journal's last record when it was opened.
  std::uint64_t opened_seq() const;
  // Opens the journal if not yet open, and starts the applier thread, which first applies what
  // the journal holds, then drains the replication slot if there is one.
  void start(StartOptions options);
  void start() { start(StartOptions{}); }
  // Waits until that first drain is done (true) or `limit` passed (false).
  bool wait_caught_up(std::chrono::milliseconds limit);
  bool pause();
  bool resume();
  // The switch to the WAL mirror, while the proxy holds every session at a transaction boundary:
  // from now on nothing more is journaled and no write is rewritten for images; the slot is never
  // advanced past `slot_limit` (PostgreSQL's position now), from where the WAL mirror goes on.
  // The applier goes on until the journal is applied.
  void retire(const std::string& slot_limit);
  // The first drain is done, and everything journaled is durable and applied.
  bool drained() const;
  // The journal refused a committed transaction (full) or lost one (a failed write): the slot
  // holds it, and must not be advanced past it.
  bool journal_lost() const;
  // Stops the threads after the batch in hand (also done by the destructor).
  void stop();

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

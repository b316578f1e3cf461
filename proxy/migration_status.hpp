// The figures of a running snapshot or backfill, for /metrics and /api/v1/status.
#pragma once

#include <prometheus/registry.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace tandem::proxy {

struct TableCopyFigures {
  std::uint64_t rows = 0, bytes = 0, chunks_done = 0, chunks_total = 0;
};

class MigrationStatus {
 public:
  explicit MigrationStatus(prometheus::Registry& registry);

  void set_phase(const std::string& phase);  // "snapshot", "backfill", "done", "failed"
  void set_table(const std::string& table, const TableCopyFigures& figures);
  void set_throttle(double limit_rows_per_second, double probe_ms, double baseline_ms);
  void set_apply(const std::string& applied_lsn, std::uint64_t lag_bytes, double lag_seconds,
                 std::uint64_t transactions, std::uint64_t rows);
  void set_error(const std::string& error);
  // Validation: per table rows/chunks checked and mismatches by class; the last run's result
  // ("equal", "different", "error") and when it finished (Unix seconds).
  void set_validation_table(const std::string& table, std::uint64_t rows_checked, std::uint64_t chunks_checked,
                            std::uint64_t chunks_total, const std::map<std::string, std::uint64_t>& mismatches);
  void set_validation_result(const std::string& result, double finished_unix_seconds);
  // The mirror in `tandem serve`: its mode, state ("starting", "running", "paused", "retrying",
  // "stopped"), the last error and how many runs failed.
  void set_mirror(const std::string& mode, const std::string& state, const std::string& last_error,
                  std::uint64_t errors);

  // A switch of the mirror's mode (POST /api/v1/mirror/mode): to which mode, whether it was
  // made, the switch point or why not, and how long sessions were held.
  void note_switch(const std::string& to, bool switched, const std::string& detail, double held_seconds);

  // mirror.mode = "proxy": the journal (bytes and segment files on disk, newest sequence, the
  // sequence applied, whether an append was refused for its size limit).
  void set_journal(std::uint64_t bytes, std::uint64_t segments, std::uint64_t last_seq, std::uint64_t applied_seq,
                   bool full);
  // mirror.mode = "wal": the transactions behind, estimated from transaction IDs (nullopt: not
  // known yet). In mode "proxy", and while the journal empties on the way to "wal", the journal's
  // count is shown instead.
  void set_wal_lag_transactions(std::optional<std::uint64_t> transactions);
  // mirror.mode = "proxy": bytes the sessions' captured writes hold, and the limit.
  void set_capture(std::uint64_t held, std::uint64_t limit);
  // A statement or transaction that could not be mirrored: the table (or "unknown") is diverged.
  void add_diverged(const std::string& table, const std::string& reason);
  // A statement the mirror could not apply (the translator refused it, its values could not be
  // converted): counted per fingerprint (its text without literal values) and per table, which is
  // diverged. The first `statement` of each fingerprint is kept as its example. True the first
  // time a fingerprint is seen. Beyond kMaxRefusedFingerprints, new ones count under "other".
  bool add_refused(const std::string& fingerprint, const std::string& table, const std::string& statement,
                   const std::string& reason);
  static constexpr std::size_t kMaxRefusedFingerprints = 1000;

  std::string json() const;  // an object for /api/v1/status

 private:
  void count_diverged(const std::string& table, std::string reason);  // mutex_ held
  std::optional<std::uint64_t> lag_transactions() const;              // mutex_ held
  std::uint64_t switch_count(const char* result) const;               // from the metric's series
  void publish_lag_transactions();                                    // mutex_ held

  mutable std::mutex mutex_;
  std::string phase_ = "starting", error_, applied_lsn_;
  std::map<std::string, TableCopyFigures> tables_;
  struct ValidationFigures {
    std::uint64_t rows = 0, chunks = 0, chunks_total = 0;
    std::map<std::string, std::uint64_t> mismatches;
  };
  std::map<std::string, ValidationFigures> validation_;
  std::string validation_result_;
  std::string mirror_mode_, mirror_state_, mirror_error_;
  std::uint64_t mirror_errors_ = 0;
  struct Switch {
    std::string to, detail;
    bool switched = false;
    double held_seconds = 0;
  };
  std::optional<Switch> last_switch_;
  bool journal_known_ = false, journal_full_ = false;
  std::uint64_t journal_bytes_ = 0, journal_segments_ = 0, journal_last_ = 0, journal_applied_ = 0;
  std::uint64_t capture_held_ = 0, capture_limit_ = 0;
  std::optional<std::uint64_t> wal_lag_transactions_;
  struct Diverged {
    std::uint64_t count = 0;
    std::string last_reason;
  };
  std::map<std::string, Diverged> diverged_;
  struct Refused {
    std::string table, statement, reason;
    std::uint64_t count = 0;
  };
  std::map<std::string, Refused> refused_;  // by fingerprint
  double validation_finished_ = 0;
  double throttle_limit_ = 0, probe_ms_ = 0, baseline_ms_ = 0, lag_seconds_ = 0;
  std::uint64_t lag_bytes_ = 0, transactions_ = 0, rows_applied_ = 0;
  prometheus::Family<prometheus::Gauge>& rows_copied_;
  prometheus::Family<prometheus::Gauge>& bytes_copied_;
  prometheus::Family<prometheus::Gauge>& chunks_done_;
  prometheus::Family<prometheus::Gauge>& chunks_total_;
  prometheus::Gauge& throttle_gauge_;
  prometheus::Gauge& probe_gauge_;
  prometheus::Gauge& lag_bytes_gauge_;
  prometheus::Gauge& lag_seconds_gauge_;
  prometheus::Gauge& transactions_gauge_;
  prometheus::Gauge& rows_applied_gauge_;
  prometheus::Family<prometheus::Gauge>& validate_rows_;
  prometheus::Family<prometheus::Gauge>& validate_chunks_;
  prometheus::Family<prometheus::Gauge>& validate_mismatches_;
  prometheus::Gauge& validate_equal_;
  prometheus::Gauge& validate_finished_;
  prometheus::Family<prometheus::Gauge>& mirror_state_gauge_;
  prometheus::Gauge& mirror_errors_gauge_;
  prometheus::Gauge& journal_bytes_gauge_;
  prometheus::Gauge& journal_segments_gauge_;
  prometheus::Gauge& journal_full_gauge_;
  prometheus::Gauge& capture_bytes_gauge_;
  prometheus::Gauge& capture_limit_gauge_;
  prometheus::Gauge& lag_transactions_gauge_;
  prometheus::Family<prometheus::Gauge>& diverged_gauge_;
  prometheus::Family<prometheus::Gauge>& refused_gauge_;
  prometheus::Family<prometheus::Gauge>& switches_gauge_;
  prometheus::Gauge& switch_hold_gauge_;
};

}  // namespace tandem::proxy

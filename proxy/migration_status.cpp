// Migration figures as Prometheus gauges and a status object.
#include "proxy/migration_status.hpp"

#include <prometheus/gauge.h>

#include <algorithm>

#include <boost/json.hpp>

namespace tandem::proxy {
namespace {

prometheus::Family<prometheus::Gauge>& family(prometheus::Registry& r, const std::string& name,
                                              const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

}  // namespace

MigrationStatus::MigrationStatus(prometheus::Registry& registry)
    : rows_copied_(family(registry, "tandem_snapshot_rows_copied", "Rows copied by the snapshot, per table")),
      bytes_copied_(family(registry, "tandem_snapshot_bytes_copied",
                           "Source bytes (COPY text) copied by the snapshot, per table")),
      chunks_done_(family(registry, "tandem_snapshot_chunks_done", "Snapshot chunks committed, per table")),
      chunks_total_(family(registry, "tandem_snapshot_chunks_total", "Snapshot chunks planned, per table")),
      throttle_gauge_(
          family(registry, "tandem_snapshot_throttle_rows_per_second", "Current copy limit, 0 when none").Add({})),
      probe_gauge_(family(registry, "tandem_snapshot_probe_latency_seconds", "Last source probe latency").Add({})),
      lag_bytes_gauge_(family(registry, "tandem_apply_lag_bytes",
                              "Not yet applied to MySQL: source WAL (mirror.mode wal), journal records (proxy)")
                           .Add({})),
      lag_seconds_gauge_(
          family(
              registry, "tandem_apply_lag_seconds",
              "Replay lag of the applier as PostgreSQL measures it (pg_stat_replication.replay_lag), 0 when caught up")
              .Add({})),
      transactions_gauge_(
          family(registry, "tandem_apply_transactions", "Source transactions applied by this process").Add({})),
      rows_applied_gauge_(family(registry, "tandem_apply_row_changes", "Row changes applied by this process").Add({})),
      validate_rows_(
          family(registry, "tandem_validate_rows_checked", "Source rows in the chunks validated, per table")),
      validate_chunks_(family(registry, "tandem_validate_chunks_checked", "Chunks validated, per table")),
      validate_mismatches_(
          family(registry, "tandem_validate_mismatches", "Rows that differ after re-checks, per table and class")),
      validate_equal_(family(registry, "tandem_validate_last_result_equal",
                             "1 when the last validation found both sides equal, 0 otherwise")
                          .Add({})),
      validate_finished_(family(registry, "tandem_validate_last_run_timestamp_seconds",
                                "When the last validation finished (Unix time), 0 before any")
                             .Add({})),
      mirror_state_gauge_(
          family(registry, "tandem_mirror_state", "1 for the mirror's current state, 0 for the others")),
      mirror_errors_gauge_(
          family(registry, "tandem_mirror_errors", "Mirror runs that failed and were retried").Add({})),
      journal_bytes_gauge_(
          family(registry, "tandem_mirror_journal_bytes", "Size of the mirror journal's segment files").Add({})),
      journal_segments_gauge_(
          family(registry, "tandem_mirror_journal_segments", "Segment files of the mirror journal").Add({})),
      journal_full_gauge_(family(registry, "tandem_mirror_journal_full",
                                 "1 when the journal refused a transaction for its size limit (the mirror diverged)")
                              .Add({})),
      capture_bytes_gauge_(family(registry, "tandem_mirror_capture_bytes",
                                  "Memory held by the proxy's captured writes not yet journaled (all sessions)")
                               .Add({})),
      capture_limit_gauge_(
          family(registry, "tandem_mirror_capture_limit_bytes", "mirror.capture_memory_mib, in bytes").Add({})),
      lag_transactions_gauge_(family(registry, "tandem_mirror_lag_transactions",
                                     "Transactions journaled by the proxy and not yet applied to MySQL")
                                  .Add({})),
      diverged_gauge_(family(registry, "tandem_mirror_diverged_statements",
                             "Statements or transactions that could not be mirrored, per table")),
      refused_gauge_(family(registry, "tandem_mirror_refused_statements",
                            "Statements the mirror could not apply, per statement fingerprint and table")),
      switches_gauge_(
          family(registry, "tandem_mirror_switches",
                 "Switches of the mirror's mode asked for, per target mode and result (switched, refused)")),
      switch_hold_gauge_(family(registry, "tandem_mirror_switch_hold_seconds",
                                "How long sessions were held at the last switch of the mirror's mode")
                             .Add({})) {}

void MigrationStatus::note_switch(const std::string& to, bool switched, const std::string& detail,
                                  double held_seconds) {
  std::lock_guard lock(mutex_);
  last_switch_ = Switch{to, detail, switched, held_seconds};
  switches_gauge_.Add({{"to", to}, {"result", switched ? "switched" : "refused"}}).Increment();
  switch_hold_gauge_.Set(held_seconds);
}

void MigrationStatus::set_capture(std::uint64_t held, std::uint64_t limit) {
  std::lock_guard lock(mutex_);
  capture_held_ = held;
  capture_limit_ = limit;
  capture_bytes_gauge_.Set(static_cast<double>(held));
  capture_limit_gauge_.Set(static_cast<double>(limit));
}

void MigrationStatus::set_journal(std::uint64_t bytes, std::uint64_t segments, std::uint64_t last_seq,
                                  std::uint64_t applied_seq, bool full) {
  std::lock_guard lock(mutex_);
  journal_known_ = true;
  journal_bytes_ = bytes;
  journal_segments_ = segments;
  // Sessions and the applier both report: sequences only grow, so an older report never wins.
  journal_last_ = std::max(journal_last_, last_seq);
  journal_applied_ = std::max(journal_applied_, applied_seq);
  journal_full_ = journal_full_ || full;
  journal_bytes_gauge_.Set(static_cast<double>(bytes));
  journal_segments_gauge_.Set(static_cast<double>(segments));
  journal_full_gauge_.Set(journal_full_ ? 1 : 0);
  publish_lag_transactions();
}

void MigrationStatus::set_wal_lag_transactions(std::optional<std::uint64_t> transactions) {
  std::lock_guard lock(mutex_);
  wal_lag_transactions_ = transactions;
  publish_lag_transactions();
}

std::optional<std::uint64_t> MigrationStatus::lag_transactions() const {
  if (mirror_mode_ == "wal" && mirror_state_ != "switching") return wal_lag_transactions_;
  if (journal_known_) return journal_last_ > journal_applied_ ? journal_last_ - journal_applied_ : 0;
  return std::nullopt;
}

void MigrationStatus::publish_lag_transactions() {
  if (auto n = lag_transactions()) lag_transactions_gauge_.Set(static_cast<double>(*n));
}

void MigrationStatus::count_diverged(const std::string& table, std::string reason) {
  auto& d = diverged_[table];
  ++d.count;
  d.last_reason = std::move(reason);
  diverged_gauge_.Add({{"table", table}}).Set(static_cast<double>(d.count));
}

void MigrationStatus::add_diverged(const std::string& table, const std::string& reason) {
  std::lock_guard lock(mutex_);
  count_diverged(table, reason);
}

bool MigrationStatus::add_refused(const std::string& fingerprint, const std::string& table,
                                  const std::string& statement, const std::string& reason) {
  std::lock_guard lock(mutex_);
  count_diverged(table, reason + ": " + statement);
  // A bounded number of fingerprints, and of metric series: an application that builds its SQL
  // with varying identifiers would otherwise grow them without end.
  const bool known = refused_.contains(fingerprint);
  const std::string key = known || refused_.size() < kMaxRefusedFingerprints ? fingerprint : std::string("other");
  auto [it, first] = refused_.try_emplace(key);
  auto& r = it->second;
  if (first) {
    r.table = key == "other" ? "(several)" : table;
    r.statement = key == "other" ? "(statements of more fingerprints than are kept)" : statement;
  }
  ++r.count;
  r.reason = reason;
  refused_gauge_.Add({{"fingerprint", key}, {"table", r.table}}).Set(static_cast<double>(r.count));
  return first;
}

void MigrationStatus::set_mirror(const std::string& mode, const std::string& state, const std::string& last_error,
                                 std::uint64_t errors) {
  std::lock_guard lock(mutex_);
  static constexpr const char* kStates[] = {"starting", "catching_up", "running", "paused",
                                            "retrying", "switching",   "stopped"};
  // After a switch of mode, the series of the mode before no longer show a state.
  if (!mirror_mode_.empty() && mirror_mode_ != mode)
    for (const char* s : kStates) mirror_state_gauge_.Add({{"mode", mirror_mode_}, {"state", s}}).Set(0);
  mirror_mode_ = mode;
  mirror_state_ = state;
  mirror_error_ = last_error;
  mirror_errors_ = errors;
  for (const char* s : kStates) mirror_state_gauge_.Add({{"mode", mode}, {"state", s}}).Set(state == s ? 1 : 0);
  mirror_errors_gauge_.Set(static_cast<double>(errors));
  publish_lag_transactions();
}

void MigrationStatus::set_validation_table(const std::string& table, std::uint64_t rows, std::uint64_t chunks,
                                           std::uint64_t chunks_total,
                                           const std::map<std::string, std::uint64_t>& mismatches) {
  std::lock_guard lock(mutex_);
  validation_[table] = {rows, chunks, chunks_total, mismatches};
  const prometheus::Labels labels{{"table", table}};
  validate_rows_.Add(labels).Set(static_cast<double>(rows));
  validate_chunks_.Add(labels).Set(static_cast<double>(chunks));
  for (const auto& [cls, n] : mismatches)
    validate_mismatches_.Add({{"table", table}, {"class", cls}}).Set(static_cast<double>(n));
}

void MigrationStatus::set_validation_result(const std::string& result, double finished) {
  std::lock_guard lock(mutex_);
  validation_result_ = result;
  validation_finished_ = finished;
  validate_equal_.Set(result == "equal" ? 1 : 0);
  validate_finished_.Set(finished);
}

void MigrationStatus::set_phase(const std::string& phase) {
  std::lock_guard lock(mutex_);
  phase_ = phase;
}

void MigrationStatus::set_error(const std::string& error) {
  std::lock_guard lock(mutex_);
  error_ = error;
  phase_ = "failed";
}

void MigrationStatus::set_table(const std::string& table, const TableCopyFigures& f) {
  std::lock_guard lock(mutex_);
  tables_[table] = f;
  const prometheus::Labels labels{{"table", table}};
  rows_copied_.Add(labels).Set(static_cast<double>(f.rows));
  bytes_copied_.Add(labels).Set(static_cast<double>(f.bytes));
  chunks_done_.Add(labels).Set(static_cast<double>(f.chunks_done));
  chunks_total_.Add(labels).Set(static_cast<double>(f.chunks_total));
}

void MigrationStatus::set_throttle(double limit, double probe_ms, double baseline_ms) {
  std::lock_guard lock(mutex_);
  throttle_limit_ = limit;
  probe_ms_ = probe_ms;
  baseline_ms_ = baseline_ms;
  throttle_gauge_.Set(limit);
  probe_gauge_.Set(probe_ms / 1000);
}

void MigrationStatus::set_apply(const std::string& applied_lsn, std::uint64_t lag_bytes, double lag_seconds,
                                std::uint64_t transactions, std::uint64_t rows) {
  std::lock_guard lock(mutex_);
  applied_lsn_ = applied_lsn;
  lag_bytes_ = lag_bytes;
  lag_seconds_ = lag_seconds;
  transactions_ = transactions;
  rows_applied_ = rows;
  lag_bytes_gauge_.Set(static_cast<double>(lag_bytes));
  lag_seconds_gauge_.Set(lag_seconds);
  transactions_gauge_.Set(static_cast<double>(transactions));
  rows_applied_gauge_.Set(static_cast<double>(rows));
}

std::uint64_t MigrationStatus::switch_count(const char* result) const {
  double n = 0;
  for (const char* to : {"proxy", "wal"})
    if (const prometheus::Labels labels{{"to", to}, {"result", result}}; switches_gauge_.Has(labels))
      n += switches_gauge_.Add(labels).Value();
  return static_cast<std::uint64_t>(n);
}

std::string MigrationStatus::json() const {
  std::lock_guard lock(mutex_);
  boost::json::object o;
  o["phase"] = phase_;
  if (!error_.empty()) o["error"] = error_;
  boost::json::object tables;
  for (const auto& [name, f] : tables_)
    tables[name] = {
        {"rows", f.rows}, {"bytes", f.bytes}, {"chunks_done", f.chunks_done}, {"chunks_total", f.chunks_total}};
  o["tables"] = std::move(tables);
  o["throttle"] = {{"limit_rows_per_second", throttle_limit_}, {"probe_ms", probe_ms_}, {"baseline_ms", baseline_ms_}};
  o["apply"] = {{"applied_lsn", applied_lsn_},
                {"lag_bytes", lag_bytes_},
                {"lag_seconds", lag_seconds_},
                {"transactions", transactions_},
                {"row_changes", rows_applied_}};
  if (!mirror_mode_.empty()) {
    boost::json::object m{
        {"mode", mirror_mode_}, {"state", mirror_state_}, {"last_error", mirror_error_}, {"errors", mirror_errors_}};
    if (journal_known_) {
      m["journal"] = {{"bytes", journal_bytes_},
                      {"segments", journal_segments_},
                      {"last_seq", journal_last_},
                      {"applied_seq", journal_applied_},
                      {"full", journal_full_}};
      m["capture"] = {{"bytes", capture_held_}, {"limit", capture_limit_}};
      m["lag_seconds"] = lag_seconds_;
    }
    if (auto n = lag_transactions()) m["lag_transactions"] = *n;
    boost::json::object d;
    for (const auto& [table, f] : diverged_) d[table] = {{"statements", f.count}, {"last_reason", f.last_reason}};
    m["diverged"] = std::move(d);
    boost::json::object r;
    for (const auto& [fingerprint, f] : refused_)
      r[fingerprint] = {
          {"table", f.table}, {"statements", f.count}, {"statement", f.statement}, {"last_reason", f.reason}};
    m["refused"] = std::move(r);
    if (last_switch_)
      m["last_switch"] = {{"to", last_switch_->to},
                          {"switched", last_switch_->switched},
                          {"detail", last_switch_->detail},
                          {"held_seconds", last_switch_->held_seconds},
                          {"switches", switch_count("switched")},
                          {"refused", switch_count("refused")}};
    o["mirror"] = std::move(m);
  }
  if (!validation_.empty() || !validation_result_.empty()) {
    boost::json::object v, vt;
    for (const auto& [name, f] : validation_) {
      boost::json::object m;
      for (const auto& [cls, n] : f.mismatches) m[cls] = n;
      vt[name] = {{"rows_checked", f.rows},
                  {"chunks_checked", f.chunks},
                  {"chunks_total", f.chunks_total},
                  {"mismatches", std::move(m)}};
    }
    v["tables"] = std::move(vt);
    v["last_result"] = validation_result_;
    v["last_finished_unix"] = validation_finished_;
    o["validation"] = std::move(v);
  }
  return boost::json::serialize(o);
}

}  // namespace tandem::proxy

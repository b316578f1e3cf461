// Phase 4: proves PostgreSQL and MySQL hold the same rows. Both engines hash each key chunk in
// the database; a chunk whose count or hash differs is narrowed to exact keys, and under live
// writes a difference is re-checked once the applier has passed the source position at which it
// was seen. --repair re-copies the differing keys from PostgreSQL and checks them again.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/database_url.hpp"
#include "protocol/sql/translation.hpp"

namespace tandem::migrator {

struct ValidateOptions {
  config::PostgresUrl source;
  config::MysqlUrl target;
  sql::Dialect dialect = sql::Dialect::mariadb;
  std::string tables = "public.*";
  unsigned workers = 2;
  std::uint64_t chunk_rows = 10000;
  bool full = false;                  // every chunk; otherwise a sample
  double sample_percent = 1.0;        // of each table's chunks, at least one chunk per table
  std::optional<std::uint64_t> seed;  // of the sample; random (and reported) when not given
  bool repair = false;
  std::string slot = "tandem_slot";  // whose applier, when active, makes this a live validation
  std::size_t keys_reported = 100;   // per table and class
  double live_wait_seconds = 120;    // longest wait for the applier to pass a position
};

enum class MismatchClass { missing_on_target, extra_on_target, different };
const char* to_string(MismatchClass c);

struct Mismatch {
  MismatchClass cls = MismatchClass::different;
  std::vector<std::pair<std::string, std::string>> key;  // column, canonical value
  std::vector<std::string> columns;                      // for `different`: the columns that differ
};

struct TableValidation {
  std::string table;
  std::uint64_t chunks_total = 0;
  std::atomic<std::uint64_t> chunks_checked{0};
  std::atomic<std::uint64_t> rows_checked{0};
  std::atomic<std::uint64_t> chunks_mismatched{0};  // before narrowing and re-checks
  std::uint64_t mismatches[3] = {0, 0, 0};          // by MismatchClass, after re-checks (and repair)
  std::uint64_t settled_by_recheck = 0;             // rows that differed only while writes were in flight
  std::uint64_t format_only = 0;                    // rows whose text differed but values are equal
  std::uint64_t repaired = 0;
  std::vector<std::size_t> sampled;  // indices of the chunks checked, when sampling
  std::vector<Mismatch> examples;    // up to keys_reported per class
  std::atomic<double> seconds{0};    // written by the workers
};

struct ValidationReport {
  bool equal = false;
  std::string mode;  // "full" or "sample"
  double sample_percent = 100;
  std::uint64_t seed = 0;
  bool live = false;  // an applier was following the source; differences were re-checked
  bool repaired = false;
  std::string started_at;  // UTC, ISO 8601
  double seconds = 0;
  std::vector<std::unique_ptr<TableValidation>> tables;
  std::uint64_t mismatches() const;
};

// Runs the validation; `progress` is called about every `interval` seconds and at the end.
// Errors (unreachable servers, a table missing on MySQL) name the table and the server's message.
std::expected<std::unique_ptr<ValidationReport>, std::string> run_validation(
    const ValidateOptions& options,
    const std::function<void(const ValidationReport&, double elapsed_seconds)>& progress, double interval = 2.0);

// The report as JSON (what --report writes and tandem_meta.validation_runs keeps).
std::string report_json(const ValidationReport& report);

}  // namespace tandem::migrator

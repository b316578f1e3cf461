// Chunk hashes on both engines, narrowing to keys, live re-checks, repair, and the stored result.
#include "migrator/validate/validator.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "migrator/db/mysql_connection.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/schema/schema_reader.hpp"
#include "migrator/validate/row_hash_sql.hpp"
#include "migrator/wal/pgoutput_decoder.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/value_conversion.hpp"

namespace tandem::migrator {

const char* to_string(MismatchClass c) {
  switch (c) {
    case MismatchClass::missing_on_target:
      return "missing_on_target";
    case MismatchClass::extra_on_target:
      return "extra_on_target";
    case MismatchClass::different:
      return "different";
  }
  return "different";
}

std::uint64_t ValidationReport::mismatches() const {
  std::uint64_t n = 0;
  for (const auto& t : tables)
    for (auto m : t->mismatches) n += m;
  return n;
}

namespace {

using Clock = std::chrono::steady_clock;
using validate::Engine;
using validate::Key;
using validate::KeyRange;
using validate::TableSql;

constexpr std::size_t kKeysPerQuery = 500;
constexpr int kRecheckRounds = 3;  // without locks; then one round holding row locks

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::expected<PgConnection, std::string> connect_source(const ValidateOptions& o) {
  auto c = PgConnection::connect(o.source.to_libpq_conninfo());
  if (!c) return std::unexpected("source: " + c.error().message);
  // The canonical forms assume these output settings.
  for (const char* s : {"SET TimeZone = 'UTC'", "SET extra_float_digits = 3", "SET DateStyle = 'ISO, MDY'",
                        "SET IntervalStyle = 'postgres'", "SET bytea_output = 'hex'", "SET statement_timeout = 0",
                        "SET standard_conforming_strings = on"})
    if (auto r = c->exec(s); !r) return std::unexpected("source: " + r.error().message);
  return std::move(*c);
}

std::expected<MysqlConnection, std::string> connect_target(const ValidateOptions& o) {
  auto c = MysqlConnection::connect(o.target, o.dialect);
  if (!c) return std::unexpected("target: " + c.error().message);
  return std::move(*c);
}

// A row as the re-checks see it: canonical column texts, and on PostgreSQL the row version.
struct RowImage {
  std::vector<std::optional<std::string>> values;
  std::string xmin;
};
using RowMap = std::map<Key, RowImage>;

Key key_of(const std::vector<std::optional<std::string>>& row, std::size_t n) {
  Key k;
  for (std::size_t i = 0; i < n; ++i) k.push_back(row[i].value_or(""));
  return k;
}

// Everything known about one table while it is validated.
struct TableWork {
  std::unique_ptr<TableSql> sql;
  TableValidation* figures = nullptr;
  std::vector<KeyRange> chunks;  // the selected ones
  std::mutex mutex;
  std::set<Key> suspects;  // keys whose row hash or presence differed; the re-checks classify them
  std::map<Key, Mismatch> confirmed;
};

class Validation {
 public:
  explicit Validation(const ValidateOptions& o) : options_(o) {}

  std::expected<std::unique_ptr<ValidationReport>, std::string> run(
      const std::function<void(const ValidationReport&, double)>& progress, double interval) {
    started_ = Clock::now();
    report_ = std::make_unique<ValidationReport>();
    report_->started_at = utc_now_iso();
    report_->mode = options_.full ? "full" : "sample";
    report_->sample_percent = options_.full ? 100.0 : options_.sample_percent;
    report_->seed = options_.seed.value_or(std::random_device{}() * 0x100000000ULL + std::random_device{}());
    report_->repaired = options_.repair;

    auto pg = connect_source(options_);
    if (!pg) return std::unexpected(pg.error());
    auto my = connect_target(options_);
    if (!my) return std::unexpected(my.error());
    auto result = validate(*pg, *my, progress, interval);
    report_->seconds = since(started_);
    if (progress) progress(*report_, report_->seconds);
    if (auto stored = store(*my, result ? "" : result.error()); !stored && result)
      return std::unexpected("storing the result in tandem_meta.validation_runs: " + stored.error());
    if (!result) return std::unexpected(result.error());
    return std::move(report_);
  }

 private:
  std::expected<void, std::string> validate(PgConnection& pg, MysqlConnection& my,
                                            const std::function<void(const ValidationReport&, double)>& progress,
                                            double interval) {
    auto schema = read_source_schema(pg, options_.tables);
    if (!schema) return std::unexpected(schema.error());
    for (const auto& t : schema->tables) {
      auto w = std::make_unique<TableWork>();
      w->sql = std::make_unique<TableSql>(t, options_.dialect, options_.target.database);
      report_->tables.push_back(std::make_unique<TableValidation>());
      w->figures = report_->tables.back().get();
      w->figures->table = t.qualified();
      const std::string db = t.schema == "public" ? options_.target.database : t.schema;
      auto exists =
          my.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + sql::quote_string(db) +
                   " AND table_name = " + sql::quote_string(t.name));
      if (!exists) return std::unexpected("target: " + exists.error().message);
      if (exists->rows[0][0] == "0")
        return std::unexpected("table " + t.qualified() + " does not exist on MySQL (expected " +
                               w->sql->mysql_table() + "); run tandem snapshot first");
      work_.push_back(std::move(w));
    }
    if (auto live = detect_live(pg, my); !live)
      return std::unexpected(live.error());
    else
      report_->live = *live;

    // Plan: every chunk_rows-th key cuts a table into chunks; a sample keeps some of them.
    std::mt19937_64 rng(report_->seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (auto& w : work_) {
      auto bounds = pg.query(w->sql->plan_query(options_.chunk_rows));
      if (!bounds) return std::unexpected("planning " + w->figures->table + ": " + bounds.error().message);
      std::vector<KeyRange> all;
      std::optional<Key> lo;
      for (const auto& b : bounds->rows) {
        Key k = key_of(b, w->sql->key_columns().size());
        all.push_back({lo, k});
        lo = std::move(k);
      }
      all.push_back({lo, std::nullopt});
      w->figures->chunks_total = all.size();
      if (options_.full) {
        w->chunks = std::move(all);
      } else {
        for (std::size_t i = 0; i < all.size(); ++i)
          if (unit(rng) * 100.0 < options_.sample_percent) w->figures->sampled.push_back(i);
        if (w->figures->sampled.empty()) w->figures->sampled.push_back(rng() % all.size());
        for (auto i : w->figures->sampled) w->chunks.push_back(all[i]);
      }
    }

    // Chunks, on `workers` threads with a connection pair each.
    std::vector<std::pair<std::size_t, std::size_t>> jobs;
    for (std::size_t t = 0; t < work_.size(); ++t)
      for (std::size_t c = 0; c < work_[t]->chunks.size(); ++c) jobs.emplace_back(t, c);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::string first_error;
    std::mutex error_mutex;
    std::vector<Clock::time_point> table_start(work_.size(), Clock::now());
    std::vector<std::thread> threads;
    const unsigned n = std::max(1u, std::min<unsigned>(options_.workers, static_cast<unsigned>(jobs.size())));
    for (unsigned i = 0; i < n; ++i)
      threads.emplace_back([&] {
        auto fail = [&](const std::string& e) {
          std::lock_guard lock(error_mutex);
          if (!failed.exchange(true)) first_error = e;
        };
        auto wpg = connect_source(options_);
        if (!wpg) return fail(wpg.error());
        auto wmy = connect_target(options_);
        if (!wmy) return fail(wmy.error());
        while (!failed) {
          const std::size_t j = next++;
          if (j >= jobs.size()) break;
          auto& w = *work_[jobs[j].first];
          if (auto r = check_chunk(*wpg, *wmy, w, w.chunks[jobs[j].second]); !r)
            return fail("table " + w.figures->table + ", chunk " + std::to_string(jobs[j].second) + ": " + r.error());
          w.figures->seconds.store(since(table_start[jobs[j].first]));
        }
      });
    auto last_progress = Clock::now();
    while (true) {
      bool done = next.load() >= jobs.size() || failed;
      if (done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (progress && since(last_progress) >= interval) {
        progress(*report_, since(started_));
        last_progress = Clock::now();
      }
    }
    for (auto& t : threads) t.join();
    if (failed) return std::unexpected(first_error);

    // Suspect keys: re-checked (after the applier has caught up, when one is following), then
    // repaired on request.
    for (auto& w : work_) {
      const auto t0 = Clock::now();
      if (auto r = settle(pg, my, *w); !r) return std::unexpected("table " + w->figures->table + ": " + r.error());
      if (options_.repair && !w->confirmed.empty()) {
        if (auto r = repair(pg, my, *w); !r)
          return std::unexpected("repairing table " + w->figures->table + ": " + r.error());
      }
      for (const auto& [key, m] : w->confirmed) {
        auto& count = w->figures->mismatches[static_cast<int>(m.cls)];
        if (count++ < options_.keys_reported) w->figures->examples.push_back(m);
      }
      w->figures->seconds.store(w->figures->seconds.load() + since(t0));
    }
    report_->equal = report_->mismatches() == 0;
    return {};
  }

  std::expected<bool, std::string> detect_live(PgConnection& pg, MysqlConnection& my) {
    auto slot = pg.query("SELECT active::text FROM pg_replication_slots WHERE slot_name = $1", {options_.slot});
    if (!slot) return std::unexpected("source: " + slot.error().message);
    if (slot->rows.empty() || slot->rows[0][0] != "true") return false;
    auto meta = my.query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'tandem_meta' AND table_name = "
        "'apply_state'");
    if (!meta) return std::unexpected("target: " + meta.error().message);
    if (meta->rows[0][0] == "0") return false;
    auto pos = my.query("SELECT position FROM `tandem_meta`.`apply_state` WHERE name = 'wal'");
    if (!pos) return std::unexpected("target: " + pos.error().message);
    return !pos->rows.empty();
  }

  std::expected<void, std::string> check_chunk(PgConnection& pg, MysqlConnection& my, TableWork& w,
                                               const KeyRange& range) {
    auto pg_future =
        std::async(std::launch::async, [&] { return pg.query(w.sql->chunk_query(Engine::postgres, range)); });
    auto my_result = my.query(w.sql->chunk_query(Engine::mysql, range));
    auto pg_result = pg_future.get();
    if (!pg_result) return std::unexpected("source: " + pg_result.error().message);
    if (!my_result) return std::unexpected("target: " + my_result.error().message);
    const auto& p = pg_result->rows.at(0);
    const auto& m = my_result->rows.at(0);
    const auto pg_sum = validate::sum_mod_2_64(p[1].value_or(""));
    const auto my_sum = validate::sum_mod_2_64(m[1].value_or(""));
    if (!pg_sum || !my_sum)
      return std::unexpected("unreadable chunk sums '" + p[1].value_or("") + "', '" + m[1].value_or("") + "'");
    w.figures->rows_checked += std::stoull(p[0].value_or("0"));
    ++w.figures->chunks_checked;
    if (p[0] == m[0] && *pg_sum == *my_sum) return {};
    ++w.figures->chunks_mismatched;

    // Narrow: each row's key and hash from both sides; only differing keys go further.
    auto pg_rows_future =
        std::async(std::launch::async, [&] { return pg.query(w.sql->row_hashes_query(Engine::postgres, range)); });
    auto my_rows = my.query(w.sql->row_hashes_query(Engine::mysql, range));
    auto pg_rows = pg_rows_future.get();
    if (!pg_rows) return std::unexpected("source: " + pg_rows.error().message);
    if (!my_rows) return std::unexpected("target: " + my_rows.error().message);
    const std::size_t nk = w.sql->key_columns().size();
    std::map<Key, std::string> source;
    for (const auto& r : pg_rows->rows) source.emplace(key_of(r, nk), r[nk].value_or(""));
    std::lock_guard lock(w.mutex);
    for (const auto& r : my_rows->rows) {
      Key k = key_of(r, nk);
      auto it = source.find(k);
      if (it == source.end()) {
        w.suspects.insert(std::move(k));
      } else {
        if (it->second != r[nk].value_or("")) w.suspects.insert(k);
        source.erase(it);
      }
    }
    for (auto& [k, hash] : source) w.suspects.insert(k);
    return {};
  }

  std::expected<RowMap, std::string> read_rows(PgConnection* pg, MysqlConnection* my, const TableSql& sql,
                                               const std::vector<Key>& keys, bool for_share) {
    const std::size_t nk = sql.key_columns().size(), nc = sql.column_count();
    RowMap out;
    if (pg) {
      auto rows = pg->query(sql.rows_query(Engine::postgres, keys, for_share));
      if (!rows) return std::unexpected("source: " + rows.error().message);
      for (auto& r : rows->rows)
        out[key_of(r, nk)] = RowImage{{r.begin() + static_cast<long>(nk), r.begin() + static_cast<long>(nk + nc)},
                                      r[nk + nc].value_or("")};
    } else {
      auto rows = my->query(sql.rows_query(Engine::mysql, keys));
      if (!rows) return std::unexpected("target: " + rows.error().message);
      for (auto& r : rows->rows) out[key_of(r, nk)] = RowImage{{r.begin() + static_cast<long>(nk), r.end()}, ""};
    }
    return out;
  }

  // Waits until the applier has committed past every source transaction committed before now.
  std::expected<void, std::string> wait_for_applier(PgConnection& pg, MysqlConnection& my) {
    auto marker = pg.query("SELECT pg_logical_emit_message(true, 'tandem_validate', 'recheck')::text");
    if (!marker) return std::unexpected("source: " + marker.error().message);
    const auto target = wal::parse_lsn(marker->rows.at(0).at(0).value_or(""));
    if (!target) return std::unexpected("source returned an unreadable LSN");
    const auto t0 = Clock::now();
    while (true) {
      auto pos = my.query("SELECT position FROM `tandem_meta`.`apply_state` WHERE name = 'wal'");
      if (!pos) return std::unexpected("target: " + pos.error().message);
      if (!pos->rows.empty()) {
        const auto applied = wal::parse_lsn(pos->rows[0][0].value_or(""));
        if (applied && *applied >= *target) return {};
      }
      if (since(t0) > options_.live_wait_seconds)
        return std::unexpected("the applier did not reach source position " + wal::format_lsn(*target) + " within " +
                               std::to_string(static_cast<int>(options_.live_wait_seconds)) +
                               " s; is tandem backfill still following?");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Decides each suspect key: a row whose PostgreSQL version did not change across the check is
  // compared with MySQL's as of a moment after that version was applied.
  std::expected<void, std::string> settle(PgConnection& pg, MysqlConnection& my, TableWork& w) {
    std::vector<Key> pending(w.suspects.begin(), w.suspects.end());
    if (pending.empty()) return {};
    PgConnection* marker_conn = nullptr;
    std::optional<PgConnection> second;
    if (report_->live) {
      auto c = connect_source(options_);
      if (!c) return std::unexpected(c.error());
      second.emplace(std::move(*c));
      marker_conn = &*second;
    }
    const TableSql& sql = *w.sql;
    // Rounds without locks, then two holding FOR SHARE on the source rows: a locked row cannot
    // change, but a key absent at the first read can appear, so it needs one more locked round.
    const int rounds = kRecheckRounds + 2;
    for (int round = 0; round < rounds && !pending.empty(); ++round) {
      const bool lock = round >= kRecheckRounds;
      const bool last_round = round + 1 == rounds;
      std::vector<Key> still;
      for (std::size_t from = 0; from < pending.size(); from += kKeysPerQuery) {
        const std::vector<Key> batch(
            pending.begin() + static_cast<long>(from),
            pending.begin() + static_cast<long>(std::min(pending.size(), from + kKeysPerQuery)));
        if (lock) {
          if (auto r = pg.exec("BEGIN"); !r) return std::unexpected("source: " + r.error().message);
          if (auto r = pg.exec("SET LOCAL lock_timeout = '10s'"); !r)
            return std::unexpected("source: " + r.error().message);
        }
        auto before = read_rows(&pg, nullptr, sql, batch, lock);
        if (!before) {
          if (lock) (void)pg.exec("ROLLBACK");
          return std::unexpected(before.error());
        }
        if (marker_conn)
          if (auto r = wait_for_applier(*marker_conn, my); !r) {
            if (lock) (void)pg.exec("ROLLBACK");
            return std::unexpected(r.error());
          }
        auto target = read_rows(nullptr, &my, sql, batch, false);
        auto after = read_rows(&pg, nullptr, sql, batch, false);
        if (lock) (void)pg.exec("ROLLBACK");
        if (!target) return std::unexpected(target.error());
        if (!after) return std::unexpected(after.error());
        for (const auto& k : batch) {
          auto b = before->find(k), a = after->find(k), m = target->find(k);
          const bool stable =
              (b == before->end()) == (a == after->end()) &&
              (b == before->end() || (b->second.xmin == a->second.xmin && b->second.values == a->second.values));
          if (!stable && !last_round) {
            still.push_back(k);
            continue;
          }
          // Still moving in the last round: a key that appeared meanwhile is judged by its newest
          // version rather than reported missing from the source.
          const RowImage* source = b != before->end() ? &b->second : a != after->end() ? &a->second : nullptr;
          decide(w, k, source, m == target->end() ? nullptr : &m->second);
        }
      }
      pending = std::move(still);
    }
    return {};
  }

  void decide(TableWork& w, const Key& k, const RowImage* source, const RowImage* target) {
    const TableSql& sql = *w.sql;
    Mismatch m;
    for (std::size_t i = 0; i < sql.key_columns().size(); ++i)
      m.key.emplace_back(sql.table().columns[sql.key_columns()[i]].name, k[i]);
    if (!source && !target) {
      ++w.figures->settled_by_recheck;  // deleted on both sides meanwhile
      w.confirmed.erase(k);
      return;
    }
    if (!source || !target) {
      m.cls = source ? MismatchClass::missing_on_target : MismatchClass::extra_on_target;
      w.confirmed[k] = std::move(m);
      return;
    }
    bool text_differs = false;
    for (std::size_t i = 0; i < sql.column_count(); ++i) {
      if (source->values[i] != target->values[i]) text_differs = true;
      if (!validate::same_value(sql.column_class(i), source->values[i], target->values[i]))
        m.columns.push_back(sql.table().columns[i].name);
    }
    if (m.columns.empty()) {
      if (text_differs)
        ++w.figures->format_only;
      else
        ++w.figures->settled_by_recheck;
      w.confirmed.erase(k);
      return;
    }
    m.cls = MismatchClass::different;
    w.confirmed[k] = std::move(m);
  }

  // Re-copies the confirmed keys from PostgreSQL: deletes first (a changed key frees its unique
  // values), then upserts of the source rows; then checks those keys again.
  std::expected<void, std::string> repair(PgConnection& pg, MysqlConnection& my, TableWork& w) {
    const TableSql& sql = *w.sql;
    const auto& cols = sql.table().columns;
    std::vector<Key> keys;
    for (const auto& [k, m] : w.confirmed) keys.push_back(k);
    std::string column_list;
    for (std::size_t i = 0; i < cols.size(); ++i) column_list += (i ? ", " : "") + sql::quote_identifier(cols[i].name);
    // Live: the source rows stay locked while the applier catches up and the repair writes, so
    // the applier can neither overwrite the repair with an older version nor be overwritten.
    std::optional<PgConnection> marker;
    if (report_->live) {
      auto c = connect_source(options_);
      if (!c) return std::unexpected(c.error());
      marker.emplace(std::move(*c));
    }
    for (std::size_t from = 0; from < keys.size(); from += kKeysPerQuery) {
      const std::vector<Key> batch(keys.begin() + static_cast<long>(from),
                                   keys.begin() + static_cast<long>(std::min(keys.size(), from + kKeysPerQuery)));
      if (marker)
        if (auto r = pg.exec("BEGIN"); !r) return std::unexpected("source: " + r.error().message);
      auto end_source = [&] {
        if (marker) (void)pg.exec("ROLLBACK");
      };
      auto rows = pg.query(sql.source_rows_query(batch) + (marker ? " FOR SHARE" : ""));
      if (!rows) {
        end_source();
        return std::unexpected("source: " + rows.error().message);
      }
      if (marker)
        if (auto r = wait_for_applier(*marker, my); !r) {
          end_source();
          return std::unexpected(r.error());
        }
      std::string values;
      for (const auto& r : rows->rows) {
        std::string tuple;
        for (std::size_t i = 0; i < cols.size(); ++i) {
          std::string lit = "NULL";
          if (r[i]) {
            auto v = sql::to_mysql_value(cols[i].pg_type, *r[i]);
            if (!v) {
              end_source();
              return std::unexpected("column " + cols[i].name + ": " + v.error());
            }
            lit = sql.column_class(i) == sql::TypeClass::bytea ? sql::hex_literal(*v) : sql::quote_string(*v);
          }
          tuple += (i ? ", " : "") + lit;
        }
        values += (values.empty() ? "(" : ", (") + tuple + ")";
      }
      // Delete the keys, then insert the source rows: a plain INSERT, so that a row held by
      // another key under a secondary unique index is an error to look at, not overwritten.
      std::vector<std::string> text = {"START TRANSACTION", sql.mysql_delete(batch)};
      if (!values.empty())
        text.push_back("INSERT INTO " + sql.mysql_table() + " (" + column_list + ") VALUES " + values);
      text.emplace_back("COMMIT");
      auto written = my.exec_batch(text);
      end_source();
      if (!written) {
        (void)my.exec("ROLLBACK");
        return std::unexpected("target: " + written.error().message);
      }
    }
    w.figures->repaired = keys.size();
    // Check the repaired keys again, as suspects of their own.
    w.suspects.clear();
    for (const auto& [k, m] : w.confirmed) w.suspects.insert(k);
    w.confirmed.clear();
    const std::uint64_t settled = w.figures->settled_by_recheck, format = w.figures->format_only;
    auto r = settle(pg, my, w);
    w.figures->settled_by_recheck = settled;
    w.figures->format_only = format;
    return r;
  }

  std::expected<void, std::string> store(MysqlConnection& my, const std::string& error) {
    for (const char* ddl :
         {"CREATE DATABASE IF NOT EXISTS `tandem_meta` CHARACTER SET utf8mb4",
          "CREATE TABLE IF NOT EXISTS `tandem_meta`.`validation_runs` (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
          "started_at DATETIME(6) NOT NULL, finished_at DATETIME(6) NOT NULL, mode VARCHAR(16) NOT NULL, "
          "sample_percent DOUBLE NOT NULL, seed BIGINT UNSIGNED NOT NULL, live BOOLEAN NOT NULL, "
          "result VARCHAR(16) NOT NULL, rows_checked BIGINT NOT NULL, chunks_checked BIGINT NOT NULL, "
          "mismatches BIGINT NOT NULL, error TEXT, report LONGTEXT) ENGINE=InnoDB"})
      if (auto r = my.exec(ddl); !r) return std::unexpected(r.error().message);
    std::uint64_t rows = 0, chunks = 0;
    for (const auto& t : report_->tables) rows += t->rows_checked, chunks += t->chunks_checked;
    const std::string result = !error.empty() ? "error" : report_->equal ? "equal" : "different";
    std::string started = report_->started_at;
    started[10] = ' ';
    started.pop_back();
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.6f", report_->sample_percent);
    auto r = my.exec(
        "INSERT INTO `tandem_meta`.`validation_runs` (started_at, finished_at, mode, sample_percent, seed, live, "
        "result, "
        "rows_checked, chunks_checked, mismatches, error, report) VALUES (" +
        sql::quote_string(started) + ", UTC_TIMESTAMP(6), " + sql::quote_string(report_->mode) + ", " + pct + ", " +
        std::to_string(report_->seed) + ", " + (report_->live ? "TRUE" : "FALSE") + ", " + sql::quote_string(result) +
        ", " + std::to_string(rows) + ", " + std::to_string(chunks) + ", " + std::to_string(report_->mismatches()) +
        ", " + (error.empty() ? "NULL" : sql::quote_string(error)) + ", " +
        (error.empty() ? sql::quote_string(report_json(*report_)) : "NULL") + ")");
    if (!r) return std::unexpected(r.error().message);
    return {};
  }

  const ValidateOptions& options_;
  Clock::time_point started_;
  std::unique_ptr<ValidationReport> report_;
  std::vector<std::unique_ptr<TableWork>> work_;
};

}  // namespace

std::expected<std::unique_ptr<ValidationReport>, std::string> run_validation(
    const ValidateOptions& options, const std::function<void(const ValidationReport&, double)>& progress,
    double interval) {
  if (!options.full && (options.sample_percent <= 0 || options.sample_percent > 100))
    return std::unexpected(std::string("the sample must be more than 0 and at most 100 percent"));
  if (options.chunk_rows == 0) return std::unexpected(std::string("chunk_rows must be positive"));
  Validation v(options);
  return v.run(progress, interval);
}

std::string report_json(const ValidationReport& report) {
  boost::json::object o;
  o["result"] = report.equal ? "equal" : "different";
  o["mode"] = report.mode;
  o["sample_percent"] = report.sample_percent;
  o["seed"] = report.seed;
  o["live"] = report.live;
  o["repair"] = report.repaired;
  o["started_at"] = report.started_at;
  o["seconds"] = report.seconds;
  o["mismatches"] = report.mismatches();
  boost::json::array tables;
  for (const auto& t : report.tables) {
    boost::json::object to;
    to["table"] = t->table;
    to["chunks_total"] = t->chunks_total;
    to["chunks_checked"] = t->chunks_checked.load();
    to["rows_checked"] = t->rows_checked.load();
    to["chunks_mismatched"] = t->chunks_mismatched.load();
    to["seconds"] = t->seconds.load();
    boost::json::object counts;
    for (int c = 0; c < 3; ++c) counts[to_string(static_cast<MismatchClass>(c))] = t->mismatches[c];
    to["mismatches"] = counts;
    to["settled_by_recheck"] = t->settled_by_recheck;
    to["format_only"] = t->format_only;
    to["repaired"] = t->repaired;
    boost::json::array keys;
    for (const auto& m : t->examples) {
      boost::json::object mo;
      mo["class"] = to_string(m.cls);
      boost::json::object key;
      for (const auto& [col, v] : m.key) key[col] = v;
      mo["key"] = key;
      if (!m.columns.empty()) {
        boost::json::array cols;
        for (const auto& c : m.columns) cols.emplace_back(boost::json::string(c));
        mo["columns"] = cols;
      }
      keys.push_back(mo);
    }
    to["keys"] = keys;
    if (report.mode == "sample") {
      boost::json::array sampled;
      for (auto i : t->sampled) sampled.emplace_back(i);
      to["sampled_chunks"] = sampled;
    }
    tables.push_back(to);
  }
  o["tables"] = tables;
  return boost::json::serialize(o);
}

}  // namespace tandem::migrator

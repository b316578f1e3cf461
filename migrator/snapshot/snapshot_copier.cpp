// The snapshot copier: schema translation, replication slot with an exported snapshot, keyset
// chunk plan, parallel COPY -> LOAD DATA workers, indexes and foreign keys after the rows.
#include "migrator/snapshot/snapshot_copier.hpp"

#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "config/log.hpp"
#include "migrator/db/mysql_connection.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/schema/schema_reader.hpp"
#include "migrator/snapshot/row_converter.hpp"
#include "migrator/snapshot/throttle.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/translator.hpp"

namespace tandem::migrator {
namespace {

using Clock = std::chrono::steady_clock;

// Key bounds are kept as text, one value per key column, joined with a unit separator.
constexpr char kSeparator = '\x1f';
std::vector<std::string> split_bound(const std::string& b) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto sep = b.find(kSeparator, pos);
    out.push_back(b.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos));
    if (sep == std::string::npos) break;
    pos = sep + 1;
  }
  return out;
}

struct Chunk {
  std::size_t table = 0;  // index into the schema's tables
  std::int64_t number = 0;
  std::optional<std::string> lo, hi;  // exclusive lower, inclusive upper; nullopt: unbounded
  std::int64_t last_number = -1;      // a copy unit may span consecutive planned chunks
};

const char* kMetaDdl[] = {
    "CREATE DATABASE IF NOT EXISTS `tandem_meta` CHARACTER SET utf8mb4",
    "CREATE TABLE IF NOT EXISTS `tandem_meta`.`snapshot_chunks` (table_name VARCHAR(200) NOT NULL, chunk_no BIGINT NOT "
    "NULL, "
    "lo LONGTEXT, hi LONGTEXT, done BOOLEAN NOT NULL DEFAULT FALSE, rows_copied BIGINT, copied_at DATETIME(6), "
    "lease_owner VARCHAR(100), lease_until DATETIME(6), copied_by VARCHAR(100), "
    "PRIMARY KEY (table_name, chunk_no)) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `tandem_meta`.`snapshot_state` (id INT PRIMARY KEY, slot VARCHAR(64) NOT NULL, "
    "consistent_lsn VARCHAR(32) NOT NULL, snapshot_name VARCHAR(64), created_at DATETIME(6) NOT NULL) ENGINE=InnoDB",
};

std::string nullable_literal(const std::optional<std::string>& v) { return v ? sql::quote_string(*v) : "NULL"; }

class Copier {
 public:
  Copier(const SnapshotOptions& o) : options_(o) {}

  std::expected<SnapshotResult, std::string> run(
      const std::function<void(const std::vector<TableProgress*>&, double, const ThrottleState&)>& progress,
      double interval) {
    const auto started = Clock::now();
    auto pg = PgConnection::connect(options_.source.to_libpq_conninfo());
    if (!pg) return std::unexpected(pg.error().message);
    auto schema = read_source_schema(*pg, options_.tables);
    if (!schema) return std::unexpected(schema.error());
    schema_ = std::move(*schema);

    // Translate the schema: enum types first, so columns of those types map to ENUM.
    sql::Translator translator({.dialect = options_.dialect});
    for (const auto& e : schema_.enum_ddl)
      if (auto r = translator.translate(e); !r)
        return std::unexpected("enum type: " + sql::describe(r.error()) + ": " + e);
    std::vector<std::vector<std::string>> create(schema_.tables.size()), after(schema_.tables.size());
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      const auto& t = schema_.tables[i];
      auto r = translator.translate(t.create_sql);
      if (!r) return std::unexpected("table " + t.qualified() + ": " + sql::describe(r.error()));
      create[i] = (*r)->statements;
    }
    for (std::size_t i = 0; i < schema_.tables.size(); ++i)
      for (const auto& stmt : schema_.tables[i].after_copy) {
        auto r = translator.translate(stmt);
        if (!r)
          return std::unexpected("table " + schema_.tables[i].qualified() + ": " + sql::describe(r.error()) + ": " +
                                 stmt);
        for (const auto& s : (*r)->statements) after[i].push_back(s);
      }

    auto my = MysqlConnection::connect(options_.target, options_.dialect);
    if (!my) return std::unexpected(my.error().message);
    for (const char* ddl : kMetaDdl)
      if (auto r = my->exec(ddl); !r) return std::unexpected(r.error().message);

    progress_.resize(schema_.tables.size());
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      progress_[i] = std::make_unique<TableProgress>();
      progress_[i]->table = schema_.tables[i].qualified();
    }
    if (options_.join) return join(*my, progress, interval, started);

    // Existing target tables: refused unless resuming or recreating.
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      const auto& t = schema_.tables[i];
      const std::string db = t.schema == "public" ? options_.target.database : t.schema;
      auto exists =
          my->query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + sql::quote_string(db) +
                    " AND table_name = " + sql::quote_string(t.name));
      if (!exists) return std::unexpected(exists.error().message);
      const bool present = exists->rows[0][0] != "0";
      if (present && options_.recreate) {
        if (auto r = my->exec("DROP TABLE " + mysql_name(t)); !r) return std::unexpected(r.error().message);
        if (auto r = my->exec("DELETE FROM `tandem_meta`.`snapshot_chunks` WHERE table_name = " +
                              sql::quote_string(t.qualified()));
            !r)
          return std::unexpected(r.error().message);
      } else if (present && !options_.resume) {
        return std::unexpected("table " + t.qualified() + " already exists on MySQL as " + mysql_name(t) +
                               "; run with --resume to continue an earlier copy or --recreate to start over");
      } else if (!present && options_.resume) {
        return std::unexpected("--resume: table " + t.qualified() + " does not exist on MySQL; nothing to resume");
      }
    }

    // The slot's exported snapshot is what every worker reads; the slot's consistent point is
    // where WAL backfill continues: together exactly the source, no gap and no overlap.
    std::optional<PgConnection> replication;
    std::string snapshot_name;
    SnapshotResult result;
    auto slot_rows =
        pg->query("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", {options_.slot});
    if (!slot_rows) return std::unexpected(slot_rows.error().message);
    const bool slot_exists = !slot_rows->rows.empty();
    if (slot_exists && !options_.resume)
      return std::unexpected("replication slot " + options_.slot +
                             " already exists on the source: drop it (SELECT pg_drop_replication_slot('" +
                             options_.slot + "')) or run with --resume");
    if (!slot_exists) {
      auto pubs = pg->query("SELECT 1 FROM pg_publication WHERE pubname = $1", {options_.publication});
      if (!pubs) return std::unexpected(pubs.error().message);
      const bool made_publication = pubs->rows.empty();
      // Nothing half-made stays behind when the slot cannot be created.
      auto undo_publication = [&] {
        if (made_publication) (void)pg->exec("DROP PUBLICATION IF EXISTS " + quote_pg_identifier(options_.publication));
      };
      if (made_publication) {
        std::string list;
        for (const auto& t : schema_.tables)
          list += (list.empty() ? "" : ", ") + quote_pg_identifier(t.schema) + "." + quote_pg_identifier(t.name);
        if (auto r = pg->exec("CREATE PUBLICATION " + quote_pg_identifier(options_.publication) + " FOR TABLE " + list);
            !r)
          return std::unexpected(r.error().message);
      }
      auto repl = PgConnection::connect(options_.source.to_libpq_conninfo() + " replication=database");
      if (!repl) {
        undo_publication();
        return std::unexpected(repl.error().message);
      }
      auto slot = repl->query("CREATE_REPLICATION_SLOT " + quote_pg_identifier(options_.slot) +
                              " LOGICAL pgoutput EXPORT_SNAPSHOT");
      if (!slot) {
        undo_publication();
        return std::unexpected("creating replication slot " + options_.slot + ": " + slot.error().message);
      }
      result.consistent_lsn = *slot->rows[0][1];
      snapshot_name = *slot->rows[0][2];
      replication = std::move(*repl);
      if (auto r = my->exec("REPLACE INTO `tandem_meta`.`snapshot_state` (id, slot, consistent_lsn, snapshot_name, "
                            "created_at) VALUES (1, " +
                            sql::quote_string(options_.slot) + ", " + sql::quote_string(result.consistent_lsn) + ", " +
                            sql::quote_string(snapshot_name) + ", NOW(6))");
          !r)
        return std::unexpected(r.error().message);
      log::info("snapshot.slot_created").kv("slot", options_.slot).kv("consistent_lsn", result.consistent_lsn);
    } else {
      // The exported snapshot died with the process that made it. Remaining chunks are read from
      // a newer snapshot; backfill from the slot replays every change since the original point,
      // and applying a change is idempotent, so the result converges to the source.
      log::warn("snapshot.resume_new_snapshot").kv("slot", options_.slot);
    }

    if (!options_.resume) {
      // A PostgreSQL schema other than public is a MySQL database of the same name.
      for (const auto& t : schema_.tables)
        if (t.schema != "public")
          if (auto r = my->exec("CREATE DATABASE IF NOT EXISTS " + sql::quote_identifier(t.schema) +
                                " CHARACTER SET utf8mb4");
              !r)
            return std::unexpected("creating database " + t.schema + " for schema " + t.schema + ": " +
                                   r.error().message);
      for (std::size_t i = 0; i < schema_.tables.size(); ++i)
        for (const auto& s : create[i])
          if (auto r = my->exec(s); !r)
            return std::unexpected("creating " + schema_.tables[i].qualified() + ": " + r.error().message);
    }

    // Plan (or reload) the chunks.
    auto planner = open_snapshot_reader(snapshot_name);
    if (!planner) return std::unexpected(planner.error());
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      auto planned = plan_table(*planner, *my, i);
      if (!planned) return std::unexpected(planned.error());
    }
    (void)planner->exec("COMMIT");

    if (auto copied = copy_all(snapshot_name, progress, interval, started); !copied)
      return std::unexpected(copied.error());

    // Secondary indexes and foreign keys once the rows are in: loading is faster without them.
    for (std::size_t i = 0; i < schema_.tables.size(); ++i)
      for (const auto& s : after[i])
        if (auto r = my->exec(s); !r) {
          // A resumed run may find them made already.
          if (options_.resume && (r.error().message.find("1061") != std::string::npos ||
                                  r.error().message.find("121") != std::string::npos ||
                                  r.error().message.find("1826") != std::string::npos))
            continue;
          return std::unexpected("after copy, " + schema_.tables[i].qualified() + ": " + r.error().message);
        }
    // AUTO_INCREMENT continues after the source sequence (sequences are not in the WAL stream:
    // a cutover sets them again).
    for (const auto& t : schema_.tables) {
      for (const auto& seq : t.sequences) {
        auto v = pg->query("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM " + seq);
        if (!v) return std::unexpected("reading sequence " + seq + ": " + v.error().message);
        if (auto r = my->exec("ALTER TABLE " + mysql_name(t) + " AUTO_INCREMENT = " + *v->rows[0][0]); !r)
          return std::unexpected("setting AUTO_INCREMENT of " + t.qualified() + ": " + r.error().message);
      }
    }
    for (const auto& p : progress_) {
      result.rows += p->rows_copied;
      result.chunks += p->chunks_done;
    }
    result.seconds = elapsed(started);
    return result;
  }

 private:
  static double elapsed(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

  std::vector<TableProgress*> progress_view() {
    std::vector<TableProgress*> v;
    for (auto& p : progress_) v.push_back(p.get());
    return v;
  }

  std::string mysql_name(const TableSchema& t) const {
    return (t.schema == "public" ? std::string() : sql::quote_identifier(t.schema) + ".") +
           sql::quote_identifier(t.name);
  }

  std::string key_list(const TableSchema& t) const {
    std::string out;
    for (const auto& k : t.key) out += (out.empty() ? "" : ", ") + quote_pg_identifier(k);
    return out;
  }

  // `key > bound` as a row comparison with each value cast to its column's type.
  std::string key_compare(const TableSchema& t, const char* op, const std::string& bound) const {
    const auto values = split_bound(bound);
    std::string lhs, rhs;
    for (std::size_t i = 0; i < t.key.size(); ++i) {
      std::string type;
      for (const auto& c : t.columns)
        if (c.name == t.key[i]) type = c.pg_type;
      lhs += (i ? ", " : "") + quote_pg_identifier(t.key[i]);
      rhs += (i ? ", " : "") + quote_pg_literal(values[i]) + "::" + type;
    }
    return "(" + lhs + ") " + op + " (" + rhs + ")";
  }

  // The copy itself: the throttle, the workers claiming chunks, and the progress reporter.
  std::expected<void, std::string> copy_all(
      const std::string& snapshot_name,
      const std::function<void(const std::vector<TableProgress*>&, double, const ThrottleState&)>& progress,
      double interval, Clock::time_point started) {
    // The throttle probes the source on a connection of its own.
    auto probe_conn = PgConnection::connect(options_.source.to_libpq_conninfo());
    if (!probe_conn) return std::unexpected(probe_conn.error().message);
    throttle_ = std::make_unique<Throttle>(options_.max_rows_per_second, options_.auto_throttle,
                                           [&]() -> std::optional<double> {
                                             const auto t0 = Clock::now();
                                             if (!probe_conn->exec("SELECT 1")) return std::nullopt;
                                             return std::chrono::duration<double>(Clock::now() - t0).count();
                                           });
    throttle_->start();
    auto throttle_state = [&] {
      return ThrottleState{throttle_->limit_rows_per_second(), throttle_->baseline_seconds() * 1000,
                           throttle_->last_probe_seconds() * 1000, throttle_->backing_off()};
    };

    // Workers.
    const unsigned workers = std::max(1u, options_.workers);
    std::vector<std::thread> threads;
    std::atomic<bool> finished{false};
    for (unsigned w = 0; w < workers; ++w) threads.emplace_back([&, w] { worker(w, snapshot_name); });
    std::thread reporter([&] {
      while (!finished.load()) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::duration<double>(interval), [&] { return finished.load(); });
        lock.unlock();
        if (!finished.load() && progress) progress(progress_view(), elapsed(started), throttle_state());
      }
    });
    for (auto& t : threads) t.join();
    finished = true;
    cv_.notify_all();
    reporter.join();
    throttle_->stop();
    if (progress) progress(progress_view(), elapsed(started), throttle_state());
    if (failure_) return std::unexpected(*failure_);
    return {};
  }

  // --join: help a running snapshot with more workers, reading its exported snapshot.
  std::expected<SnapshotResult, std::string> join(
      MysqlConnection& my,
      const std::function<void(const std::vector<TableProgress*>&, double, const ThrottleState&)>& progress,
      double interval, Clock::time_point started) {
    auto state = my.query("SELECT snapshot_name FROM `tandem_meta`.`snapshot_state` WHERE id = 1");
    if (!state) return std::unexpected(state.error().message);
    if (state->rows.empty() || !state->rows[0][0])
      return std::unexpected(std::string("--join: no running snapshot recorded in tandem_meta.snapshot_state"));
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      auto counts =
          my.query("SELECT COUNT(*), COALESCE(SUM(done), 0) FROM `tandem_meta`.`snapshot_chunks` WHERE table_name = " +
                   sql::quote_string(schema_.tables[i].qualified()));
      if (!counts) return std::unexpected(counts.error().message);
      progress_[i]->chunks_total = std::stoull(counts->rows[0][0].value_or("0"));
    }
    if (auto copied = copy_all(*state->rows[0][0], progress, interval, started); !copied)
      return std::unexpected(copied.error());
    SnapshotResult result;
    for (const auto& p : progress_) {
      result.rows += p->rows_copied;
      result.chunks += p->chunks_done;
    }
    result.seconds = elapsed(started);
    return result;
  }

  std::expected<PgConnection, std::string> open_snapshot_reader(const std::string& snapshot_name) {
    auto c = PgConnection::connect(options_.source.to_libpq_conninfo());
    if (!c) return std::unexpected(c.error().message);
    if (auto r = c->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r)
      return std::unexpected(r.error().message);
    if (!snapshot_name.empty())
      if (auto r = c->exec("SET TRANSACTION SNAPSHOT " + quote_pg_literal(snapshot_name)); !r)
        return std::unexpected("importing snapshot " + snapshot_name + ": " + r.error().message);
    if (auto r = c->exec("SET TimeZone = 'UTC'"); !r) return std::unexpected(r.error().message);
    if (auto r = c->exec("SET extra_float_digits = 3"); !r) return std::unexpected(r.error().message);
    return std::move(*c);
  }

  std::expected<void, std::string> plan_table(PgConnection& pg, MysqlConnection& my, std::size_t index) {
    const TableSchema& t = schema_.tables[index];
    if (options_.resume) {
      auto rows = my.query("SELECT chunk_no, lo, hi, done FROM `tandem_meta`.`snapshot_chunks` WHERE table_name = " +
                           sql::quote_string(t.qualified()) + " ORDER BY chunk_no");
      if (!rows) return std::unexpected(rows.error().message);
      if (!rows->rows.empty()) {
        for (const auto& r : rows->rows) {
          ++progress_[index]->chunks_total;
          if (*r[3] == "1") {
            ++progress_[index]->chunks_done;
            continue;
          }
        }
        return {};
      }
    }
    // Every chunk_rows-th key in key order (an index-only scan on the key) cuts the table into
    // chunks of equal row counts; chunks are then read by key range, never by OFFSET.
    std::string keys_text;
    for (std::size_t i = 0; i < t.key.size(); ++i)
      keys_text += (i ? " || chr(31) || " : "") + quote_pg_identifier(t.key[i]) + "::text";
    auto bounds = pg.query("SELECT b FROM (SELECT " + keys_text + " AS b, row_number() OVER (ORDER BY " + key_list(t) +
                           ") AS rn FROM " + quote_pg_identifier(t.schema) + "." + quote_pg_identifier(t.name) +
                           ") s WHERE rn % " + std::to_string(options_.chunk_rows) + " = 0 ORDER BY rn");
    if (!bounds) return std::unexpected("planning " + t.qualified() + ": " + bounds.error().message);
    std::optional<std::string> lo;
    std::int64_t number = 0;
    std::string inserts;
    auto add = [&](std::optional<std::string> hi) {
      Chunk c{index, number++, lo, hi};
      inserts += std::string(inserts.empty() ? "" : ", ") + "(" + sql::quote_string(t.qualified()) + ", " +
                 std::to_string(c.number) + ", " + nullable_literal(c.lo) + ", " + nullable_literal(c.hi) + ")";
      ++progress_[index]->chunks_total;
      lo = hi;
    };
    for (const auto& b : bounds->rows) add(b[0]);
    add(std::nullopt);
    if (auto r =
            my.exec("INSERT INTO `tandem_meta`.`snapshot_chunks` (table_name, chunk_no, lo, hi) VALUES " + inserts);
        !r)
      return std::unexpected(r.error().message);
    return {};
  }

  // The next copy unit: up to `merge` consecutive planned chunks of one table, so each unit takes
  // about migration.chunk_seconds whatever the rows cost. Chunks are leased in tandem_meta, so
  // several processes (--join) share the plan; a lease left by a dead process expires.
  std::expected<std::optional<Chunk>, std::string> claim(MysqlConnection& my, const std::string& owner,
                                                         std::size_t merge) {
    std::string tables;
    for (const auto& t : schema_.tables) tables += (tables.empty() ? "" : ", ") + sql::quote_string(t.qualified());
    const int lease_seconds = static_cast<int>(std::max(60.0, options_.chunk_seconds * 30));
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (failure_) return std::optional<Chunk>{};
      }
      if (auto r = my.exec("START TRANSACTION"); !r) return std::unexpected(r.error().message);
      auto rows = my.query(
          "SELECT table_name, chunk_no, lo, hi FROM `tandem_meta`.`snapshot_chunks` WHERE NOT done AND "
          "(lease_until IS NULL OR lease_until < NOW(6)) AND table_name IN (" +
          tables + ") ORDER BY table_name, chunk_no LIMIT " + std::to_string(merge) + " FOR UPDATE SKIP LOCKED");
      if (!rows) {
        (void)my.exec("ROLLBACK");
        return std::unexpected(rows.error().message);
      }
      if (!rows->rows.empty()) {
        Chunk c;
        for (std::size_t i = 0; i < schema_.tables.size(); ++i)
          if (schema_.tables[i].qualified() == *rows->rows[0][0]) c.table = i;
        c.number = std::stoll(*rows->rows[0][1]);
        c.lo = rows->rows[0][2];
        c.hi = rows->rows[0][3];
        c.last_number = c.number;
        for (std::size_t i = 1; i < rows->rows.size(); ++i) {
          if (*rows->rows[i][0] != *rows->rows[0][0] || std::stoll(*rows->rows[i][1]) != c.last_number + 1) break;
          c.last_number = std::stoll(*rows->rows[i][1]);
          c.hi = rows->rows[i][3];
        }
        auto leased =
            my.exec("UPDATE `tandem_meta`.`snapshot_chunks` SET lease_owner = " + sql::quote_string(owner) +
                    ", lease_until = NOW(6) + INTERVAL " + std::to_string(lease_seconds) +
                    " SECOND WHERE table_name = " + sql::quote_string(*rows->rows[0][0]) + " AND chunk_no BETWEEN " +
                    std::to_string(c.number) + " AND " + std::to_string(c.last_number));
        if (!leased || !my.exec("COMMIT")) {
          (void)my.exec("ROLLBACK");
          return std::unexpected(leased ? std::string("committing a chunk lease failed") : leased.error().message);
        }
        return std::optional<Chunk>{c};
      }
      (void)my.exec("COMMIT");
      // Nothing free: finished, or other workers hold the rest; wait for them (or their leases).
      auto left = my.query("SELECT COUNT(*) FROM `tandem_meta`.`snapshot_chunks` WHERE NOT done AND table_name IN (" +
                           tables + ")");
      if (!left) return std::unexpected(left.error().message);
      if (left->rows[0][0] == "0") return std::optional<Chunk>{};
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }

  void fail(std::string message) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::move(message);
    cv_.notify_all();
  }

  void worker(unsigned id, const std::string& snapshot_name) {
    auto pg = open_snapshot_reader(snapshot_name);
    if (!pg) return fail(pg.error());
    auto my = MysqlConnection::connect(options_.target, options_.dialect);
    if (!my) return fail(my.error().message);
    char host[256] = "";
    ::gethostname(host, sizeof host - 1);
    const std::string owner = std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(id);
    std::size_t merge = 1;
    for (;;) {
      auto claimed = claim(*my, owner, merge);
      if (!claimed) return fail(claimed.error());
      if (!*claimed) break;
      const Chunk* chunk = &**claimed;
      const auto t0 = Clock::now();
      auto copied = copy_chunk(*pg, *my, *chunk, owner);
      if (!copied) {
        (void)my->exec("ROLLBACK");
        return fail(copied.error());
      }
      // Steer the next unit toward the target time from this one's speed.
      const double seconds = std::max(1e-3, elapsed(t0));
      const double planned = static_cast<double>(chunk->last_number - chunk->number + 1);
      const double target = planned * options_.chunk_seconds / seconds;
      merge = static_cast<std::size_t>(std::clamp(target, 1.0, 64.0));
    }
    (void)pg->exec("COMMIT");
  }

  std::expected<void, std::string> copy_chunk(PgConnection& pg, MysqlConnection& my, const Chunk& c,
                                              const std::string& owner) {
    const TableSchema& t = schema_.tables[c.table];
    const std::string where_name = t.qualified() + " chunk " + std::to_string(c.number) +
                                   (c.last_number > c.number ? "-" + std::to_string(c.last_number) : "");
    std::string columns_pg, columns_my;
    std::vector<std::string> types;
    for (const auto& col : t.columns) {
      columns_pg += (columns_pg.empty() ? "" : ", ") + quote_pg_identifier(col.name);
      columns_my += (columns_my.empty() ? "" : ", ") + sql::quote_identifier(col.name);
      types.push_back(col.pg_type);
    }
    std::string where;
    if (c.lo) where += key_compare(t, ">", *c.lo);
    if (c.hi) where += (where.empty() ? "" : " AND ") + key_compare(t, "<=", *c.hi);
    const std::string copy = "COPY (SELECT " + columns_pg + " FROM " + quote_pg_identifier(t.schema) + "." +
                             quote_pg_identifier(t.name) + (where.empty() ? "" : " WHERE " + where) + " ORDER BY " +
                             key_list(t) + ") TO STDOUT";
    if (auto r = pg.start_copy_out(copy); !r) return std::unexpected(where_name + ": " + r.error().message);
    RowConverter converter(types);
    std::uint64_t rows = 0, bytes = 0;
    std::string last_line;
    bool copy_finished = false;
    std::uint64_t batch_rows = 0;
    InfileProducer producer = [&]() -> std::expected<std::optional<std::string>, DbError> {
      std::string batch;
      while (!copy_finished && batch.size() < 256 * 1024) {
        auto line = pg.next_copy_row();
        if (!line) return std::unexpected(line.error());
        if (!*line) {
          copy_finished = true;
          break;
        }
        bytes += (*line)->size() + 1;
        if (auto r = converter.convert(**line, batch); !r)
          return std::unexpected(DbError{where_name + ", row " + std::to_string(rows + 1) + ": " + r.error(), ""});
        ++rows;
        ++batch_rows;
      }
      throttle_->acquire(batch_rows);
      batch_rows = 0;
      if (batch.empty()) return std::optional<std::string>{};
      return std::optional<std::string>{std::move(batch)};
    };
    if (auto r = my.exec("START TRANSACTION"); !r) return std::unexpected(r.error().message);
    const std::string load = "LOAD DATA LOCAL INFILE 'tandem-chunk' INTO TABLE " + mysql_name(t) +
                             " CHARACTER SET utf8mb4 FIELDS TERMINATED BY " + sql::quote_string("\t") +
                             " ESCAPED BY '\\' LINES TERMINATED BY " + sql::quote_string("\n") + " (" + columns_my +
                             ")";
    auto loaded = my.load_data(load, producer);
    if (!loaded) {
      // Finish reading the COPY so the connection can be used again.
      while (!copy_finished) {
        auto line = pg.next_copy_row();
        if (!line || !*line) break;
      }
      return std::unexpected(where_name + ": " + loaded.error().message);
    }
    if (*loaded != rows)
      return std::unexpected(where_name + ": MySQL loaded " + std::to_string(*loaded) + " rows of " +
                             std::to_string(rows) + " (a value was rejected or merged)");
    // The done-mark commits with the rows: a crash leaves the chunk either whole or absent. Only
    // the lease holder may mark it; a lease lost to expiry means another worker redoes it.
    const std::int64_t planned = c.last_number - c.number + 1;
    auto marked = my.query("UPDATE `tandem_meta`.`snapshot_chunks` SET done = TRUE, rows_copied = IF(chunk_no = " +
                           std::to_string(c.number) + ", " + std::to_string(rows) +
                           ", 0), copied_at = NOW(6), copied_by = " + sql::quote_string(owner) +
                           " WHERE table_name = " + sql::quote_string(t.qualified()) + " AND chunk_no BETWEEN " +
                           std::to_string(c.number) + " AND " + std::to_string(c.last_number) +
                           " AND lease_owner = " + sql::quote_string(owner) + " AND NOT done");
    if (!marked) return std::unexpected(marked.error().message);
    if (marked->affected_rows != static_cast<std::uint64_t>(planned)) {
      (void)my.exec("ROLLBACK");
      log::warn("snapshot.lease_lost").kv("chunk", where_name).kv("owner", owner);
      return {};
    }
    if (auto r = my.exec("COMMIT"); !r) return std::unexpected(where_name + ": " + r.error().message);
    progress_[c.table]->rows_copied += rows;
    progress_[c.table]->bytes_copied += bytes;
    progress_[c.table]->chunks_done += static_cast<std::uint64_t>(c.last_number - c.number + 1);
    return {};
  }

  SnapshotOptions options_;
  SourceSchema schema_;
  std::vector<std::unique_ptr<TableProgress>> progress_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<std::string> failure_;
  std::unique_ptr<Throttle> throttle_;
};

}  // namespace

std::expected<SnapshotResult, std::string> run_snapshot(
    const SnapshotOptions& options,
    const std::function<void(const std::vector<TableProgress*>&, double, const ThrottleState&)>& progress,
    double progress_interval_seconds) {
  Copier copier(options);
  return copier.run(progress, progress_interval_seconds);
}

}  // namespace tandem::migrator

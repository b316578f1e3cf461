// The proxy-mode mirror: journal appends from sessions, and the thread that applies the journal.
#include "proxy/journal_mirror.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "config/log.hpp"
#include "migrator/apply/applier.hpp"
#include "migrator/db/mysql_connection.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/journal/mirror_journal.hpp"
#include "migrator/journal/mirror_record.hpp"
#include "migrator/wal/backfill.hpp"
#include "protocol/pgwire/returning_rewrite.hpp"
#include "protocol/sql/copy_from.hpp"
#include "protocol/sql/mysql_text.hpp"
#include "protocol/sql/statement_identity.hpp"
#include "protocol/sql/translator.hpp"
#include "protocol/sql/update_targets.hpp"
#include "protocol/sql/value_conversion.hpp"
#include "proxy/mirror_thread.hpp"

namespace tandem::proxy {
namespace {

using Clock = std::chrono::steady_clock;
using migrator::MirrorItem;
using migrator::MirrorTransaction;

std::int64_t unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The journal's identity: a random name made with its directory. The applied position is stored
// in MySQL under it, so a new journal (a wiped state directory) starts from its own first record
// instead of skipping those numbered like records applied from the old one.
std::string journal_identity(const std::filesystem::path& dir) {
  const auto path = dir / "id";
  if (std::ifstream in(path); in) {
    std::string id;
    std::getline(in, id);
    if (id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos) return id;
    throw std::runtime_error("mirror journal: " + path.string() + " does not hold a journal id");
  }
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  const auto temporary = dir / "id.new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << id << "\n";
    out.flush();
    if (!out) throw std::runtime_error("mirror journal: cannot write " + temporary.string());
  }
  if (int fd = ::open(temporary.c_str(), O_RDONLY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::filesystem::rename(temporary, path);
  return id;
}

MirrorTransaction to_record(pgwire::CapturedTransaction&& tx) {
  MirrorTransaction out;
  out.commit_unix_micros = unix_micros();
  // The transaction's reason, unless it is one of its statements' (those are items of their own).
  if (tx.unsupported && std::ranges::none_of(tx.statements, [&](const pgwire::CapturedStatement& s) {
        return s.unsupported == *tx.unsupported;
      }))
    out.unsupported = *tx.unsupported;
  for (auto& s : tx.statements) {
    // A statement whose images cannot be read (binary results, another DateStyle, too big) is
    // left out; its text (enough of it to name its table) and the reason mark its table diverged.
    if (!s.unsupported.empty()) {
      MirrorItem item;
      item.kind = MirrorItem::Kind::unsupported;
      constexpr std::size_t kMaxKeptText = 64 << 10;
      item.sql = s.sql.size() <= kMaxKeptText ? std::move(s.sql) : s.sql.substr(0, kMaxKeptText);
      item.reason = std::move(s.unsupported);
      out.items.push_back(std::move(item));
      continue;
    }
    MirrorItem item;
    item.sql = std::move(s.sql);
    if (s.copy_in) {
      item.kind = MirrorItem::Kind::copy;
      item.data = std::move(s.copy_data);
      // The tag is "COPY n".
      item.copied_rows = std::strtoull(s.tag.c_str() + std::min<std::size_t>(5, s.tag.size()), nullptr, 10);
      item.params = {{0, 0, std::move(s.copy_timezone)}, {0, 0, std::move(s.copy_datestyle)}};
    } else if (s.image_op && s.image_marker >= 0) {
      item.kind = MirrorItem::Kind::image;
      item.op = s.image_op;
      for (const auto& f : s.image_fields)
        item.columns.push_back({f.name, f.table_oid, f.column, f.type_oid, f.type_modifier});
      item.rows = std::move(s.image_rows);
    } else {
      item.kind = MirrorItem::Kind::statement;
      for (std::size_t i = 0; i < s.parameters.size(); ++i) {
        migrator::MirrorParam p;
        p.type_oid = i < s.parameter_types.size() ? s.parameter_types[i] : 0;
        p.format = s.parameter_formats.empty()       ? std::int16_t{0}
                   : s.parameter_formats.size() == 1 ? s.parameter_formats[0]
                   : i < s.parameter_formats.size()  ? s.parameter_formats[i]
                                                     : std::int16_t{0};
        p.value = std::move(s.parameters[i]);
        item.params.push_back(std::move(p));
      }
    }
    out.items.push_back(std::move(item));
  }
  return out;
}

// Puts the bound values in place of the translation's '?' placeholders (outside quotes).
std::expected<std::vector<std::string>, std::string> bind(const sql::Translation& t,
                                                          const std::vector<migrator::MirrorParam>& params) {
  std::vector<std::string> out;
  std::size_t next = 0;
  for (const auto& statement : t.statements) {
    std::string text;
    char quote = 0;
    for (std::size_t i = 0; i < statement.size(); ++i) {
      const char c = statement[i];
      if (quote) {
        text += c;
        if (c == '\\' && quote != '`' && i + 1 < statement.size()) {
          text += statement[++i];
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        text += c;
        continue;
      }
      if (c != '?' || next >= t.parameters.size()) {
        text += c;
        continue;
      }
      const auto index = static_cast<std::size_t>(t.parameters[next++] - 1);
      if (index >= params.size()) return std::unexpected("parameter $" + std::to_string(index + 1) + " was not bound");
      const auto& p = params[index];
      if (!p.value) {
        text += "NULL";
        continue;
      }
      if (p.format != 0) return std::unexpected("parameter $" + std::to_string(index + 1) + " is in binary format");
      const std::string type = index < t.parameter_types.size() ? t.parameter_types[index] : std::string();
      auto v = sql::to_mysql_value(type, *p.value);
      if (!v) return std::unexpected("parameter $" + std::to_string(index + 1) + ": " + v.error());
      const bool limit = text.ends_with("LIMIT ") || text.ends_with("OFFSET ");
      text += limit ? *v : sql::quote_string(*v);
    }
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

struct JournalMirror::Impl : MirrorThreadControl {
  const config::Config& config;
  MigrationStatus& status;
  std::unique_ptr<migrator::MirrorJournal> journal;
  std::string position_key;      // in tandem_meta.apply_state: "journal/<identity>"
  pgwire::CaptureBudget budget;  // what the sessions' captured writes hold

  bool caught_up = false;
  // Commit order across sessions (take_ticket / complete).
  std::mutex ticket_mutex;
  std::uint64_t next_ticket = 1, next_release = 1;
  std::map<std::uint64_t, std::vector<pgwire::CapturedTransaction>> completed;
  std::condition_variable caught_up_cv;
  mutable std::mutex error_mutex;  // guards errors and last_error (sessions write them too)
  std::uint64_t errors = 0;
  std::string last_error;
  bool journal_failing = false;
  std::atomic<bool> journal_refused{false};  // a committed transaction is only in the slot
  // Set while the applier, having read everything, waits for the next sync: only then does a
  // sync wake it. Waking it (and the slot keeper, on the same condition) for every durable record
  // cost two context switches per mirrored transaction.
  std::atomic<bool> awaiting_durable{false};
  std::mutex slot_mutex;  // one slot advance at a time
  std::thread thread, slot_thread;
  JournalMirror::StartOptions options;
  // Retired (the WAL mirror takes over): nothing more is journaled, and the slot never moves past
  // slot_limit (guarded by slot_mutex).
  std::atomic<bool> retired{false};
  // Ends a drain of the slot after its batch: set by pause and stop (a drain may take long).
  std::atomic<bool> drain_stop{false};
  std::string slot_limit;
  std::uint64_t opened_seq = 0;  // the journal's last record when it was opened
  // A restart finishing a switch to "proxy": opened_seq is the last record before the marker at
  // first; this, the last record at the start, follows once the slot is drained up to it.
  std::optional<std::uint64_t> resume_through;

  // Applier-side state, used by the thread only.
  struct Table {
    std::vector<migrator::MirrorImageColumn> shape;
    bool mirrored = false;
    std::string name;  // schema.table
    std::set<std::string> keys;
  };
  std::map<std::uint32_t, Table> tables;
  // Which tables get row images. Keys are "schema.table" (PostgreSQL's public for the target
  // database) and "\x01table" for unqualified names.
  struct Visibility {
    std::set<std::string> on_mysql;
    // RETURNING would change what the statement does: row-level security applies SELECT policies
    // to it, and a rule without RETURNING makes it fail.
    std::set<std::string> policies_or_rules;
    std::set<std::string> no_select;  // "role\x02key": RETURNING needs SELECT on the table
  };
  std::atomic<std::shared_ptr<const Visibility>> visibility;  // null until first read: all count
  std::set<std::string> logged_refusals;
  std::atomic<std::uint64_t> applied{0};
  std::uint64_t transactions = 0, rows = 0;
  Clock::time_point last_apply{};

  // The lag, in bytes and seconds, of what is journaled and not yet applied. Marks of (sequence,
  // bytes journaled before it, its commit time) are kept, a new one once the commits have moved
  // on by 50 ms or the records by 1 MiB since the last: the oldest record not yet applied is
  // then known to that precision, without reading the journal, also while MySQL is down.
  struct LagMark {
    std::uint64_t seq = 0, bytes_before = 0;
    std::int64_t commit_micros = 0;
  };
  static constexpr std::int64_t kLagMarkMicros = 50'000;
  static constexpr std::uint64_t kLagMarkBytes = 1u << 20;
  static constexpr std::size_t kMaxLagMarks = 100'000;  // then every other one goes
  std::mutex lag_mutex;
  std::deque<LagMark> lag_marks;
  std::uint64_t journaled_bytes = 0;  // what the journal held at start, and the records since

  void note_journaled(std::uint64_t seq, std::uint64_t bytes, std::int64_t commit_micros) {
    std::lock_guard lock(lag_mutex);
    if (lag_marks.empty() || commit_micros - lag_marks.back().commit_micros >= kLagMarkMicros ||
        journaled_bytes - lag_marks.back().bytes_before >= kLagMarkBytes) {
      if (lag_marks.size() >= kMaxLagMarks) {
        std::deque<LagMark> fewer;
        for (std::size_t i = 0; i < lag_marks.size(); i += 2) fewer.push_back(lag_marks[i]);
        lag_marks = std::move(fewer);
      }
      lag_marks.push_back({seq, journaled_bytes, commit_micros});
    }
    journaled_bytes += bytes;
  }

  struct Lag {
    std::uint64_t bytes = 0;
    double seconds = 0;
  };
  Lag lag_after(std::uint64_t applied_seq) {
    const auto last = journal->figures().last_seq;
    std::lock_guard lock(lag_mutex);
    while (lag_marks.size() > 1 && lag_marks[1].seq <= applied_seq + 1) lag_marks.pop_front();
    if (last <= applied_seq || lag_marks.empty()) return {};
    const auto& m = lag_marks.front();
    return {journaled_bytes - m.bytes_before,
            std::max(0.0, static_cast<double>(unix_micros() - m.commit_micros) / 1e6)};
  }

  // What the journal held when it was opened counts from its oldest record, of the first segment
  // kept (records the applier had passed may precede it there, until that segment is released).
  void seed_lag() {
    const auto f = journal->figures();
    std::lock_guard lock(lag_mutex);
    journaled_bytes = f.bytes;
    if (f.first_seq == 0 || f.last_seq < f.first_seq) return;
    auto first = journal->read(f.first_seq, 1);
    if (!first || first->empty()) return;
    auto tx = migrator::decode_mirror_transaction(first->front().payload);
    if (tx) lag_marks.push_back({f.first_seq, 0, tx->commit_unix_micros});
  }

  void publish_lag() {
    const auto a = applied.load();
    const auto lag = lag_after(a);
    status.set_apply(std::to_string(a), lag.bytes, lag.seconds, transactions, rows);
  }

  Impl(const config::Config& c, MigrationStatus& s)
      : config(c), status(s), budget(static_cast<std::size_t>(c.mirror.capture_memory_mib) << 20) {}

  void publish(const std::string& state) {
    std::lock_guard lock(error_mutex);
    // Retired, or only emptying the journal before the WAL mirror starts: the status shows the
    // mode it is switching to.
    const bool handing_over = retired.load() || !options.keep_slot;
    status.set_mirror(handing_over ? "wal" : options.mode, handing_over && state == "running" ? "switching" : state,
                      last_error, errors);
  }
  void note_error(const std::string& error) {
    std::lock_guard lock(error_mutex);
    ++errors;
    last_error = error;
  }

  void publish_journal() {
    const auto f = journal->figures();
    status.set_journal(f.bytes, f.segments, f.last_seq, applied, f.full);
    status.set_capture(budget.held(), budget.limit());
  }

  // The columns an UPDATE assigns, from PostgreSQL's parse tree (several microseconds a
  // statement), once per statement shape: statements of one shape assign the same columns.
  std::unordered_map<std::string, std::expected<sql::UpdateTargets, std::string>> targets_by_shape;
  std::expected<sql::UpdateTargets, std::string> unshaped_targets;
  const std::expected<sql::UpdateTargets, std::string>& update_targets(const std::string& statement) {
    auto shape = pgwire::statement_shape(statement);
    if (!shape) {
      unshaped_targets = sql::update_targets(statement);
      return unshaped_targets;
    }
    if (auto it = targets_by_shape.find(*shape); it != targets_by_shape.end()) return it->second;
    if (targets_by_shape.size() >= 4096) targets_by_shape.clear();
    return targets_by_shape.emplace(std::move(*shape), sql::update_targets(statement)).first->second;
  }

  void diverged(const std::string& table, const std::string& reason) {
    status.add_diverged(table, reason);
    if (logged_refusals.insert(table + "\n" + reason).second)
      log::warn("mirror.diverged").kv("table", table).kv("reason", reason);
  }

  // A statement the mirror cannot apply: counted per fingerprint and logged once per fingerprint,
  // with its first table (the one it writes or alters) diverged. Not counted when none of the
  // tables it names is on MySQL or made earlier in its transaction: it had nothing to mirror.
  void refused(const std::string& statement, const std::string& reason, const std::set<std::string>& created,
               bool creates_table) {
    const auto id = sql::identify_statement(statement);
    auto qualified = [](const sql::NamedTable& t) { return (t.schema.empty() ? "public" : t.schema) + "." + t.name; };
    std::string table = "unknown";
    if (!id.tables.empty()) {
      table = qualified(id.tables[0]);
      const bool mirrored = creates_table || std::ranges::any_of(id.tables, [&](const sql::NamedTable& t) {
                              return is_on_mysql(t.schema, t.name) || created.contains(qualified(t));
                            });
      if (!mirrored) return;
    }
    if (status.add_refused(id.fingerprint, table, statement.substr(0, 300), reason))
      log::warn("mirror.refused")
          .kv("fingerprint", id.fingerprint)
          .kv("table", table)
          .kv("reason", reason)
          .kv("statement", statement.substr(0, 1000));
  }

  std::expected<void, std::string> load_tables(migrator::MysqlConnection& my, migrator::PgConnection& pg) {
    auto v = std::make_shared<Visibility>();
    auto both = [](std::set<std::string>& set, const std::string& prefix, const std::string& schema,
                   const std::string& table) {
      set.insert(prefix + schema + "." + table);
      set.insert(prefix + "\x01" + table);
    };
    auto r = my.query(
        "SELECT IF(table_schema = DATABASE(), 'public', table_schema), table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('mysql', 'information_schema', "
        "'performance_schema', 'sys', 'tandem_meta')");
    if (!r) return std::unexpected(r.error().message);
    for (const auto& row : r->rows) both(v->on_mysql, "", *row[0], *row[1]);
    auto special = pg.query(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relhasrules)");
    if (!special) return std::unexpected(special.error().message);
    for (const auto& row : special->rows) both(v->policies_or_rules, "", *row[0], *row[1]);
    auto hidden = pg.query(
        "SELECT r.rolname, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN pg_roles r WHERE c.relkind IN ('r', 'p') AND r.rolcanlogin AND n.nspname NOT IN "
        "('pg_catalog', 'information_schema') AND NOT has_table_privilege(r.oid, c.oid, 'SELECT')");
    if (!hidden) return std::unexpected(hidden.error().message);
    for (const auto& row : hidden->rows) both(v->no_select, *row[0] + "\x02", *row[1], *row[2]);
    visibility.store(std::move(v));
    return {};
  }

  static std::string key(std::string_view schema, std::string_view table) {
    return schema.empty() ? "\x01" + std::string(table) : std::string(schema) + "." + std::string(table);
  }

  bool is_on_mysql(std::string_view schema, std::string_view table) const {
    auto v = visibility.load();
    return !v || v->on_mysql.contains(key(schema, table));
  }

  bool gets_images(std::string_view user, std::string_view schema, std::string_view table) const {
    auto v = visibility.load();
    if (!v) return true;
    const std::string k = key(schema, table);
    return v->on_mysql.contains(k) && !v->policies_or_rules.contains(k) &&
           !v->no_select.contains(std::string(user) + "\x02" + k);
  }

  bool stopping() {
    std::lock_guard lock(mutex);
    return shutdown || paused;
  }

  // Drains the replication slot, when there is one, up to the source's current position.
  std::expected<void, std::string> drain_slot() {
    auto pg = migrator::PgConnection::connect(config.source.url.to_libpq_conninfo());
    if (!pg) return std::unexpected(pg.error().message);
    auto slot = pg->query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", {config.migration.slot});
    if (!slot) return std::unexpected(slot.error().message);
    if (slot->rows.empty()) {
      log::info("mirror.no_slot").kv("slot", config.migration.slot);
      return {};
    }
    auto backfill = migrator::backfill_options(config);
    backfill.until_caught_up = true;
    backfill.until_marker = options.drain_marker;
    backfill.until_marker_lsn = options.drain_marker_lsn;
    backfill.stop = &drain_stop;
    auto r = migrator::run_backfill(backfill, [&](const migrator::BackfillProgress& p) {
      status.set_apply(p.applied_lsn, p.lag_bytes, p.lag_seconds, p.transactions, p.rows);
    });
    if (!r) return std::unexpected("draining the replication slot: " + r.error());
    log::info("mirror.slot_drained")
        .kv("applied_lsn", r->applied_lsn)
        .kv("transactions", std::int64_t(r->transactions));
    return {};
  }

  // After a DDL: a drain must never replay the table's older shape onto MySQL, so the slot moves
  // to PostgreSQL's current position before anything after the DDL is applied.
  void advance_slot_to_current(migrator::PgConnection& pg) {
    // Not while keep_slot advances it: the slot would be active, and this advance skipped.
    std::lock_guard slot_lock(slot_mutex);
    // Retired, or emptying the journal before the WAL mirror starts: the WAL mirror goes on from
    // slot_limit, and must find every later change there.
    auto r = !slot_limit.empty()
                 ? pg.query(
                       "SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots "
                       "WHERE slot_name = $1 AND NOT active AND confirmed_flush_lsn < $2::pg_lsn",
                       {config.migration.slot, slot_limit})
                 : pg.query(
                       "SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM "
                       "pg_replication_slots WHERE slot_name = $1 AND NOT active",
                       {config.migration.slot});
    if (!r) {
      log::warn("mirror.slot_advance_failed").kv("error", r.error().message);
    } else if (r->rows.empty()) {
      log::warn("mirror.slot_not_advanced")
          .kv("slot", config.migration.slot)
          .kv("detail", "the slot is in use elsewhere: a restart may replay rows of the shape before the DDL");
    }
  }

  // A bound on the slot kept only until the first drain (a restart finishing a switch, in mode
  // "proxy"), unless retired. Without keep_slot (the journal emptied before the WAL mirror
  // starts) the bound holds throughout.
  void release_slot_limit() {
    if (!options.keep_slot) return;
    std::lock_guard slot_lock(slot_mutex);
    if (!retired) slot_limit.clear();
  }

  // Every ticket below `ticket` has been answered and its transactions handed to the journal.
  bool released_below(std::uint64_t ticket) {
    std::lock_guard lock(ticket_mutex);
    return next_release >= ticket;
  }
  std::uint64_t tickets_taken() {
    std::lock_guard lock(ticket_mutex);
    return next_ticket;
  }

  // Every 10 s the slot moves up to a position PostgreSQL had at least 10 s before, once every
  // transaction committed before it is durable in the journal: those that took their commit-order
  // ticket before the position was read, and so committed before it, have all been journaled
  // and synced (a long statement holding an earlier ticket holds the advance back too). A crash
  // then finds in the slot whatever the journal may lack, for the drain at the next start. Not
  // once the journal refused a transaction: the slot then keeps it for that drain. On a thread
  // of its own, because advancing a logical slot decodes all the WAL in between, seconds of work
  // under heavy writes, which held up applying (and hid a MySQL outage from the applier) while
  // it ran on the applier's thread.
  void keep_slot() {
    struct Mark {
      Clock::time_point at;
      std::string lsn;                   // pg_current_wal_lsn() then
      std::uint64_t ticket;              // the next ticket then
      std::optional<std::uint64_t> seq;  // the journal's last record once those tickets were released
    };
    std::optional<migrator::PgConnection> pg;
    std::deque<Mark> marks;
    std::unique_lock lock(mutex);
    while (!shutdown) {
      const auto next = Clock::now() + std::chrono::seconds(10);
      wake.wait_until(lock, next, [&] { return shutdown; });
      if (shutdown) return;
      if (!caught_up || journal_refused.load()) continue;
      lock.unlock();
      if (!pg) {
        auto c = migrator::PgConnection::connect(config.source.url.to_libpq_conninfo() + " connect_timeout=10");
        if (c) pg.emplace(std::move(*c));
      }
      const auto now = Clock::now();
      if (pg) {
        const auto ticket = tickets_taken();
        auto lsn = pg->query("SELECT pg_current_wal_lsn()::text");
        if (!lsn) pg.reset();  // connected again next time
        if (lsn && !lsn->rows.empty() && lsn->rows[0][0]) marks.push_back({now, *lsn->rows[0][0], ticket, {}});
      }
      std::optional<std::string> target;
      while (!marks.empty() && now - marks.front().at >= std::chrono::seconds(10)) {
        auto& m = marks.front();
        if (!m.seq) {
          if (!released_below(m.ticket)) break;
          m.seq = journal->figures().last_seq;
        }
        if (journal->durable_seq() < *m.seq) break;
        target = m.lsn;
        marks.pop_front();
      }
      if (pg && target) {
        std::lock_guard slot_lock(slot_mutex);
        if (retired) return;  // the WAL mirror needs every change after the switch in the slot
        auto r = pg->query(
            "SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots WHERE slot_name = "
            "$1 AND NOT active AND confirmed_flush_lsn < $2::pg_lsn",
            {config.migration.slot, *target});
        if (!r) {
          log::debug("mirror.slot_advance_failed").kv("error", r.error().message);
          pg.reset();
        }
        const double took = std::chrono::duration<double>(Clock::now() - now).count();
        if (took > 1.0) log::info("mirror.slot_advance_slow").kv("lsn", *target).kv("seconds", took);
      }
      lock.lock();
    }
  }

  std::expected<Table*, std::string> table_for(migrator::PgConnection& pg, migrator::MysqlConnection& my,
                                               migrator::Applier& applier, const MirrorItem& item) {
    const std::uint32_t oid = item.columns.empty() ? 0 : item.columns[0].table_oid;
    auto& t = tables[oid];
    if (!t.shape.empty() && t.shape == item.columns) return &t;
    t = Table{};
    t.shape = item.columns;
    auto name = pg.query(
        "SELECT n.nspname, c.relname, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = $1::oid",
        {std::to_string(oid)});
    if (!name) return std::unexpected(name.error().message);
    if (name->rows.empty() || *name->rows[0][2] == "t") return &t;  // gone, or temporary: not mirrored
    const std::string schema = *name->rows[0][0], relname = *name->rows[0][1];
    t.name = schema + "." + relname;
    auto exists = my.query("SELECT 1 FROM information_schema.tables WHERE table_schema = " +
                           (schema == "public" ? std::string("DATABASE()") : sql::quote_string(schema)) +
                           " AND table_name = " + sql::quote_string(relname));
    if (!exists) return std::unexpected(exists.error().message);
    if (exists->rows.empty()) return &t;  // not on MySQL: not mirrored
    auto keys = pg.query(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = $1::oid AND (i.indisprimary OR i.indisreplident) ORDER BY i.indisprimary DESC",
        {std::to_string(oid)});
    if (!keys) return std::unexpected(keys.error().message);
    for (const auto& r : keys->rows) t.keys.insert(*r[0]);
    if (t.keys.empty()) {
      diverged(t.name, "the table has no primary key: its rows cannot be mirrored by key");
      return &t;
    }
    migrator::wal::Relation rel;
    rel.id = oid;
    rel.schema = schema;
    rel.name = relname;
    for (const auto& c : item.columns) rel.columns.push_back({t.keys.contains(c.name), c.name, c.type_oid, c.typmod});
    if (auto r = applier.on_relation(rel); !r) return std::unexpected(r.error());
    t.mirrored = true;
    return &t;
  }

  // Converts one journaled transaction; `ddl` is set when it changed a table's shape.
  // A COPY FROM STDIN's rows, as an insert image. PostgreSQL reads the client's data again, with
  // the client's options, TimeZone and DateStyle, into a temporary table shaped like the target
  // (generated columns included), and answers its rows as text, as it answers a RETURNING list;
  // all of it rolled back. nullopt: the table is not on MySQL. An error says why the rows cannot
  // be known (`table` names the table when it is known).
  std::expected<std::optional<MirrorItem>, std::string> copy_image(migrator::PgConnection& pg, const MirrorItem& item,
                                                                   std::string& table) {
    auto spec = sql::parse_copy_from(item.sql);
    if (!spec) return std::unexpected(spec.error());
    auto columns = pg.query(
        "SELECT a.attrelid::oid::text, n.nspname, c.relname, a.attname, a.attnum::text, a.atttypid::oid::text, "
        "a.atttypmod::text, (a.atthasdef OR a.attidentity <> '')::text, (a.attgenerated <> '')::text "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attrelid = to_regclass(CASE WHEN $1 = '' THEN quote_ident($2) "
        "ELSE quote_ident($1) || '.' || quote_ident($2) END) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        {spec->schema, spec->table});
    if (!columns) return std::unexpected("reading its table's columns: " + columns.error().message);
    if (columns->rows.empty()) return std::unexpected("table " + spec->table + " not found on PostgreSQL now");
    const auto& first = columns->rows[0];
    table = first[1].value_or("") + "." + first[2].value_or("");
    if (!is_on_mysql(first[1].value_or(""), first[2].value_or(""))) return std::nullopt;
    std::vector<std::string> listed = spec->columns;
    if (listed.empty()) {
      for (const auto& c : columns->rows)
        if (c[8] != "true") listed.push_back(c[3].value_or(""));
    }
    MirrorItem image;
    image.kind = MirrorItem::Kind::image;
    image.op = 'i';
    image.sql = item.sql;
    std::string select;
    for (const auto& c : columns->rows) {
      const std::string name = c[3].value_or("");
      const bool in_list = std::ranges::find(listed, name) != listed.end();
      if (!in_list && c[8] != "true" && c[7] == "true")
        return std::unexpected("it leaves out column " + name +
                               ", which PostgreSQL fills from its default: the mirror cannot see that value");
      image.columns.push_back({name, static_cast<std::uint32_t>(std::stoul(c[0].value_or("0"))),
                               static_cast<std::int16_t>(std::stoi(c[4].value_or("0"))),
                               static_cast<std::uint32_t>(std::stoul(c[5].value_or("0"))),
                               static_cast<std::int32_t>(std::stol(c[6].value_or("-1")))});
      select += (select.empty() ? "" : ", ") + migrator::quote_pg_identifier(name);
    }
    for (const auto& name : listed)
      if (std::ranges::none_of(image.columns, [&](const auto& c) { return c.name == name; }))
        return std::unexpected("column " + name + " not found on PostgreSQL now");
    std::string list;
    for (const auto& name : listed) list += (list.empty() ? "" : ", ") + migrator::quote_pg_identifier(name);
    std::string options = spec->binary ? "FORMAT binary" : spec->csv ? "FORMAT csv" : "FORMAT text";
    if (!spec->binary) {
      options += ", DELIMITER " + migrator::quote_pg_literal(std::string(1, spec->delimiter));
      options += ", NULL " + migrator::quote_pg_literal(spec->null_string);
      options += spec->header ? ", HEADER true" : ", HEADER false";
    }
    if (spec->csv) {
      options += ", QUOTE " + migrator::quote_pg_literal(std::string(1, spec->quote));
      options += ", ESCAPE " + migrator::quote_pg_literal(std::string(1, spec->escape));
    }
    auto run = [&]() -> std::expected<void, std::string> {
      for (std::size_t i = 0; i < 2 && i < item.params.size(); ++i) {
        const auto& v = item.params[i].value;
        if (!v || v->empty()) continue;
        auto r =
            pg.query(std::string("SELECT set_config('") + (i == 0 ? "TimeZone" : "DateStyle") + "', $1, true)", {*v});
        if (!r) return std::unexpected(r.error().message);
      }
      if (auto r = pg.exec(
              "CREATE TEMPORARY TABLE tandem_copy (LIKE " + migrator::quote_pg_identifier(first[1].value_or("")) + "." +
              migrator::quote_pg_identifier(first[2].value_or("")) + " INCLUDING GENERATED) ON COMMIT DROP");
          !r)
        return std::unexpected(r.error().message);
      PGresult* res =
          PQexec(pg.raw(), ("COPY pg_temp.tandem_copy (" + list + ") FROM STDIN WITH (" + options + ")").c_str());
      const bool copy_in = PQresultStatus(res) == PGRES_COPY_IN;
      std::string error = copy_in ? "" : PQresultErrorMessage(res);
      PQclear(res);
      if (!copy_in) return std::unexpected(error);
      if (PQputCopyData(pg.raw(), item.data.data(), static_cast<int>(item.data.size())) != 1 ||
          PQputCopyEnd(pg.raw(), nullptr) != 1)
        return std::unexpected(std::string(PQerrorMessage(pg.raw())));
      std::uint64_t count = 0;
      while (PGresult* r = PQgetResult(pg.raw())) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
          error = PQresultErrorMessage(r);
        else
          count = std::strtoull(PQcmdTuples(r), nullptr, 10);
        PQclear(r);
      }
      if (!error.empty()) return std::unexpected("PostgreSQL cannot read the data again: " + error);
      if (count != item.copied_rows)
        return std::unexpected("its data holds " + std::to_string(count) + " rows, PostgreSQL reported " +
                               std::to_string(item.copied_rows));
      auto rows = pg.query("SELECT " + select + " FROM pg_temp.tandem_copy");
      if (!rows) return std::unexpected(rows.error().message);
      image.rows = std::move(rows->rows);
      return {};
    };
    if (auto r = pg.exec("BEGIN"); !r) return std::unexpected(r.error().message);
    auto result = run();
    (void)pg.exec("ROLLBACK");
    if (!result) return std::unexpected(result.error());
    log::info("mirror.copy_read")
        .kv("table", table)
        .kv("rows", static_cast<std::int64_t>(image.rows.size()))
        .kv("timezone", item.params.empty() ? std::string() : item.params[0].value.value_or(""));
    return image;
  }

  std::expected<migrator::SourceTransaction, std::string> convert(migrator::PgConnection& pg,
                                                                  migrator::MysqlConnection& my,
                                                                  migrator::Applier& applier,
                                                                  sql::Translator& translator, std::uint64_t seq,
                                                                  const MirrorTransaction& tx, bool& ddl) {
    migrator::SourceTransaction out;
    out.end_lsn = seq;
    out.commit_time = tx.commit_unix_micros - 946684800LL * 1000000LL;
    if (!tx.unsupported.empty()) diverged("unknown", tx.unsupported);
    std::set<std::string> created;  // tables a CREATE TABLE earlier in this transaction made
    for (const auto& original : tx.items) {
      if (original.kind == MirrorItem::Kind::unsupported) {
        refused(original.sql, original.reason, created, false);
        continue;
      }
      std::optional<MirrorItem> copied;
      if (original.kind == MirrorItem::Kind::copy) {
        std::string table = "unknown";
        auto image = copy_image(pg, original, table);
        // PostgreSQL gone: retried, like any connection failure.
        if (!image && PQstatus(pg.raw()) != CONNECTION_OK)
          return std::unexpected("reading a COPY's rows again on PostgreSQL: " + image.error());
        if (!image) {
          diverged(table, "COPY FROM STDIN not mirrored (" + image.error() + "): " + original.sql.substr(0, 200));
          continue;
        }
        if (!*image) continue;  // its table is not on MySQL
        copied = std::move(*image);
      }
      const MirrorItem& item = copied ? *copied : original;
      bool replay = item.kind == MirrorItem::Kind::statement;
      Table* t = nullptr;
      if (!replay) {
        auto found = table_for(pg, my, applier, item);
        if (!found) return std::unexpected(found.error());
        t = *found;
        if (!t->mirrored) continue;
        if (item.op == 'u') {
          // An UPDATE that assigns a key column moves rows whose old keys the image cannot tell.
          const auto& targets = update_targets(item.sql);
          if (!targets) {
            diverged(t->name, "cannot tell which columns an UPDATE assigns (" + targets.error() +
                                  "); applied by its row images: " + item.sql.substr(0, 200));
          } else {
            replay = std::ranges::any_of(targets->columns, [&](const std::string& c) { return t->keys.contains(c); });
          }
        }
      }
      if (!replay) {
        for (const auto& row : item.rows) {
          migrator::RowChange c;
          c.kind = item.op == 'i'   ? migrator::RowChange::Kind::insert
                   : item.op == 'u' ? migrator::RowChange::Kind::update
                                    : migrator::RowChange::Kind::remove;
          c.relation = item.columns[0].table_oid;
          migrator::wal::Tuple tuple;
          for (const auto& v : row)
            tuple.push_back(v ? migrator::wal::TupleValue{'t', *v} : migrator::wal::TupleValue{'n', {}});
          if (c.kind == migrator::RowChange::Kind::remove)
            c.old_key = std::move(tuple);
          else
            c.row = std::move(tuple);
          out.changes.push_back(std::move(c));
        }
        continue;
      }
      // Writes to tables that are not on MySQL are not mirrored; DDL on them neither, except the
      // CREATE TABLE that makes one (temporary tables stay on PostgreSQL).
      std::string head;
      for (char c : item.sql.substr(0, 40)) head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool create_table = head.starts_with("create") && head.find("table") != std::string::npos &&
                                head.find("temp") == std::string::npos;
      auto translated = translator.translate(item.sql);
      if (!translated) {
        refused(item.sql, "not translatable: " + sql::describe(translated.error()), created, create_table);
        continue;
      }
      const auto& tr = **translated;
      const bool creates = tr.statement_class == sql::StatementClass::ddl && create_table;
      const bool known = std::ranges::all_of(tr.tables, [&](const sql::TableRef& r) {
        return is_on_mysql(r.schema, r.name) || created.contains(r.schema + "." + r.name);
      });
      if (!creates && !known) continue;
      if (creates)
        for (const auto& r : tr.tables) created.insert(r.schema + "." + r.name);
      if (tr.statement_class == sql::StatementClass::ddl) ddl = true;
      auto bound = bind(tr, item.params);
      if (!bound) {
        refused(item.sql, bound.error(), created, creates);
        continue;
      }
      if (item.kind == MirrorItem::Kind::image)
        log::info("mirror.replayed_statement")
            .kv("reason", "UPDATE of a key column")
            .kv("sql", item.sql.substr(0, 300));
      for (auto& s : *bound) {
        migrator::RowChange c;
        c.kind = migrator::RowChange::Kind::raw;
        c.raw_sql = std::move(s);
        out.changes.push_back(std::move(c));
      }
    }
    return out;
  }

  // An error that says nothing about the statements: the connection failed, or MySQL is in a state
  // that passes (a deadlock, a lock wait timeout, a full disk, a shutdown). Those are retried.
  // The rest (MySQL refusing a statement, a value the applier cannot convert) would fail again.
  static bool transient(const std::string& error) {
    if (!error.starts_with("mysql ")) return false;
    const int code = std::atoi(error.c_str() + 6);
    return code <= 0 || code >= 2000 || code == 1021 || code == 1040 || code == 1053 || code == 1205 || code == 1213 ||
           code == 1290 || code == 1317 || code == 1927;
  }

  std::string table_of(const migrator::SourceTransaction& tx) const {
    for (const auto& c : tx.changes)
      if (auto it = tables.find(c.relation); c.kind != migrator::RowChange::Kind::raw && it != tables.end())
        return it->second.name;
    return "unknown";
  }

  // Applies a batch. When it fails for a reason that would not pass, the transactions go one by
  // one. One that fails is applied without its replayed statements, or else not at all: its table
  // is counted as diverged (tandem validate --repair mends it), and the mirror goes on rather than
  // retry what can never succeed.
  std::expected<migrator::wal::Lsn, std::string> apply_isolating(migrator::Applier& applier,
                                                                 std::vector<migrator::SourceTransaction>& batch) {
    auto r = applier.apply(batch);
    if (r || transient(r.error())) return r;
    for (auto& tx : batch) {
      std::vector<migrator::SourceTransaction> one{tx};
      auto single = applier.apply(one);
      if (single) {
        r = single;
        continue;
      }
      if (transient(single.error())) return single;
      const std::string table = table_of(tx);
      std::string replayed;
      std::erase_if(one[0].changes, [&](const migrator::RowChange& c) {
        if (c.kind != migrator::RowChange::Kind::raw) return false;
        if (replayed.empty()) replayed = c.raw_sql.substr(0, 300);
        return true;
      });
      if (!replayed.empty()) {
        auto without = applier.apply(one);
        if (without) {
          diverged(table, "MySQL refused a replayed statement (" + single.error() + "): " + replayed);
          r = without;
          continue;
        }
        if (transient(without.error())) return without;
      }
      diverged(table, "journal record " + std::to_string(tx.end_lsn) + " not applied: " + single.error());
      one[0].changes.clear();  // its position still advances
      r = applier.apply(one);
      if (!r) return r;
    }
    return r;
  }

  // One connected run: applies the journal until stopped or an error; with `until_empty`, only
  // what the journal held when it was opened (opened_seq): what sessions journal from then on
  // goes after the drain of the slot, which comes before it in commit order.
  std::expected<void, std::string> apply_run(bool until_empty) {
    auto my = migrator::MysqlConnection::connect(*config.target, sql::Dialect::mariadb);
    if (!my) return std::unexpected(my.error().message);
    auto pg = migrator::PgConnection::connect(config.source.url.to_libpq_conninfo());
    if (!pg) return std::unexpected(pg.error().message);
    migrator::Applier applier(*my, migrator::source_type_namer(*pg), migrator::source_column_definer(*pg),
                              sql::Dialect::mariadb, position_key);
    auto position = applier.load_position();
    if (!position) return std::unexpected(position.error());
    applied = *position;
    tables.clear();
    if (auto r = load_tables(*my, *pg); !r) return std::unexpected(r.error());
    sql::Translator translator;
    // The first pass (the journal's older records, before the slot is drained) still catches up.
    publish(until_empty ? "catching_up" : "running");
    while (!stopping()) {
      publish_journal();
      // A MySQL commit per few transactions costs both servers' CPU that the clients need: when
      // not behind, wait a little for more (the lag stays within tens of milliseconds).
      if (journal->durable_seq() < applied + 200) {
        std::unique_lock lock(mutex);
        wake.wait_until(lock, last_apply + std::chrono::milliseconds(25), [&] { return shutdown || paused; });
      }
      if (until_empty && applied >= opened_seq) return {};
      auto records = journal->read(applied + 1, 500);
      if (!records) return std::unexpected("reading the journal: " + records.error());
      if (until_empty) std::erase_if(*records, [&](const auto& r) { return r.seq > opened_seq; });
      if (records->empty()) {
        journal->release_through(applied);
        if (until_empty) return {};
        publish_lag();
        std::unique_lock lock(mutex);
        awaiting_durable = true;
        wake.wait_for(lock, std::chrono::milliseconds(50),
                      [&] { return shutdown || paused || journal->durable_seq() > applied; });
        awaiting_durable = false;
        continue;
      }
      std::vector<migrator::SourceTransaction> batch;
      for (const auto& record : *records) {
        auto tx = migrator::decode_mirror_transaction(record.payload);
        if (!tx) return std::unexpected("journal record " + std::to_string(record.seq) + ": " + tx.error());
        // A table whose shape changes may be altered on MySQL while converting: the rows of the
        // older shape go first.
        const bool reshapes = std::ranges::any_of(tx->items, [&](const MirrorItem& i) {
          if (i.kind != MirrorItem::Kind::image || i.columns.empty()) return false;
          auto it = tables.find(i.columns[0].table_oid);
          return it == tables.end() || it->second.shape != i.columns;
        });
        if (reshapes && !batch.empty()) {
          auto r = apply_isolating(applier, batch);
          if (!r) return std::unexpected(r.error());
          applied = *r;
          batch.clear();
        }
        bool ddl = false;
        auto converted = convert(*pg, *my, applier, translator, record.seq, *tx, ddl);
        if (!converted) return std::unexpected(converted.error());
        std::uint64_t row_count = converted->changes.size();
        if (ddl) {
          // DDL commits on its own on MySQL: what came before goes first, the DDL alone.
          if (!batch.empty()) {
            auto r = apply_isolating(applier, batch);
            if (!r) return std::unexpected(r.error());
            batch.clear();
          }
          std::vector<migrator::SourceTransaction> one;
          one.push_back(std::move(*converted));
          auto r = apply_isolating(applier, one);
          if (!r) return std::unexpected(r.error());
          tables.clear();  // shapes are re-read, and MySQL's columns compared, at the next image
          if (auto l = load_tables(*my, *pg); !l) return std::unexpected(l.error());
          advance_slot_to_current(*pg);
          applied = *r;
          ++transactions;
          rows += row_count;
          continue;
        }
        batch.push_back(std::move(*converted));
        ++transactions;
        rows += row_count;
      }
      if (!batch.empty()) {
        auto r = apply_isolating(applier, batch);
        if (!r) return std::unexpected(r.error());
        applied = *r;
      }
      journal->release_through(applied);
      last_apply = Clock::now();
      publish_lag();
    }
    return {};
  }

  void loop() {
    publish("catching_up");
    RetryBackoff backoff;
    bool drained = false;
    while (true) {
      {
        std::unique_lock lock(mutex);
        if (paused) publish("paused");
        // The lag goes on growing while paused (or below, while MySQL is away).
        wait_ticking(
            lock, Clock::time_point::max(), [&] { return shutdown || !paused; }, [&] { publish_lag(); });
        if (shutdown) return;
        drain_stop = paused;  // a pause after this sets it again
      }
      backoff.run_started();
      std::expected<void, std::string> result;
      if (!drained) {
        // What the journal holds from before a crash is older than anything the slot has not
        // confirmed: it goes first. The slot then replays from an earlier point, row images by
        // key, up to PostgreSQL's current position, which also covers transactions committed
        // in the instant before a crash, before they reached the journal.
        result = apply_run(true);
        // Paused before the journal's older records were all applied: they still go first.
        if (result && applied.load() < opened_seq && stopping()) continue;
        if (result) result = drain_slot();
        if (result && drain_stop) continue;  // paused or stopping: the drain goes on after
        // A restart finishing a switch to "proxy", with the slot now applied up to the marker:
        // the journal's later records follow, then the slot again, up to PostgreSQL's current
        // position, for transactions committed just before the crash and never journaled.
        if (result && resume_through) {
          opened_seq = *resume_through;
          resume_through.reset();
          options.drain_marker.clear();
          options.drain_marker_lsn.clear();
          release_slot_limit();  // the marker's bound held for the records before it only
          result = apply_run(true);
          if (result && applied.load() < opened_seq && stopping()) continue;
          if (result) result = drain_slot();
          if (result && drain_stop) continue;
        }
        if (result) {
          drained = true;
          // The changes after the bound are applied now: a later DDL moves the slot to
          // PostgreSQL's position again.
          release_slot_limit();
          if (options.on_drained) options.on_drained();
          std::lock_guard lock(mutex);
          caught_up = true;
          caught_up_cv.notify_all();
        }
      }
      if (result) result = apply_run(false);
      std::unique_lock lock(mutex);
      if (shutdown) return;
      if (result) continue;  // paused
      const auto wait = backoff.after_failure();
      note_error(result.error());
      log::warn("mirror.retrying")
          .kv("error", result.error())
          .kv("retry_in_s", static_cast<std::int64_t>(wait.count()));
      publish("retrying");
      wait_ticking(
          lock, Clock::now() + wait, [&] { return shutdown || paused; }, [&] { publish_lag(); });
      if (shutdown) return;
    }
  }
};

JournalMirror::JournalMirror(const config::Config& config, MigrationStatus& status)
    : impl_(std::make_unique<Impl>(config, status)) {}

JournalMirror::~JournalMirror() {
  stop();
  impl_->journal.reset();  // its last callbacks use the members below
}

void JournalMirror::stop() {
  impl_->drain_stop = true;
  impl_->stop();
  // Never started (a switch that did not happen), or already stopped: the status is another's.
  if (!impl_->thread.joinable()) return;
  impl_->thread.join();
  if (impl_->slot_thread.joinable()) impl_->slot_thread.join();
  if (!impl_->retired) impl_->publish("stopped");
}

void JournalMirror::start(StartOptions options) {
  open();
  impl_->options = std::move(options);
  if (impl_->options.older_than_marker) {
    impl_->resume_through = impl_->opened_seq;
    impl_->opened_seq = std::min(impl_->opened_seq, *impl_->options.older_than_marker);
  }
  if (!impl_->options.slot_limit.empty()) {
    std::lock_guard slot_lock(impl_->slot_mutex);
    impl_->slot_limit = impl_->options.slot_limit;
  }
  impl_->thread = std::thread([this] { impl_->loop(); });
  if (impl_->options.keep_slot) impl_->slot_thread = std::thread([this] { impl_->keep_slot(); });
}

void JournalMirror::retire(const std::string& slot_limit) {
  {
    std::lock_guard slot_lock(impl_->slot_mutex);
    impl_->slot_limit = slot_limit;
    impl_->retired = true;
  }
  impl_->publish("switching");
}

bool JournalMirror::drained() const {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mutex);
    if (!d.caught_up) return false;
  }
  // A journal that refused or lost records has what it could make durable; the rest is in the
  // slot (journal_lost).
  const auto last = d.journal_refused ? d.journal->durable_seq() : d.journal->figures().last_seq;
  return d.journal->durable_seq() >= last && d.applied.load() >= last;
}

bool JournalMirror::journal_lost() const { return impl_->journal_refused; }

std::uint64_t JournalMirror::opened_seq() const { return impl_->opened_seq; }

void JournalMirror::open() {
  if (impl_->journal) return;
  migrator::JournalOptions options;
  options.dir = impl_->config.state_dir / "journal";
  // The applier waits ~25 ms between batches anyway; fewer device flushes leave the disk to the
  // source's own commits.
  options.sync_interval = std::chrono::milliseconds(20);
  auto journal = migrator::MirrorJournal::open(options);
  if (!journal) throw std::runtime_error("mirror journal: " + journal.error());
  impl_->journal = std::move(*journal);
  impl_->position_key = "journal/" + journal_identity(options.dir);
  const auto f = impl_->journal->figures();
  log::info("mirror.journal_open")
      .kv("dir", options.dir.string())
      .kv("position", impl_->position_key)
      .kv("first_seq", static_cast<std::int64_t>(f.first_seq))
      .kv("last_seq", static_cast<std::int64_t>(f.last_seq))
      .kv("bytes", static_cast<std::int64_t>(f.bytes));
  impl_->status.set_journal(f.bytes, f.segments, f.last_seq, 0, false);
  impl_->opened_seq = f.last_seq;
  impl_->seed_lag();
}

bool JournalMirror::wait_caught_up(std::chrono::milliseconds limit) {
  std::unique_lock lock(impl_->mutex);
  return impl_->caught_up_cv.wait_for(lock, limit, [&] { return impl_->caught_up || impl_->shutdown; });
}

bool JournalMirror::pause() {
  impl_->drain_stop = true;
  return impl_->pause();
}

bool JournalMirror::resume() { return impl_->resume(); }

bool JournalMirror::images(std::string_view user, std::string_view schema, std::string_view table) const {
  return !impl_->retired && impl_->gets_images(user, schema, table);
}

pgwire::CaptureBudget* JournalMirror::capture_budget() { return &impl_->budget; }

bool JournalMirror::on_mysql(std::string_view schema, std::string_view table) const {
  return impl_->is_on_mysql(schema, table);
}

std::uint64_t JournalMirror::take_ticket() {
  std::lock_guard lock(impl_->ticket_mutex);
  return impl_->next_ticket++;
}

void JournalMirror::complete(std::uint64_t ticket, std::vector<pgwire::CapturedTransaction> transactions) {
  auto& d = *impl_;
  // Retired: the slot has these for the WAL mirror (every earlier ticket was answered before).
  if (d.retired) return;
  std::lock_guard lock(d.ticket_mutex);
  d.completed.emplace(ticket, std::move(transactions));
  // Everything up to the oldest ticket still unanswered goes to the journal, in ticket order.
  for (auto it = d.completed.begin(); it != d.completed.end() && it->first == d.next_release;
       it = d.completed.erase(it), ++d.next_release) {
    if (!it->second.empty()) append(std::move(it->second));
  }
}

void JournalMirror::append(std::vector<pgwire::CapturedTransaction> transactions) {
  auto& d = *impl_;
  for (auto& tx : transactions) {
    std::string payload;
    std::int64_t commit_micros = 0;
    try {
      auto record = to_record(std::move(tx));
      commit_micros = record.commit_unix_micros;
      payload = migrator::encode_mirror_transaction(record);
    } catch (const std::exception& e) {
      d.status.add_diverged("unknown", std::string("a committed transaction could not be encoded: ") + e.what());
      log::error("mirror.encode_failed").kv("error", e.what());
      continue;
    }
    // An applier waiting for the sync is woken by it, rather than by its next poll.
    const std::uint64_t bytes = payload.size() + 16;  // with the record's header
    auto r = d.journal->append(std::move(payload), [&d](bool durable) {
      if (!durable) d.journal_refused = true;  // written, then lost: only the slot has it
      if (d.awaiting_durable.exchange(false)) {
        // Under the lock, so that the wake-up cannot fall between the applier's check and its wait.
        { std::lock_guard lock(d.mutex); }
        d.wake.notify_all();
      }
    });
    if (r) {
      d.note_journaled(*r, bytes, commit_micros);
      // Status shows what is journaled at once, so a caller that saw its commit never finds the
      // mirror "caught up" before that commit is applied.
      d.publish_journal();
    } else {
      d.journal_refused = true;
      d.note_error("journal: " + r.error());
      d.status.add_diverged("unknown", "a committed transaction could not be journaled: " + r.error());
      const auto f = d.journal->figures();
      d.status.set_journal(f.bytes, f.segments, f.last_seq, d.applied, f.full);
      log::error("mirror.journal_refused").kv("error", r.error());
    }
  }
}

}  // namespace tandem::proxy

// The WAL backfill loop: START_REPLICATION, decode, group into source transactions, apply in
// batches, and confirm to PostgreSQL only what MySQL has committed.
#include "migrator/wal/backfill.hpp"

#include <libpq-fe.h>
#include <sys/select.h>

#include <chrono>
#include <map>
#include <random>

#include "config/log.hpp"
#include "migrator/apply/applier.hpp"
#include "migrator/db/mysql_connection.hpp"
#include "migrator/db/pg_connection.hpp"
#include "migrator/wal/pgoutput_decoder.hpp"
#include "migrator/wal/xid_lag.hpp"
#include "protocol/sql/mysql_text.hpp"

namespace tandem::migrator {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t micros_since_2000() {
  // PostgreSQL's epoch is 2000-01-01, 946684800 s after the Unix epoch.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - 946684800LL * 1000000LL;
}

}  // namespace

BackfillOptions backfill_options(const config::Config& config) {
  BackfillOptions o;
  o.source = config.source.url;
  if (config.target) o.target = *config.target;
  o.slot = config.migration.slot;
  o.publication = config.migration.publication;
  return o;
}

std::expected<BackfillProgress, std::string> run_backfill(
    const BackfillOptions& options, const std::function<void(const BackfillProgress&)>& progress) {
  const auto started = Clock::now();
  auto my = MysqlConnection::connect(options.target, options.dialect);
  if (!my) return std::unexpected(my.error().message);
  auto state = my->query("SELECT consistent_lsn FROM `tandem_meta`.`snapshot_state` WHERE id = 1");
  if (!state || state->rows.empty())
    return std::unexpected(
        std::string("no snapshot recorded in tandem_meta.snapshot_state: run tandem snapshot first"));
  auto consistent = wal::parse_lsn(*state->rows[0][0]);
  if (!consistent) return std::unexpected("unreadable consistent point " + *state->rows[0][0]);
  // Applying while chunks are still being loaded would race the copy on the same keys.
  auto pending =
      my->query("SELECT table_name, COUNT(*) FROM `tandem_meta`.`snapshot_chunks` WHERE NOT done GROUP BY table_name");
  if (!pending) return std::unexpected(pending.error().message);
  if (!pending->rows.empty())
    return std::unexpected("the snapshot is not complete (" + *pending->rows[0][0] + " has " + *pending->rows[0][1] +
                           " chunks to copy): finish it with tandem snapshot --resume first");

  auto catalog = PgConnection::connect(options.source.to_libpq_conninfo());
  if (!catalog) return std::unexpected(catalog.error().message);
  Applier applier(*my, source_type_namer(*catalog), source_column_definer(*catalog), options.dialect, "wal");
  auto applied = applier.load_position();
  if (!applied) return std::unexpected(applied.error());
  const wal::Lsn start = std::max(*applied, *consistent);

  // For --until-caught-up: a logical message written now marks the source position to reach.
  std::string marker = options.until_marker;
  if (options.until_caught_up && marker.empty()) {
    std::mt19937_64 rng(std::random_device{}());
    marker = std::to_string(rng());
    auto r = catalog->query("SELECT pg_logical_emit_message(false, 'tandem_catch_up', $1)", {marker});
    if (!r) return std::unexpected(r.error().message);
  }

  std::optional<wal::Lsn> marker_at;
  if (!options.until_marker_lsn.empty()) {
    marker_at = wal::parse_lsn(options.until_marker_lsn);
    if (!marker_at) return std::unexpected("unreadable marker position " + options.until_marker_lsn);
  }

  auto repl = PgConnection::connect(options.source.to_libpq_conninfo() + " replication=database");
  if (!repl) return std::unexpected(repl.error().message);
  PGconn* conn = repl->raw();
  const std::string command = "START_REPLICATION SLOT " + quote_pg_identifier(options.slot) + " LOGICAL " +
                              wal::format_lsn(start) + " (proto_version '1', publication_names " +
                              sql::quote_string(quote_pg_identifier(options.publication)) + ", messages 'true')";
  {
    PGresult* r = PQexec(conn, command.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COPY_BOTH;
    std::string error = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) return std::unexpected("START_REPLICATION on slot " + options.slot + ": " + error);
  }
  log::info("backfill.started").kv("slot", options.slot).kv("from", wal::format_lsn(start));

  BackfillProgress report;
  wal::XidLag xid_lag;
  if (options.xid_baseline) xid_lag.set_baseline(*options.xid_baseline);
  wal::Lsn server_end = 0;
  // With nothing open or pending, a keepalive's WAL end has been seen in full: nothing of ours
  // lies before it, so lag is measured (and the slot confirmed) from there.
  wal::Lsn seen_through = 0;
  auto send_status = [&](bool reply) -> bool {
    const std::string status = wal::encode_standby_status(std::max(*applied, seen_through), micros_since_2000(), reply);
    return PQputCopyData(conn, status.data(), static_cast<int>(status.size())) == 1 && PQflush(conn) == 0;
  };
  std::vector<SourceTransaction> batch;
  std::optional<SourceTransaction> open_tx;
  bool caught_up = options.until_caught_up && marker_at && start >= *marker_at;
  auto last_status = Clock::now();
  auto last_apply = Clock::now();
  auto last_progress = Clock::now();
  auto fill_report = [&] {
    report.applied_lsn = wal::format_lsn(*applied);
    report.transactions = applier.transactions_applied();
    report.rows = applier.rows_applied();
    const wal::Lsn through = std::max(*applied, seen_through);
    // Lag as PostgreSQL sees it: WAL written since the applied position, and the walsender's
    // replay_lag, which PostgreSQL measures from our confirmations (NULL, here 0, once caught up
    // and idle). The stream's own positions would hide a walsender that falls behind.
    report.lag_bytes = server_end > through ? server_end - through : 0;
    report.lag_seconds = 0;
    if (auto lag = catalog->query("SELECT greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), $2::pg_lsn), 0)::bigint, "
                                  "coalesce(extract(epoch FROM r.replay_lag), 0)::float8, pg_current_wal_lsn()::text, "
                                  "pg_snapshot_xmax(pg_current_snapshot())::text FROM pg_replication_slots s "
                                  "LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1",
                                  {options.slot, wal::format_lsn(through)});
        lag && !lag->rows.empty()) {
      report.lag_bytes = std::stoull(lag->rows[0][0].value_or("0"));
      report.lag_seconds = std::stod(lag->rows[0][1].value_or("0"));
      const auto now = wal::parse_lsn(lag->rows[0][2].value_or(""));
      const auto next_xid = lag->rows[0][3].value_or("");
      if (now && !next_xid.empty()) {
        report.lag_transactions = xid_lag.sample(*now, std::stoull(next_xid), through);
        report.xid_baseline = xid_lag.baseline();
      }
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  };
  auto maybe_report = [&] {
    if (!progress || Clock::now() - last_progress < std::chrono::seconds(1)) return;
    fill_report();
    progress(report);
    last_progress = Clock::now();
  };

  auto flush = [&]() -> std::expected<void, std::string> {
    if (batch.empty()) return {};
    auto r = applier.apply(batch);
    if (!r) return std::unexpected(r.error());
    *applied = *r;
    for (const auto& tx : batch)
      if (tx.xid != 0) xid_lag.applied(tx.xid);
    batch.clear();
    last_apply = Clock::now();
    if (!send_status(false)) return std::unexpected(std::string("sending standby status: ") + PQerrorMessage(conn));
    last_status = Clock::now();
    return {};
  };

  while (!caught_up) {
    if (options.stop && options.stop->load()) break;
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn, &buffer, 1);
    if (n == 0) {
      // Nothing buffered: apply what is pending (once `gather` has passed since the last apply),
      // keep the server informed, wait for the socket.
      auto wait = std::chrono::microseconds(200000);
      if (!batch.empty()) {
        const auto since = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_apply);
        if (since >= options.gather) {
          if (auto r = flush(); !r) return std::unexpected(r.error());
        } else {
          wait = std::chrono::duration_cast<std::chrono::microseconds>(options.gather) - since;
        }
      }
      if (Clock::now() - last_status > std::chrono::seconds(1)) {
        if (!send_status(false)) return std::unexpected(std::string("sending standby status: ") + PQerrorMessage(conn));
        last_status = Clock::now();
      }
      const int fd = PQsocket(conn);
      fd_set set;
      FD_ZERO(&set);
      FD_SET(fd, &set);
      timeval tv{0, static_cast<suseconds_t>(wait.count())};
      ::select(fd + 1, &set, nullptr, nullptr, &tv);
      if (PQconsumeInput(conn) == 0)
        return std::unexpected(std::string("replication connection: ") + PQerrorMessage(conn));
      maybe_report();
      continue;
    }
    if (n == -1) return std::unexpected(std::string("the replication stream ended"));
    if (n < -1) return std::unexpected(std::string("replication stream: ") + PQerrorMessage(conn));
    const std::string copy(buffer, static_cast<std::size_t>(n));
    PQfreemem(buffer);
    auto frame = wal::decode_stream_message(copy);
    if (!frame) return std::unexpected("replication stream: " + frame.error());
    if (auto* k = std::get_if<wal::Keepalive>(&*frame)) {
      server_end = std::max(server_end, k->wal_end);
      if (!open_tx && batch.empty()) seen_through = std::max(seen_through, k->wal_end);
      // Everything before the marker's position has been sent, the marker with it.
      if (options.until_caught_up && marker_at && !open_tx && k->wal_end >= *marker_at) caught_up = true;
      if (k->reply_requested && !send_status(false))
        return std::unexpected(std::string("sending standby status: ") + PQerrorMessage(conn));
      continue;
    }
    const auto& x = std::get<wal::XLogData>(*frame);
    server_end = std::max(server_end, x.wal_end);
    auto message = wal::decode_pgoutput(x.data);
    if (!message) return std::unexpected("pgoutput: " + message.error());
    if (auto* rel = std::get_if<wal::Relation>(&*message)) {
      // Rows of the old shape go in before the table changes shape.
      if (auto r = flush(); !r) return std::unexpected(r.error());
      if (auto r = applier.on_relation(*rel); !r) return std::unexpected(r.error());
    } else if (auto* b = std::get_if<wal::Begin>(&*message)) {
      open_tx = SourceTransaction{};
      open_tx->xid = b->xid;
    } else if (auto* c = std::get_if<wal::Commit>(&*message)) {
      if (!open_tx) return std::unexpected(std::string("pgoutput: Commit without Begin"));
      open_tx->end_lsn = c->end_lsn;
      open_tx->commit_time = c->commit_time;
      batch.push_back(std::move(*open_tx));
      open_tx.reset();
      if (options.until_caught_up && marker_at && c->end_lsn >= *marker_at) caught_up = true;
      if (batch.size() >= options.batch_transactions || Clock::now() - last_apply > std::chrono::milliseconds(200)) {
        if (auto r = flush(); !r) return std::unexpected(r.error());
      }
    } else if (auto* ins = std::get_if<wal::Insert>(&*message)) {
      if (open_tx)
        open_tx->changes.push_back(RowChange{RowChange::Kind::insert, ins->relation, std::nullopt, ins->row, {}});
    } else if (auto* up = std::get_if<wal::Update>(&*message)) {
      if (open_tx)
        open_tx->changes.push_back(RowChange{RowChange::Kind::update, up->relation, up->old_key, up->row, {}});
    } else if (auto* del = std::get_if<wal::Delete>(&*message)) {
      if (open_tx) open_tx->changes.push_back(RowChange{RowChange::Kind::remove, del->relation, del->old_key, {}, {}});
    } else if (auto* tr = std::get_if<wal::Truncate>(&*message)) {
      if (open_tx) open_tx->changes.push_back(RowChange{RowChange::Kind::truncate, 0, std::nullopt, {}, tr->relations});
    } else if (auto* m = std::get_if<wal::LogicalMessage>(&*message)) {
      if (!m->transactional && m->prefix == "tandem_catch_up" && m->content == marker) caught_up = true;
    }
    maybe_report();
  }
  if (auto r = flush(); !r) return std::unexpected(r.error());
  (void)send_status(false);
  PQputCopyEnd(conn, nullptr);
  fill_report();
  if (progress) progress(report);
  return report;
}

}  // namespace tandem::migrator

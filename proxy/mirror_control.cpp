// Which mirror runs, and the switch between them (docs/mirror.md, "The switch between wal and
// proxy").
#include "proxy/mirror_control.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "config/log.hpp"
#include "migrator/db/pg_connection.hpp"
#include "proxy/journal_mirror.hpp"
#include "proxy/mirror_service.hpp"
#include "proxy/switch_record.hpp"

namespace tandem::proxy {
namespace {

using Clock = std::chrono::steady_clock;

std::string answer(int status, int& http_status, boost::json::object o) {
  http_status = status;
  return boost::json::serialize(o) + "\n";
}

std::string refusal(int status, int& http_status, std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return answer(status, http_status, std::move(o));
}

}  // namespace

struct MirrorControl::Impl {
  const config::Config& config;
  ProxyState& state;
  MigrationStatus& status;

  std::mutex mutex;  // guards what follows; a switch holds it throughout
  std::string mode;
  bool paused = false;
  // The proxy mirror, running or (on the way to "wal") still applying its journal; the WAL mirror.
  std::shared_ptr<JournalMirror> journal;
  std::unique_ptr<MirrorService> wal;
  // On the way to "wal": waits until the journal is applied, then starts the WAL mirror.
  std::thread handover;
  bool handing_over = false;
  // A switch record is kept in state_dir: the switch is not finished until the mirror that took
  // over no longer needs it, and no other starts meanwhile.
  std::atomic<bool> switch_pending{false};
  std::string pending_to;  // its target (guarded by mutex)
  std::atomic<bool> stopping{false};

  Impl(const config::Config& c, ProxyState& s) : config(c), state(s), status(*s.migration) {}

  std::expected<migrator::PgConnection, std::string> pg() {
    auto c = migrator::PgConnection::connect(config.source.url.to_libpq_conninfo() + " connect_timeout=10");
    if (!c) return std::unexpected(c.error().message);
    return std::move(*c);
  }

  void clear_record() {
    // Not removed: the switch stays pending (no other starts), and a restart finishes it again.
    if (auto r = remove_switch_record(config.state_dir); !r) {
      log::error("mirror.switch_record").kv("error", r.error());
      return;
    }
    if (switch_pending.exchange(false)) log::info("mirror.switch_finished");
  }

  void mark_pending(const std::string& to) {
    switch_pending = true;
    pending_to = to;
  }

  // Writes the record before any session goes on, and marks the switch pending. A record not
  // written whole is removed: none may be left behind to be acted on at a restart.
  std::expected<void, std::string> keep_record(const SwitchRecord& record) {
    if (auto w = write_switch_record(config.state_dir, record); !w) {
      (void)remove_switch_record(config.state_dir);
      return std::unexpected("keeping the switch point: " + w.error());
    }
    mark_pending(record.to);
    return {};
  }

  // A restart that finds a switch record finishes that switch: the journal's records and the
  // slot's changes are applied in the order the switch gave them. Returns where the WAL mirror
  // goes on from after the journal (the switch's position for a switch to "wal").
  std::string resume_switch(const SwitchRecord& record, JournalMirror::StartOptions& options) {
    log::info("mirror.switch_resumed").kv("to", record.to).kv("lsn", record.lsn).kv("mode", config.mirror.mode);
    mark_pending(record.to);
    options.on_drained = [this] { clear_record(); };
    if (record.to == "proxy") {
      // The journal's records after journal_seq came after the marker: the slot first drains up
      // to it (at once when it is already past it), and no DDL record before it moves the slot
      // past it.
      options.drain_marker = record.marker;
      options.drain_marker_lsn = record.lsn;
      options.older_than_marker = record.journal_seq;
      if (config.mirror.mode == "proxy") options.slot_limit = record.lsn;
      return "";
    }
    // To "wal": everything the journal holds came before the switch's position, and what came
    // after it is only in the slot. A DDL record moves the slot no further than that position.
    options.slot_limit = record.lsn;
    if (config.mirror.mode == "wal") options.on_drained = nullptr;  // done once the WAL mirror runs
    return record.lsn;
  }

  void start_wal() {
    wal = std::make_unique<MirrorService>(config, status);
    if (paused) wal->pause();
    wal->start();
  }

  // On its own thread: once `retiring` has applied its journal (and drained the slot up to where
  // it took over, for the journal left at start), the WAL mirror starts; first the slot moves
  // to `slot_limit`, the position of the switch, when there is one: what came before it is in
  // the journal, applied.
  void hand_over(std::shared_ptr<JournalMirror> retiring, std::string slot_limit) {
    while (!stopping && !retiring->drained()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stopping) return;
    retiring->stop();
    // A transaction the journal refused or lost is only in the slot: the WAL mirror starts from
    // where the slot stands, and replays by key what the journal applied after it.
    if (!slot_limit.empty() && retiring->journal_lost()) {
      log::warn("mirror.switch_slot_kept")
          .kv("detail", "the journal refused or lost transactions: the WAL mirror replays from the slot's position");
      slot_limit.clear();
    }
    if (!slot_limit.empty()) {
      for (int attempt = 0; !stopping; ++attempt) {
        auto c = pg();
        std::string error;
        if (c) {
          auto r = c->query(
              "SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots "
              "WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn",
              {config.migration.slot, slot_limit});
          if (r) break;
          error = r.error().message;
        } else {
          error = c.error();
        }
        log::warn("mirror.switch_slot_advance_failed").kv("error", error).kv("lsn", slot_limit);
        std::this_thread::sleep_for(std::chrono::seconds(std::min(attempt + 1, 10)));
      }
    }
    std::lock_guard lock(mutex);
    if (stopping) return;
    start_wal();
    journal.reset();
    handing_over = false;
    if (switch_pending) clear_record();
    log::info("mirror.wal_started").kv("from_lsn", slot_limit);
  }

  void begin_hand_over(std::string slot_limit) {
    if (handover.joinable()) handover.join();
    handing_over = true;
    handover = std::thread([this, j = journal, slot_limit] { hand_over(j, slot_limit); });
  }

  // Every session at a transaction boundary, holding what its client sends, within `limit`.
  bool hold_sessions(Clock::duration limit) {
    state.hold.store(true);
    const auto deadline = Clock::now() + limit;
    while (state.busy_sessions.load() > 0) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return true;
  }

  void release_sessions() {
    state.hold.store(false);
    if (state.release_held) state.release_held();
  }

  std::string switch_to(std::string_view to, double hold_seconds, int& http) {
    if (to != "wal" && to != "proxy") return refusal(400, http, "mode must be \"wal\" or \"proxy\"");
    if (!(hold_seconds > 0 && hold_seconds <= 60)) return refusal(400, http, "hold_seconds must be in (0, 60]");
    std::lock_guard lock(mutex);
    if (to == mode) return refusal(409, http, "the mirror already runs in mode " + mode);
    if (handing_over || switch_pending)
      return refusal(409, http,
                     std::string("the last switch is still finishing: ") +
                         (handing_over ? "the journal is being applied before the WAL mirror starts"
                          : pending_to == "proxy"
                              ? "the replication slot is being applied up to the switch point before the journal"
                              : "the journal is being applied, then the replication slot from the switch point"));
    const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(hold_seconds));
    log::info("mirror.switch_started").kv("from", mode).kv("to", to).kv("hold_seconds", hold_seconds);
    auto c = pg();
    if (!c) return refusal(503, http, "cannot reach the source PostgreSQL: " + c.error());
    // Sessions are held while it answers: a stalled server must not hold them for long.
    if (auto t = c->query("SET statement_timeout = '5s'"); !t)
      return refusal(503, http, "the source PostgreSQL: " + t.error().message);
    // To "proxy": the journal is opened and the WAL mirror stops first, so that the hold waits
    // for neither; PostgreSQL keeps the changes in the slot meanwhile.
    std::shared_ptr<JournalMirror> next;
    if (to == "proxy") {
      next = std::make_shared<JournalMirror>(config, status);
      try {
        next->open();
      } catch (const std::exception& e) {
        return refusal(503, http, std::string(e.what()) + "; the mirror stays in mode " + mode);
      }
      wal.reset();
    }
    const auto held_at = Clock::now();
    auto give_up = [&](int code, const std::string& why) {
      release_sessions();
      if (to == "proxy") start_wal();
      status.note_switch(std::string(to), false, why, std::chrono::duration<double>(Clock::now() - held_at).count());
      log::warn("mirror.switch_failed").kv("to", to).kv("error", why);
      return refusal(code, http, why + "; the mirror stays in mode " + mode);
    };
    if (!hold_sessions(limit)) {
      const auto busy = state.busy_sessions.load();
      return give_up(409, std::to_string(busy) + " session(s) did not reach a transaction boundary within " +
                              std::to_string(hold_seconds) + " s");
    }
    // Nothing is in flight through the proxy now: this position is the switch.
    std::string lsn;
    double held = 0;
    auto release = [&] {
      release_sessions();
      held = std::chrono::duration<double>(Clock::now() - held_at).count();
    };
    if (to == "proxy") {
      // A message in the WAL marks it: the slot is drained up to it, then the journal follows.
      std::mt19937_64 rng(std::random_device{}());
      const std::string marker = std::to_string(rng());
      auto r = c->query("SELECT pg_logical_emit_message(false, 'tandem_catch_up', $1)::text", {marker});
      if (!r || r->rows.empty() || !r->rows[0][0])
        return give_up(503, "marking the switch in the WAL: " + (r ? std::string("no answer") : r.error().message));
      lsn = *r->rows[0][0];
      // Kept before any session writes on: a restart before the slot has been drained up to the
      // marker must still apply the slot's older changes before the journal's.
      if (auto k = keep_record({"proxy", lsn, marker, next->opened_seq()}); !k) return give_up(503, k.error());
      journal = next;
      state.set_mirror_sink(next);
      mode = "proxy";
      release();
      if (paused) journal->pause();
      JournalMirror::StartOptions options;
      options.drain_marker = marker;
      options.drain_marker_lsn = lsn;
      options.on_drained = [this] { clear_record(); };
      journal->start(std::move(options));
    } else {
      // The insert position: every commit the sessions saw is before it, also one not yet
      // written out (synchronous_commit = off).
      auto r = c->query("SELECT pg_current_wal_insert_lsn()::text");
      if (!r || r->rows.empty() || !r->rows[0][0])
        return give_up(503, "reading PostgreSQL's position: " + (r ? std::string("no answer") : r.error().message));
      lsn = *r->rows[0][0];
      // Kept before any session writes on: a restart before the WAL mirror runs must still never
      // move the slot past it while applying the journal.
      if (auto k = keep_record({"wal", lsn, "", 0}); !k) return give_up(503, k.error());
      journal->retire(lsn);
      state.set_mirror_sink(nullptr);
      mode = "wal";
      release();
      begin_hand_over(lsn);
    }
    status.note_switch(mode, true, "at " + lsn, held);
    log::info("mirror.switched")
        .kv("mode", mode)
        .kv("lsn", lsn)
        .kv("held_seconds", held)
        .kv("detail", config.mirror.mode == mode ? "" : "a restart starts in mirror.mode " + config.mirror.mode);
    boost::json::object o;
    o["mode"] = mode;
    o["lsn"] = lsn;
    o["held_seconds"] = held;
    if (config.mirror.mode != mode)
      o["note"] = "a restart starts in the config's mirror.mode (\"" + config.mirror.mode + "\"): change it too";
    return answer(200, http, std::move(o));
  }
};

MirrorControl::MirrorControl(const config::Config& config, ProxyState& state)
    : impl_(std::make_unique<Impl>(config, state)) {}

MirrorControl::~MirrorControl() {
  auto& d = *impl_;
  d.stopping = true;
  if (d.handover.joinable()) d.handover.join();
  std::lock_guard lock(d.mutex);
  d.state.set_mirror_sink(nullptr);
  d.wal.reset();
  d.journal.reset();
}

void MirrorControl::start() {
  auto& d = *impl_;
  std::lock_guard lock(d.mutex);
  d.mode = d.config.mirror.mode;
  auto record = read_switch_record(d.config.state_dir);
  if (!record) throw std::runtime_error("mirror: " + record.error());
  const bool has_journal = std::filesystem::exists(d.config.state_dir / "journal");
  if (*record && !has_journal) {
    log::warn("mirror.switch_record_without_journal")
        .kv("detail", "the journal is gone: the slot is followed from where it stands");
    d.clear_record();
    record->reset();
  }
  if (d.mode == "proxy") {
    d.journal = std::make_shared<JournalMirror>(d.config, d.status);
    JournalMirror::StartOptions options;
    if (*record) d.resume_switch(**record, options);
    d.journal->start(std::move(options));
    // Clients wait in the listen queue until what the replication slot holds is applied: the
    // journal then continues exactly where the slot ends.
    if (!d.journal->wait_caught_up(std::chrono::seconds(120)))
      log::warn("mirror.catch_up_slow")
          .kv("detail", "the replication slot is not drained after 120 s; serving clients, the slot drains first");
    d.state.set_mirror_sink(d.journal);
    return;
  }
  // A journal the proxy mirror left (MySQL was away when it stopped) is applied before the slot
  // is followed: the slot may have been advanced past what it holds.
  if (has_journal) {
    d.journal = std::make_shared<JournalMirror>(d.config, d.status);
    JournalMirror::StartOptions options;
    options.keep_slot = false;
    // Clients are served meanwhile, and their changes are only in the slot: a DDL record in the
    // journal may move the slot up to where PostgreSQL is now, before any of them, not further.
    // Without PostgreSQL's position, the slot is not moved at all.
    options.slot_limit = "0/0";
    if (auto c = d.pg()) {
      if (auto r = c->query("SELECT pg_current_wal_insert_lsn()::text"); r && !r->rows.empty() && r->rows[0][0])
        options.slot_limit = *r->rows[0][0];
    }
    std::string hand_over_at;
    if (*record) hand_over_at = d.resume_switch(**record, options);
    d.journal->start(std::move(options));
    d.begin_hand_over(hand_over_at);
    return;
  }
  d.start_wal();
}

bool MirrorControl::pause() {
  auto& d = *impl_;
  std::lock_guard lock(d.mutex);
  if (d.paused) return false;
  d.paused = true;
  if (d.wal) d.wal->pause();
  if (d.journal) d.journal->pause();
  return true;
}

bool MirrorControl::resume() {
  auto& d = *impl_;
  std::lock_guard lock(d.mutex);
  if (!d.paused) return false;
  d.paused = false;
  if (d.wal) d.wal->resume();
  if (d.journal) d.journal->resume();
  return true;
}

std::string MirrorControl::switch_to(std::string_view mode, double hold_seconds, int& http_status) {
  return impl_->switch_to(mode, hold_seconds, http_status);
}

}  // namespace tandem::proxy

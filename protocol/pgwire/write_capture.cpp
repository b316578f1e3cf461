// The capture state machine: a queue of expected answers, savepoints, and commit points.
#include "protocol/pgwire/write_capture.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/sql/translator.hpp"

namespace tandem::pgwire {
namespace {

// Words of a statement: unquoted ones lower-cased, "quoted" ones as written.
std::vector<std::string> words(std::string_view sql) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ';') {
      ++i;
    } else if (c == '"') {
      std::string w;
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '"' && i + 1 < sql.size() && sql[i + 1] == '"') {
          w += '"';
          ++i;
        } else if (sql[i] == '"') {
          ++i;
          break;
        } else {
          w += sql[i];
        }
      }
      out.push_back(std::move(w));
    } else {
      std::string w;
      while (i < sql.size() && !std::isspace(static_cast<unsigned char>(sql[i])) && sql[i] != ';' && sql[i] != '"')
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i++])));
      out.push_back(std::move(w));
    }
  }
  return out;
}

std::string first_word(std::string_view tag) { return std::string(tag.substr(0, tag.find(' '))); }

bool is_write_tag(const std::string& w) {
  return w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE" || w == "CREATE" || w == "ALTER" ||
         w == "DROP" || w == "TRUNCATE";
}

}  // namespace

void WriteCapture::on_query(std::string_view sql) {
  auto parts = sql::split_statements(sql);
  if (parts && !parts->empty()) {
    for (auto& p : *parts) pending_.push_back({false, {std::move(p), {}, {}, {}, {}}});
  } else if (!parts) {
    pending_.push_back({false, {std::string(sql), {}, {}, {}, {}}});  // the server will refuse it
  }
  boundary_sent();
}

void WriteCapture::on_query_statements(std::vector<CapturedStatement> statements) {
  for (auto& s : statements) pending_.push_back({false, std::move(s)});
  boundary_sent();
}

void WriteCapture::boundary_sent() {
  pending_.push_back({true, {}});
  ++groups_sent_;
}

void WriteCapture::remember(bool portal, const std::string& name) {
  Undo u;
  u.group = groups_sent_;
  u.portal = portal;
  u.name = name;
  // The caller replaces or erases the entry next: what it held moves here.
  if (portal) {
    if (auto it = portals_.find(name); it != portals_.end()) u.previous_portal = std::move(it->second);
  } else if (auto it = statements_.find(name); it != statements_.end()) {
    u.statement = std::move(it->second);
  }
  undo_.push_back(std::move(u));
}

bool WriteCapture::on_parse_bind_or_close_complete() {
  if (undo_.empty()) return false;
  const bool injected = undo_.front().injected;
  undo_.pop_front();
  return injected;
}

void WriteCapture::on_parse(const Parse& m, char image_op, bool client_returning, std::string sent,
                            std::uint64_t epoch) {
  remember(false, m.name);
  Statement& s = statements_[m.name] = {m.query, m.parameter_types, image_op, client_returning};
  s.sent = std::move(sent);
  s.epoch = epoch;
}

void WriteCapture::adopt(const Parse& m, char image_op, bool client_returning, std::string sent) {
  Statement& s = statements_[m.name] = {m.query, m.parameter_types, image_op, client_returning};
  s.sent = std::move(sent);
  s.stale = image_op != 0;  // PostgreSQL holds the client's own text: prepared again, rewritten
}

std::vector<Parse> WriteCapture::unrewritten() const {
  std::vector<Parse> out;
  for (const auto& [name, s] : statements_)
    if (!s.image_op && !s.sql.empty()) out.push_back(Parse{name, s.sql, s.types});
  return out;
}

std::optional<std::pair<Close, Parse>> WriteCapture::reprepare(const std::string& name, std::uint64_t epoch) {
  auto it = statements_.find(name);
  // The unnamed statement is prepared again by nearly every client before each use anyway; not
  // one found stale.
  if (it == statements_.end() || (name.empty() && !it->second.stale) || !it->second.image_op ||
      it->second.sent.empty() || (it->second.epoch >= epoch && !it->second.stale))
    return std::nullopt;
  // The Close, then the Parse; the statement stays, so what they would undo to is a copy.
  Undo u{groups_sent_, false, true, name, it->second, {}};
  undo_.push_back(u);
  undo_.push_back(std::move(u));
  Statement& s = it->second;
  s.epoch = epoch;
  s.stale = false;
  s.image_marker = -1;  // the result's shape is learnt again
  s.result_columns = 0;
  return std::pair{Close{'S', name}, Parse{name, s.sent, s.types}};
}

void WriteCapture::on_bind(const Bind& m) {
  remember(true, m.portal);
  Portal p;
  if (auto it = statements_.find(m.statement); it != statements_.end()) p.statement = it->second;
  p.statement_name = m.statement;
  p.formats = m.parameter_formats;
  p.parameters = m.parameters;
  // One code for all columns: the image would come in binary too. Per-column codes were given
  // text for the image by the filter (result_formats_for).
  p.binary_results = m.result_formats.size() == 1 && m.result_formats[0] == 1;
  portals_[m.portal] = std::move(p);
}

void WriteCapture::on_describe(const Describe& m, bool injected) {
  Pending d;
  d.describe = true;
  d.injected = injected;
  if (m.kind == 'S') {
    if (auto it = statements_.find(m.name); it != statements_.end()) d.statement.image_op = it->second.image_op;
    d.statement_name = m.name;
  } else if (auto it = portals_.find(m.name); it != portals_.end()) {
    d.statement.image_op = it->second.statement.image_op;
    d.statement_name = it->second.statement_name;
  }
  pending_.push_back(std::move(d));
}

void WriteCapture::on_execute(const Execute& m) {
  CapturedStatement s;
  if (auto it = portals_.find(m.portal); it != portals_.end()) {
    const Portal& p = it->second;
    s.sql = p.statement.sql;
    s.parameter_types = p.statement.types;
    s.parameter_formats = p.formats;
    s.parameters = p.parameters;
    s.image_op = p.statement.image_op;
    if (s.image_op && p.binary_results)
      s.unsupported = "a write whose results the client asked for in binary format: " + s.sql.substr(0, 200);
    else if (s.image_op && p.statement.client_returning && m.max_rows > 0)
      s.unsupported = "a write with RETURNING fetched in parts (Execute with a row limit): " + s.sql.substr(0, 200);
  }
  pending_.push_back({false, std::move(s)});
}

std::pair<char, bool> WriteCapture::portal_image(std::string_view portal) const {
  auto it = portals_.find(portal);
  if (it == portals_.end()) return {0, false};
  return {it->second.statement.image_op, it->second.statement.client_returning};
}

WriteCapture::Answer WriteCapture::on_row_description_or_no_data() {
  if (pending_.empty() || pending_.front().boundary) return {};
  auto& front = pending_.front();
  if (front.describe) {
    Answer a{true, front.injected, front.statement.image_op, nullptr, std::move(front.statement_name)};
    pending_.pop_front();
    return a;
  }
  return {false, false, front.statement.image_op, &front.statement, {}};
}

void WriteCapture::note_result_shape(const std::string& statement, int marker, std::size_t columns) {
  if (auto it = statements_.find(statement); it != statements_.end() && it->second.image_op) {
    it->second.image_marker = marker;
    it->second.result_columns = columns;
  }
}

std::optional<std::vector<std::int16_t>> WriteCapture::result_formats_for(
    const std::string& statement, const std::vector<std::int16_t>& client) const {
  auto it = statements_.find(statement);
  if (it == statements_.end() || !it->second.image_op) return std::nullopt;
  // The client expects no rows: every column may come as text.
  if (!it->second.client_returning) return client.empty() ? std::nullopt : std::optional(std::vector<std::int16_t>{});
  if (it->second.image_marker < 0) return std::nullopt;
  const auto marker = static_cast<std::size_t>(it->second.image_marker);
  const std::size_t total = it->second.result_columns;
  if (client.size() == 1 && client[0] == 1) {
    std::vector<std::int16_t> out(total, 0);
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(marker), std::int16_t{1});
    return out;
  }
  if (client.size() > 1 && client.size() == marker) {
    std::vector<std::int16_t> out = client;
    out.resize(total, 0);
    return out;
  }
  return std::nullopt;
}

CapturedStatement* WriteCapture::executing() {
  if (pending_.empty() || pending_.front().boundary || pending_.front().describe) return nullptr;
  return &pending_.front().statement;
}

void WriteCapture::drop_describes() {
  while (!pending_.empty() && pending_.front().describe) pending_.pop_front();
}

void WriteCapture::on_close(const Close& m) {
  remember(m.kind != 'S', m.name);
  if (m.kind == 'S')
    statements_.erase(m.name);
  else
    portals_.erase(m.name);
}

void WriteCapture::on_sync() {
  if (copy_in_) return;  // ignored by PostgreSQL
  boundary_sent();
  pending_.back().sync = true;
}

void WriteCapture::on_copy_in_response() {
  copy_in_ = true;
  if (pending_.empty() || pending_.front().boundary) return;
  // The Syncs right after the COPY's Execute reached PostgreSQL in copy-in mode.
  auto it = std::next(pending_.begin());
  while (it != pending_.end() && it->boundary && it->sync) {
    it = pending_.erase(it);
    --groups_sent_;
  }
}

bool WriteCapture::charge(CapturedStatement& s, std::size_t n) {
  if (s.over_budget) return false;
  if (s.charge.add(budget_, n)) return true;
  s.over_budget = true;
  s.image_rows.clear();
  s.image_rows.shrink_to_fit();
  s.copy_data.clear();
  s.copy_data.shrink_to_fit();
  s.parameters.clear();
  s.parameters.shrink_to_fit();
  s.charge.release();
  s.unsupported = "the proxy mirror's capture memory is full (mirror.capture_memory_mib = " +
                  std::to_string(budget_->limit() >> 20) +
                  ", held by the writes of all sessions not yet journaled): " + s.sql.substr(0, 200);
  return false;
}

void WriteCapture::on_copy_data(std::string_view data) {
  constexpr std::size_t kMaxCopyBytes = 64u << 20;  // per statement, as for row images
  CapturedStatement* s = executing();
  if (!s || !s->copy_in || s->copy_unmirrored || !s->unsupported.empty()) return;
  if (s->copy_data.size() + data.size() > kMaxCopyBytes) {
    // The data stays on PostgreSQL; the proxy does not hold it all in memory.
    s->copy_data.clear();
    s->copy_data.shrink_to_fit();
    s->charge.release();
    s->unsupported = "a COPY FROM STDIN of more than " + std::to_string(kMaxCopyBytes >> 20) +
                     " MiB in one statement: " + s->sql.substr(0, 200);
    return;
  }
  if (!charge(*s, data.size())) return;
  s->copy_data.append(data);
}

void WriteCapture::on_command_complete(std::string_view tag) {
  drop_describes();
  if (pending_.empty() || pending_.front().boundary) return;  // nothing expected: ignore
  CapturedStatement s = std::move(pending_.front().statement);
  pending_.pop_front();
  s.tag = std::string(tag);
  completed(s);
}

void WriteCapture::on_empty_query() {
  drop_describes();
  if (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
}

void WriteCapture::on_portal_suspended() {
  // The portal's statement finishes with a later Execute, whose CommandComplete records it once.
  drop_describes();
  // A write ran whole at the first Execute; rows returned so far are in this item, which goes.
  if (!pending_.empty() && !pending_.front().boundary && pending_.front().statement.image_op && !current_.unsupported)
    current_.unsupported = "a write whose rows were fetched in parts: " + pending_.front().statement.sql.substr(0, 200);
  if (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
}

void WriteCapture::on_error(std::string_view sqlstate) {
  // The server skips the rest of a simple Query, or every message up to the next Sync: a Parse,
  // Bind or Close not yet answered in this group never took effect, newest undone first.
  while (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
  std::size_t n = 0;
  while (n < undo_.size() && undo_[n].group == groups_answered_) ++n;
  // The oldest of them is the one refused. A rewritten statement whose Bind PostgreSQL refuses
  // as unsupported was most likely changed under it by DDL the proxy did not see (its image
  // columns are its table's): it is prepared again before its next Bind. Should the cause be
  // another, preparing the same text again changes nothing.
  if (sqlstate == "0A000" && n > 0 && undo_[0].portal && !undo_[0].injected) {
    if (auto p = portals_.find(undo_[0].name); p != portals_.end()) {
      if (auto st = statements_.find(p->second.statement_name); st != statements_.end() && st->second.image_op)
        st->second.stale = true;
    }
  }
  for (std::size_t i = n; i-- > 0;) {
    auto& u = undo_[i];
    if (u.portal) {
      if (u.previous_portal)
        portals_[u.name] = std::move(*u.previous_portal);
      else
        portals_.erase(u.name);
    } else if (u.statement) {
      statements_[u.name] = std::move(*u.statement);
    } else {
      statements_.erase(u.name);
    }
  }
  undo_.erase(undo_.begin(), undo_.begin() + static_cast<std::ptrdiff_t>(n));
  if (!in_block_) abort_transaction();  // an implicit transaction rolls back whole
}

void WriteCapture::on_ready_for_query(char status) {
  // Whatever of this group is still unanswered was answered without a message: it stands.
  while (!undo_.empty() && undo_.front().group <= groups_answered_) undo_.pop_front();
  ++groups_answered_;
  while (!pending_.empty()) {
    const bool boundary = pending_.front().boundary;
    pending_.pop_front();
    if (boundary) break;
  }
  if (status == 'I') {
    // An implicit transaction ends committed here. An explicit one committed at its COMMIT tag;
    // idle without one means it failed (a deferred constraint or serialization failure at COMMIT).
    if (!aborted_ && !in_block_) commit();
    aborted_ = false;
    in_block_ = false;
    current_ = {};
    savepoints_.clear();
  } else {
    in_block_ = true;
  }
}

std::vector<CapturedTransaction> WriteCapture::take_committed() {
  std::vector<CapturedTransaction> out;
  out.swap(committed_);
  return out;
}

void WriteCapture::completed(CapturedStatement& s) {
  const std::string w = first_word(s.tag);
  if (w == "SELECT") return;  // the most common answer, and never a write
  // The statement's words, for the few tags that need them.
  const auto sw =
      w == "ROLLBACK" || w == "SAVEPOINT" || w == "RELEASE" || w == "COPY" ? words(s.sql) : std::vector<std::string>{};
  if (w == "BEGIN" || w == "START") {
    in_block_ = true;
  } else if (s.tag == "COMMIT") {
    commit();
    in_block_ = false;
  } else if (w == "ROLLBACK") {
    // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name undoes back to the savepoint; any other
    // ROLLBACK (or a COMMIT of a failed transaction, which answers ROLLBACK) ends it.
    auto to = std::find(sw.begin(), sw.end(), "to");
    if (!sw.empty() && sw.front() == "rollback" && to != sw.end()) {
      auto name = to + 1;
      if (name != sw.end() && *name == "savepoint") ++name;
      if (name != sw.end()) {
        for (std::size_t i = savepoints_.size(); i-- > 0;) {
          if (savepoints_[i].first == *name) {
            current_.statements.resize(std::min(current_.statements.size(), savepoints_[i].second));
            savepoints_.resize(i + 1);
            break;
          }
        }
      }
    } else {
      current_ = {};
      savepoints_.clear();
      in_block_ = false;
    }
  } else if (w == "SAVEPOINT") {
    if (sw.size() >= 2) savepoints_.emplace_back(sw[1], current_.statements.size());
  } else if (w == "RELEASE") {
    std::string name = sw.size() >= 2 ? sw[1] : "";
    if (name == "savepoint" && sw.size() >= 3) name = sw[2];
    for (std::size_t i = savepoints_.size(); i-- > 0;) {
      if (savepoints_[i].first == name) {
        savepoints_.resize(i);
        break;
      }
    }
  } else if (w == "PREPARE" && s.tag == "PREPARE TRANSACTION") {
    current_.unsupported = "PREPARE TRANSACTION: a prepared transaction commits outside this session";
    commit();
    in_block_ = false;
  } else if (w == "COPY") {
    // COPY FROM STDIN is journaled with its data; COPY TO writes nothing; COPY FROM a file on
    // the server sends the proxy no data to mirror.
    auto has = [&](const char* word) { return std::find(sw.begin(), sw.end(), word) != sw.end(); };
    if (s.copy_in) {
      if (s.copy_unmirrored) return;
      if (s.unsupported.empty()) charge(s, s.sql.size());
      if (!s.unsupported.empty() && !current_.unsupported) current_.unsupported = s.unsupported;
      // One that cannot be mirrored goes too (without data), so that its table is named.
      current_.statements.push_back(std::move(s));
    } else if (has("from") && !has("to") && !current_.unsupported) {
      current_.unsupported = "COPY FROM a file or program on the server: " + s.sql.substr(0, 200);
    }
  } else if (is_write_tag(w)) {
    if (s.sql.empty() && s.unsupported.empty())
      s.unsupported = "a " + w +
                      " from a statement prepared where the proxy could not see it (SQL PREPARE, or before the "
                      "switch to the proxy mirror with a text over 4 KiB)";
    // Held until the transaction is journaled: its text and parameters count too.
    std::size_t bytes = s.sql.size();
    for (const auto& p : s.parameters) bytes += p ? p->size() + 4 : 4;
    if (s.unsupported.empty()) charge(s, bytes);
    if (!s.unsupported.empty() && !current_.unsupported) current_.unsupported = s.unsupported;
    current_.statements.push_back(std::move(s));
  }
}

void WriteCapture::abort_transaction() {
  current_ = {};
  savepoints_.clear();
  aborted_ = true;
}

void WriteCapture::commit() {
  if (!current_.statements.empty() || current_.unsupported) committed_.push_back(std::move(current_));
  current_ = {};
  savepoints_.clear();
}

}  // namespace tandem::pgwire

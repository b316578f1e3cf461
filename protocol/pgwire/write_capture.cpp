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
  pending_.push_back({true, {}});
}

void WriteCapture::on_parse(const Parse& m) { statements_[m.name] = {m.query, m.parameter_types}; }

void WriteCapture::on_bind(const Bind& m) {
  Portal p;
  if (auto it = statements_.find(m.statement); it != statements_.end()) {
    p.sql = it->second.sql;
    p.types = it->second.types;
  }
  p.formats = m.parameter_formats;
  p.parameters = m.parameters;
  portals_[m.portal] = std::move(p);
}

void WriteCapture::on_execute(const Execute& m) {
  CapturedStatement s;
  if (auto it = portals_.find(m.portal); it != portals_.end()) {
    s.sql = it->second.sql;
    s.parameter_types = it->second.types;
    s.parameter_formats = it->second.formats;
    s.parameters = it->second.parameters;
  }
  pending_.push_back({false, std::move(s)});
}

void WriteCapture::on_close(const Close& m) {
  if (m.kind == 'S')
    statements_.erase(m.name);
  else
    portals_.erase(m.name);
}

void WriteCapture::on_sync() { pending_.push_back({true, {}}); }

void WriteCapture::on_command_complete(std::string_view tag) {
  if (pending_.empty() || pending_.front().boundary) return;  // nothing expected: ignore
  CapturedStatement s = std::move(pending_.front().statement);
  pending_.pop_front();
  s.tag = std::string(tag);
  completed(s);
}

void WriteCapture::on_empty_query() {
  if (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
}

void WriteCapture::on_portal_suspended() {
  // The portal's statement finishes with a later Execute, whose CommandComplete records it once.
  if (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
}

void WriteCapture::on_error() {
  // The server skips the rest of a simple Query, or every message up to the next Sync.
  while (!pending_.empty() && !pending_.front().boundary) pending_.pop_front();
  if (!in_block_) abort_transaction();  // an implicit transaction rolls back whole
}

void WriteCapture::on_ready_for_query(char status) {
  while (!pending_.empty()) {
    const bool boundary = pending_.front().boundary;
    pending_.pop_front();
    if (boundary) break;
  }
  if (status == 'I') {
    if (!aborted_) commit();  // an implicit transaction ends committed
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

void WriteCapture::completed(const CapturedStatement& s) {
  const std::string w = first_word(s.tag);
  const auto sw = words(s.sql);
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
    auto has = [&](const char* word) { return std::find(sw.begin(), sw.end(), word) != sw.end(); };
    if (has("stdin") || (has("from") && !has("to")))
      current_.unsupported = "COPY FROM STDIN is not captured yet: " + s.sql.substr(0, 200);
  } else if (is_write_tag(w)) {
    current_.statements.push_back(s);
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

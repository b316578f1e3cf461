// The translator's public entry: parsing, the cache, and error reporting.
#include "protocol/sql/translator.hpp"

#include <pg_query.h>

#include <algorithm>
#include <optional>

#include "protocol/sql/emitter.hpp"

namespace tandem::sql {

std::string_view to_string(StatementClass c) {
  switch (c) {
    case StatementClass::read:
      return "read";
    case StatementClass::write:
      return "write";
    case StatementClass::ddl:
      return "ddl";
    case StatementClass::transaction:
      return "transaction";
    case StatementClass::session:
      return "session";
  }
  return "unknown";
}

std::string describe(const TranslationError& e) {
  if (e.position <= 0) return e.message;
  return e.message + " (at position " + std::to_string(e.position) + ")";
}

Translator::Translator(TranslatorOptions options) : options_(options) {}
Translator::~Translator() = default;

void Translator::set_catalog(Catalog catalog) {
  std::lock_guard lock(mutex_);
  catalog_ = std::move(catalog);
  index_.clear();
  lru_.clear();
}

Catalog Translator::catalog() const {
  std::lock_guard lock(mutex_);
  return catalog_;
}

std::size_t Translator::cache_size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

TranslationResult Translator::translate(std::string_view sql) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(sql); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  auto result = translate_locked(sql);
  if (!result) return result;
  const StatementClass c = (*result)->statement_class;
  if (c == StatementClass::ddl) {
    // The catalog changed: cached translations may have typed expressions differently.
    index_.clear();
    lru_.clear();
    return result;
  }
  if (options_.cache_entries == 0) return result;
  lru_.emplace_front(std::string(sql), *result);
  index_.emplace(lru_.front().first, lru_.begin());
  while (lru_.size() > options_.cache_entries) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return result;
}

TranslationResult Translator::translate_uncached(std::string_view sql) {
  std::lock_guard lock(mutex_);
  return translate_locked(sql);
}

TranslationResult Translator::translate_locked(std::string_view sql) {
  const std::string text(sql);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (parsed.error) {
    TranslationError e{std::string("syntax error: ") + parsed.error->message, parsed.error->cursorpos};
    pg_query_free_parse_result(parsed);
    return std::unexpected(std::move(e));
  }
  boost::system::error_code ec;
  boost::json::value tree = boost::json::parse(parsed.parse_tree, ec);
  pg_query_free_parse_result(parsed);
  if (ec) return std::unexpected(TranslationError{"internal error: unreadable parse tree", 0});
  const auto* stmts = tree.as_object().if_contains("stmts");
  if (!stmts || !stmts->is_array() || stmts->as_array().empty()) {
    Translation empty;
    empty.statement_class = StatementClass::session;
    empty.emulation = "empty statement";
    return std::make_shared<const Translation>(std::move(empty));
  }
  if (stmts->as_array().size() > 1)
    return std::unexpected(TranslationError{"several statements in one: translate them one at a time", 0});
  const auto& raw = stmts->as_array()[0].as_object();
  // DDL works on a copy of the catalog: a refused statement must not change it.
  const auto& stmt = raw.at("stmt");
  static const std::string_view kDdl[] = {"CreateStmt", "IndexStmt",      "AlterTableStmt", "RenameStmt",
                                          "DropStmt",   "CreateEnumStmt", "CreateSeqStmt",  "CreateSchemaStmt"};
  const bool ddl = stmt.is_object() && !stmt.as_object().empty() &&
                   std::find(std::begin(kDdl), std::end(kDdl), stmt.as_object().begin()->key()) != std::end(kDdl);
  std::optional<Catalog> working;
  if (ddl) working = catalog_;
  detail::TranslatorSettings settings{options_.dialect};
  detail::Emitter emitter(settings, ddl ? *working : catalog_);
  try {
    Translation t = emitter.translate(stmt, text);
    if (ddl) catalog_ = std::move(*working);
    return std::make_shared<const Translation>(std::move(t));
  } catch (const detail::Refusal& r) {
    return std::unexpected(TranslationError{r.message, r.location >= 0 ? r.location + 1 : 0});
  } catch (const std::exception& e) {
    // A parse-tree shape the emitter did not expect: refuse rather than guess.
    return std::unexpected(TranslationError{std::string("unsupported statement shape (") + e.what() + ")", 0});
  }
}

namespace {

// Statement ranges as libpg_query's parser or scanner splits the text, without surrounding blanks;
// empty statements dropped.
std::expected<std::vector<StatementRange>, TranslationError> split_ranges(const std::string& text, bool parser) {
  PgQuerySplitResult split =
      parser ? pg_query_split_with_parser(text.c_str()) : pg_query_split_with_scanner(text.c_str());
  if (split.error) {
    TranslationError e{std::string("cannot split statements: ") + split.error->message, split.error->cursorpos};
    pg_query_free_split_result(split);
    return std::unexpected(std::move(e));
  }
  std::vector<StatementRange> out;
  for (int i = 0; i < split.n_stmts; ++i) {
    const auto* s = split.stmts[i];
    std::size_t begin = static_cast<std::size_t>(s->stmt_location);
    // A length of 0 means "to the end of the text".
    std::size_t end = s->stmt_len == 0 ? text.size() : begin + static_cast<std::size_t>(s->stmt_len);
    end = std::min(end, text.size());
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
    while (begin < end && blank(text[begin])) ++begin;
    while (end > begin && blank(text[end - 1])) --end;
    if (end > begin) out.push_back({begin, end - begin});
  }
  pg_query_free_split_result(split);
  return out;
}

}  // namespace

std::expected<std::vector<StatementRange>, TranslationError> statement_ranges(std::string_view sql) {
  return split_ranges(std::string(sql), true);
}

std::expected<std::vector<std::string>, TranslationError> split_statements(std::string_view sql) {
  const std::string text(sql);
  auto ranges = split_ranges(text, false);
  if (!ranges) return std::unexpected(std::move(ranges.error()));
  std::vector<std::string> out;
  for (const auto& r : *ranges) out.push_back(text.substr(r.offset, r.length));
  return out;
}

}  // namespace tandem::sql

// Translates PostgreSQL statements to MySQL text: parse with libpg_query, walk the tree, emit.
// Thread-safe; results are cached by statement text.
#pragma once

#include <cstddef>
#include <expected>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/sql/catalog.hpp"
#include "protocol/sql/translation.hpp"

namespace tandem::sql {

struct TranslatorOptions {
  Dialect dialect = Dialect::mariadb;
  std::size_t cache_entries = 4096;
};

using TranslationResult = std::expected<std::shared_ptr<const Translation>, TranslationError>;

class Translator {
 public:
  explicit Translator(TranslatorOptions options = {});
  ~Translator();
  Translator(const Translator&) = delete;
  Translator& operator=(const Translator&) = delete;

  // One PostgreSQL statement (a trailing semicolon is fine). DDL updates the catalog the
  // translator types expressions with, and empties the cache.
  TranslationResult translate(std::string_view postgres_sql);
  // The same without the cache: for measuring, and for statements used once.
  TranslationResult translate_uncached(std::string_view postgres_sql);

  // Replace what the translator knows of tables (e.g. loaded from the source's catalog).
  void set_catalog(Catalog catalog);
  Catalog catalog() const;

  std::size_t cache_size() const;
  const TranslatorOptions& options() const { return options_; }

 private:
  TranslationResult translate_locked(std::string_view postgres_sql);

  TranslatorOptions options_;
  mutable std::mutex mutex_;
  Catalog catalog_;
  // LRU: most recently used at the front.
  std::list<std::pair<std::string, std::shared_ptr<const Translation>>> lru_;
  std::unordered_map<std::string_view, decltype(lru_)::iterator> index_;
};

// Splits SQL text into statements with PostgreSQL's own scanner, so semicolons inside strings,
// quoted identifiers, comments and dollar quotes do not split. Empty statements are dropped.
std::expected<std::vector<std::string>, TranslationError> split_statements(std::string_view sql);

// Where each statement of `sql` is, as PostgreSQL's parser splits it (BEGIN ATOMIC bodies stay
// whole): byte offset and length, without surrounding blanks or the separating semicolon. An
// error when the text does not parse, which makes PostgreSQL refuse the whole query.
struct StatementRange {
  std::size_t offset = 0, length = 0;
};
std::expected<std::vector<StatementRange>, TranslationError> statement_ranges(std::string_view sql);

}  // namespace tandem::sql

// A small SQL lexer (words, punctuation; strings, quoted names and comments skipped) and the
// keyword rules that classify a statement.
#include "protocol/pgwire/statement_class.hpp"

#include <array>
#include <cctype>

namespace tandem::pgwire {
namespace {

enum class TokenKind { word, semicolon, open_paren, close_paren, other, end };

struct Token {
  TokenKind kind;
  std::string_view text;
};

bool word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool word_char(char c) { return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::size_t position() const { return i_; }

  Token next() {
    skip_space_and_comments();
    if (i_ >= s_.size()) return {TokenKind::end, {}};
    const char c = s_[i_];
    if (c == ';') return {TokenKind::semicolon, s_.substr(i_++, 1)};
    if (c == '(') return {TokenKind::open_paren, s_.substr(i_++, 1)};
    if (c == ')') return {TokenKind::close_paren, s_.substr(i_++, 1)};
    if (c == '\'') {
      skip_quoted('\'', false);
      return {TokenKind::other, {}};
    }
    if (c == '"') {
      skip_quoted('"', false);
      return {TokenKind::other, {}};
    }
    if (c == '$') {
      if (skip_dollar_quote()) return {TokenKind::other, {}};
      ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return {TokenKind::other, {}};
    }
    if (word_start(c)) {
      const std::size_t start = i_;
      while (i_ < s_.size() && word_char(s_[i_])) ++i_;
      const auto word = s_.substr(start, i_ - start);
      // E'...', U&'...', B'...', X'...': the quote belongs to the word.
      if (i_ < s_.size() && s_[i_] == '\'') {
        skip_quoted('\'', word.size() == 1 && (word[0] == 'e' || word[0] == 'E'));
        return {TokenKind::other, {}};
      }
      return {TokenKind::word, word};
    }
    ++i_;
    return {TokenKind::other, s_.substr(i_ - 1, 1)};
  }

 private:
  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '-' && i_ + 1 < s_.size() && s_[i_ + 1] == '-') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        int depth = 0;
        while (i_ < s_.size()) {
          if (s_[i_] == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
            ++depth;
            i_ += 2;
          } else if (s_[i_] == '*' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
            i_ += 2;
            if (--depth == 0) break;
          } else {
            ++i_;
          }
        }
      } else {
        return;
      }
    }
  }

  // At an opening quote: skips to after the closing one (doubled quotes escape; backslash too in
  // E'' strings). A truncated text simply ends.
  void skip_quoted(char quote, bool backslash_escapes) {
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (backslash_escapes && c == '\\') {
        i_ += 2;
        continue;
      }
      ++i_;
      if (c == quote) {
        if (i_ < s_.size() && s_[i_] == quote) {
          ++i_;
          continue;
        }
        return;
      }
    }
  }

  // At '$': a dollar quote $tag$...$tag$ is skipped whole; false when this '$' starts no quote.
  bool skip_dollar_quote() {
    std::size_t j = i_ + 1;
    if (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) return false;
    while (j < s_.size() && s_[j] != '$') {
      if (!word_char(s_[j]) || s_[j] == '$') return false;
      ++j;
    }
    if (j >= s_.size()) return false;
    const auto delimiter = s_.substr(i_, j - i_ + 1);
    const auto close = s_.find(delimiter, j + 1);
    i_ = close == std::string_view::npos ? s_.size() : close + delimiter.size();
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

bool any_word(std::string_view sql, std::initializer_list<std::string_view> words) {
  Lexer lex(sql);
  for (Token t = lex.next(); t.kind != TokenKind::end; t = lex.next()) {
    if (t.kind != TokenKind::word) continue;
    for (auto w : words) {
      if (iequals(t.text, w)) return true;
    }
  }
  return false;
}

// The class decided by whichever of two keywords comes first outside parentheses.
StatementClass first_top_level_keyword(std::string_view sql, std::string_view a, StatementClass if_a,
                                       std::string_view b, StatementClass if_b, StatementClass otherwise) {
  Lexer lex(sql);
  int depth = 0;
  for (Token t = lex.next(); t.kind != TokenKind::end; t = lex.next()) {
    if (t.kind == TokenKind::open_paren) ++depth;
    if (t.kind == TokenKind::close_paren) --depth;
    if (t.kind != TokenKind::word || depth != 0) continue;
    if (iequals(t.text, a)) return if_a;
    if (iequals(t.text, b)) return if_b;
  }
  return otherwise;
}

StatementClass classify_explain(std::string_view sql, std::size_t after_explain) {
  Lexer lex(sql.substr(after_explain));
  bool analyze = false;
  for (Token t = lex.next(); t.kind != TokenKind::end; t = lex.next()) {
    if (t.kind != TokenKind::word) continue;
    if (iequals(t.text, "ANALYZE") || iequals(t.text, "ANALYSE")) {
      analyze = true;
      continue;
    }
    static constexpr std::array<std::string_view, 11> kStatementStarts = {
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "VALUES", "TABLE", "CREATE", "EXECUTE", "DECLARE"};
    for (auto w : kStatementStarts) {
      if (iequals(t.text, w)) {
        if (!analyze) return StatementClass::read;
        const std::size_t start = static_cast<std::size_t>(t.text.data() - sql.data());
        return classify_statement(sql.substr(start));
      }
    }
  }
  return StatementClass::read;
}

}  // namespace

std::string_view to_string(StatementClass c) {
  switch (c) {
    case StatementClass::read:
      return "read";
    case StatementClass::write:
      return "write";
    case StatementClass::transaction:
      return "transaction";
    case StatementClass::other:
      return "other";
  }
  return "other";
}

StatementClass classify_statement(std::string_view sql) {
  Lexer lex(sql);
  Token t = lex.next();
  while (t.kind == TokenKind::open_paren) t = lex.next();
  if (t.kind != TokenKind::word) return StatementClass::other;
  const auto w = t.text;
  auto is = [&](std::string_view k) { return iequals(w, k); };
  // SELECT ... INTO new_table creates a table; after FROM, INTO cannot follow at the top level.
  if (is("SELECT")) {
    return first_top_level_keyword(sql, "FROM", StatementClass::read, "INTO", StatementClass::write,
                                   StatementClass::read);
  }
  if (is("VALUES") || is("TABLE") || is("SHOW") || is("FETCH")) return StatementClass::read;
  if (is("WITH")) {
    return any_word(sql, {"INSERT", "UPDATE", "DELETE", "MERGE"}) ? StatementClass::write : StatementClass::read;
  }
  if (is("EXPLAIN")) return classify_explain(sql, lex.position());
  if (is("COPY")) {
    return first_top_level_keyword(sql, "FROM", StatementClass::write, "TO", StatementClass::read,
                                   StatementClass::write);
  }
  if (is("BEGIN") || is("START") || is("COMMIT") || is("END") || is("ROLLBACK") || is("ABORT") || is("SAVEPOINT") ||
      is("RELEASE")) {
    return StatementClass::transaction;
  }
  if (is("PREPARE")) {
    const Token n = lex.next();
    return n.kind == TokenKind::word && iequals(n.text, "TRANSACTION") ? StatementClass::transaction
                                                                       : StatementClass::other;
  }
  static constexpr std::array<std::string_view, 18> kWrites = {
      "INSERT", "UPDATE",  "DELETE",  "MERGE",   "TRUNCATE", "CREATE",   "ALTER",  "DROP", "GRANT",
      "REVOKE", "COMMENT", "REINDEX", "CLUSTER", "REFRESH",  "SECURITY", "IMPORT", "DO",   "CALL"};
  for (auto k : kWrites) {
    if (is(k)) return StatementClass::write;
  }
  return StatementClass::other;
}

std::size_t classify_statements(std::string_view sql, std::span<StatementClass> out) {
  Lexer lex(sql);
  std::size_t count = 0;
  std::size_t start = 0;
  bool has_content = false;
  auto flush = [&](std::size_t end) {
    if (has_content) {
      if (count < out.size()) out[count] = classify_statement(sql.substr(start, end - start));
      ++count;
    }
    has_content = false;
  };
  for (Token t = lex.next();; t = lex.next()) {
    if (t.kind == TokenKind::end) {
      flush(sql.size());
      break;
    }
    if (t.kind == TokenKind::semicolon) {
      flush(lex.position() - 1);
      start = lex.position();
    } else {
      has_content = true;
    }
  }
  return count;
}

}  // namespace tandem::pgwire

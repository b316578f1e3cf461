// The row-image rewrite: tokenises one statement the way PostgreSQL's scanner does (enough to
// find tokens, parenthesis depth and the end of the last real token), recognises the target of an
// INSERT, UPDATE or DELETE, and appends the marker column and REF.* to the RETURNING list.
#include "protocol/pgwire/returning_rewrite.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

namespace tandem::pgwire {
namespace {

// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes, at a character boundary.
constexpr std::size_t kMaxIdentifier = 63;

enum class Kind { word, quoted, unicode_quoted, string, param, punct };

struct Token {
  Kind kind;
  std::size_t begin;
  std::size_t end;
  int depth;  // parenthesis/bracket depth the token sits at
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

// Keywords that cannot be a table name's first part, nor an alias, nor (unquoted) the start of a
// column reference: PostgreSQL's reserved and type/function-name keywords.
constexpr std::string_view kNotColId =
    " all analyse analyze and any array as asc asymmetric both case cast check collate column "
    "constraint create current_catalog current_date current_role current_time current_timestamp "
    "current_user default deferrable desc distinct do else end except false fetch for foreign from "
    "grant group having in initially intersect into lateral leading limit localtime localtimestamp "
    "not null offset on only or order placing primary references returning select session_user some "
    "symmetric system_user table then to trailing true union unique user using variadic when where "
    "window with authorization binary collation concurrently cross current_schema freeze full ilike "
    "inner is isnull join left like natural notnull outer overlaps right similar tablesample verbose ";

bool not_col_id(std::string_view word) {
  std::string key = " ";
  for (char c : word) key += lower(c);
  key += ' ';
  return kNotColId.find(key) != std::string_view::npos;
}

// The end of a quoted run whose opening quote is at `open` (a doubled quote stands for one, and
// with `backslash` a backslash escapes the next byte); npos when unterminated.
std::size_t quoted_end(std::string_view s, std::size_t open, char quote, bool backslash) {
  for (std::size_t i = open + 1; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return std::string_view::npos;
}

// The tokens of a statement, without whitespace and comments; nullopt for an unterminated quote or
// comment or unbalanced parentheses.
std::optional<std::vector<Token>> tokenize(std::string_view s) {
  constexpr auto npos = std::string_view::npos;
  std::vector<Token> out;
  int depth = 0;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    const char next = i + 1 < n ? s[i + 1] : '\0';
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '-' && next == '-') {
      i = s.find('\n', i);
      if (i == npos) i = n;
      continue;
    }
    if (c == '/' && next == '*') {  // block comments nest
      int level = 1;
      i += 2;
      while (i < n && level > 0) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
          ++level;
          i += 2;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
          --level;
          i += 2;
        } else {
          ++i;
        }
      }
      if (level > 0) return std::nullopt;
      continue;
    }
    Token t{Kind::punct, i, i + 1, depth};
    if (c == '\'') {
      t.kind = Kind::string;
      t.end = quoted_end(s, i, '\'', false);
    } else if ((c == 'e' || c == 'E') && next == '\'') {
      t.kind = Kind::string;
      t.end = quoted_end(s, i + 1, '\'', true);
    } else if ((c == 'u' || c == 'U') && next == '&' && i + 2 < n && (s[i + 2] == '\'' || s[i + 2] == '"')) {
      t.kind = s[i + 2] == '"' ? Kind::unicode_quoted : Kind::string;
      t.end = quoted_end(s, i + 2, s[i + 2], false);
    } else if (c == '"') {
      t.kind = Kind::quoted;
      t.end = quoted_end(s, i, '"', false);
    } else if (c == '$') {
      std::size_t j = i + 1;
      if (j < n && is_ident_start(s[j])) {
        while (j < n && is_ident_char(s[j]) && s[j] != '$') ++j;
      }
      if (j < n && s[j] == '$') {  // $$ or $tag$: the body runs to the same tag
        const std::string_view tag = s.substr(i, j + 1 - i);
        const std::size_t close = s.find(tag, j + 1);
        t.kind = Kind::string;
        t.end = close == npos ? npos : close + tag.size();
      } else if (is_digit(next)) {  // $1: a parameter
        t.kind = Kind::param;
        t.end = i + 1;
        while (t.end < n && is_digit(s[t.end])) ++t.end;
      }
    } else if (is_ident_char(c)) {  // words and numbers
      t.kind = Kind::word;
      while (t.end < n && is_ident_char(s[t.end])) ++t.end;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      if (--depth < 0) return std::nullopt;
      t.depth = depth;
    }
    if (t.end == npos) return std::nullopt;
    out.push_back(t);
    i = t.end;
  }
  if (depth != 0) return std::nullopt;
  return out;
}

// statement_shape, from the statement's tokens.
std::string shape_of(std::string_view statement, const std::vector<Token>& tokens) {
  std::string out;
  out.reserve(statement.size());
  std::size_t previous_end = 0;
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (k > 0 && t.begin > previous_end) out += ' ';
    previous_end = t.end;
    const std::string_view text = statement.substr(t.begin, t.end - t.begin);
    if (t.kind == Kind::string) {
      // The opening ('  E'  U&'  $tag$) says how the scanner reads it; the body is a value.
      if (text.front() == '$') {
        out += text.substr(0, text.find('$', 1) + 1);
      } else {
        out += text.substr(0, text.find('\'') + 1);
      }
      out += "\x01";
      continue;
    }
    if (t.kind == Kind::word && std::ranges::all_of(text, is_digit)) {
      // An integer constant when it fits 32 bits, else a numeric one (the grammar tells them apart).
      const std::string_view digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
      const bool integer = digits.size() < 10 || (digits.size() == 10 && digits <= "2147483647");
      out += integer ? "\x02" : "\x03";
      continue;
    }
    out += text;
  }
  return out;
}

void truncate_identifier(std::string& name) {
  if (name.size() <= kMaxIdentifier) return;
  std::size_t n = kMaxIdentifier;
  while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
  name.resize(n);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The escapes of a U&"..." identifier: esc + 4 hex digits, esc + '+' + 6 hex digits (UTF-16
// surrogate pairs combined), esc esc. nullopt when one is invalid.
std::optional<std::string> decode_unicode(std::string_view in, char esc) {
  std::string out;
  std::size_t i = 0;
  // The code point of the escape at i (in[i] == esc), advancing i past it.
  auto escape = [&]() -> std::optional<std::uint32_t> {
    std::size_t p = i + 1;
    std::size_t digits = 4;
    if (p < in.size() && in[p] == '+') {
      digits = 6;
      ++p;
    }
    if (p + digits > in.size()) return std::nullopt;
    std::uint32_t cp = 0;
    for (std::size_t k = p; k < p + digits; ++k) {
      const char h = lower(in[k]);
      if (is_digit(h)) {
        cp = cp * 16 + static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        cp = cp * 16 + static_cast<std::uint32_t>(h - 'a' + 10);
      } else {
        return std::nullopt;
      }
    }
    i = p + digits;
    return cp;
  };
  while (i < in.size()) {
    if (in[i] != esc) {
      out += in[i++];
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == esc) {
      out += esc;
      i += 2;
      continue;
    }
    auto cp = escape();
    if (!cp) return std::nullopt;
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
      if (i >= in.size() || in[i] != esc) return std::nullopt;
      auto low = escape();
      if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
      cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
    } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
      return std::nullopt;
    }
    if (*cp == 0 || *cp > 0x10FFFF) return std::nullopt;
    append_utf8(out, *cp);
  }
  return out;
}

std::string undouble(std::string_view in, char quote) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    out += in[i];
    if (in[i] == quote && i + 1 < in.size() && in[i + 1] == quote) ++i;
  }
  return out;
}

// One identifier: its name as PostgreSQL resolves it and its spelling's extent.
struct Ident {
  std::string name;
  std::size_t begin = 0;
  std::size_t end = 0;
  bool unquoted = false;
};

class Parser {
 public:
  Parser(std::string_view s, const std::vector<Token>& tokens) : s_(s), t_(tokens) {}

  bool at_end() const { return i_ >= t_.size(); }
  std::size_t pos() const { return i_; }
  std::string_view text(const Token& t) const { return s_.substr(t.begin, t.end - t.begin); }

  bool is_word(std::string_view keyword) const {
    return !at_end() && t_[i_].kind == Kind::word && iequals(text(t_[i_]), keyword);
  }
  bool accept(std::string_view keyword) {
    if (!is_word(keyword)) return false;
    ++i_;
    return true;
  }
  bool is_punct(char c) const { return !at_end() && t_[i_].kind == Kind::punct && s_[t_[i_].begin] == c; }
  bool accept(char c) {
    if (!is_punct(c)) return false;
    ++i_;
    return true;
  }

  // An identifier; `col_id`: it must be usable as a table name's first part or an alias (not a
  // reserved keyword when unquoted).
  std::optional<Ident> identifier(bool col_id) {
    if (at_end()) return std::nullopt;
    const Token& t = t_[i_];
    Ident id{{}, t.begin, t.end, false};
    const std::string_view raw = text(t);
    switch (t.kind) {
      case Kind::word:
        if (is_digit(raw[0]) || (col_id && not_col_id(raw))) return std::nullopt;
        for (char c : raw) id.name += lower(c);
        id.unquoted = true;
        ++i_;
        break;
      case Kind::quoted:
        id.name = undouble(raw.substr(1, raw.size() - 2), '"');
        ++i_;
        break;
      case Kind::unicode_quoted: {
        ++i_;
        char esc = '\\';
        if (accept("uescape")) {
          if (at_end() || t_[i_].kind != Kind::string) return std::nullopt;
          const std::string_view e = text(t_[i_]);
          if (e.size() != 3 || e[0] != '\'') return std::nullopt;
          esc = e[1];
          const bool hex = is_digit(esc) || (lower(esc) >= 'a' && lower(esc) <= 'f');
          if (hex || esc == '+' || esc == '\'' || esc == '"' || is_space(esc)) return std::nullopt;
          id.end = t_[i_++].end;
        }
        auto decoded = decode_unicode(undouble(raw.substr(3, raw.size() - 4), '"'), esc);
        if (!decoded) return std::nullopt;
        id.name = std::move(*decoded);
        break;
      }
      default:
        return std::nullopt;
    }
    if (id.name.empty()) return std::nullopt;  // zero-length delimited identifier
    truncate_identifier(id.name);
    return id;
  }

  // ident [. ident [. ident]]: the table and, when qualified, its schema (catalog.schema.table).
  struct Name {
    std::string schema;
    Ident table;
  };
  std::optional<Name> qualified_name() {
    std::vector<Ident> parts;
    auto first = identifier(true);
    if (!first) return std::nullopt;
    parts.push_back(std::move(*first));
    while (parts.size() < 3 && accept('.')) {
      auto next = identifier(false);
      if (!next) return std::nullopt;
      parts.push_back(std::move(*next));
    }
    if (is_punct('.')) return std::nullopt;
    Name name;
    if (parts.size() >= 2) name.schema = std::move(parts[parts.size() - 2].name);
    name.table = std::move(parts.back());
    return name;
  }

  // [ONLY] name [*] | ONLY ( name ) ; `star_ok`: the relation_expr form (UPDATE, DELETE).
  std::optional<Name> relation(bool star_ok) {
    if (!star_ok) return qualified_name();
    if (accept("only")) {
      if (accept('(')) {
        auto name = qualified_name();
        if (!name || !accept(')')) return std::nullopt;
        return name;
      }
      return qualified_name();
    }
    auto name = qualified_name();
    if (name) accept('*');
    return name;
  }

 private:
  std::string_view s_;
  const std::vector<Token>& t_;
  std::size_t i_ = 0;
};

// How RETURNING can name the target: the alias, else the table as spelled; a bare keyword that
// could not start a column reference (public.order) is quoted.
std::string reference(std::string_view s, const Ident& id) {
  const std::string_view spelled = s.substr(id.begin, id.end - id.begin);
  if (!id.unquoted || !not_col_id(spelled)) return std::string(spelled);
  return '"' + id.name + '"';
}

}  // namespace

std::optional<ImageRewrite> rewrite_for_image(std::string_view statement) {
  // Most statements are not writes: their first word says so without tokenising the rest. A
  // statement that starts with anything but a word (a comment, a parenthesis) goes the long way.
  std::size_t i = 0;
  while (i < statement.size() && std::isspace(static_cast<unsigned char>(statement[i]))) ++i;
  std::size_t j = i;
  while (j < statement.size() && std::isalpha(static_cast<unsigned char>(statement[j]))) ++j;
  if (j > i) {
    const auto first = statement.substr(i, j - i);
    if (!iequals(first, "insert") && !iequals(first, "update") && !iequals(first, "delete")) return std::nullopt;
  }
  auto tokens = tokenize(statement);
  if (!tokens) return std::nullopt;
  // Trailing semicolons go; any other one means a second statement.
  auto is_semicolon = [&](const Token& t) { return t.kind == Kind::punct && statement[t.begin] == ';'; };
  while (!tokens->empty() && is_semicolon(tokens->back())) tokens->pop_back();
  if (tokens->empty() || std::any_of(tokens->begin(), tokens->end(), is_semicolon)) return std::nullopt;

  Parser p(statement, *tokens);
  ImageRewrite r;
  std::optional<Parser::Name> name;
  std::optional<Ident> alias;
  if (p.accept("insert")) {
    r.kind = DmlKind::insert;
    if (!p.accept("into") || !(name = p.relation(false))) return std::nullopt;
    if (p.accept("as") && !(alias = p.identifier(true))) return std::nullopt;
    const bool body = p.is_punct('(') || p.is_word("values") || p.is_word("select") || p.is_word("default") ||
                      p.is_word("overriding") || p.is_word("with") || p.is_word("table");
    if (!body) return std::nullopt;
  } else if (p.accept("update")) {
    r.kind = DmlKind::update;
    if (!(name = p.relation(true))) return std::nullopt;
    if (p.accept("as")) {
      if (!(alias = p.identifier(true))) return std::nullopt;
    } else if (!p.is_word("set") && !(alias = p.identifier(true))) {
      return std::nullopt;
    }
    if (!p.accept("set") || p.at_end()) return std::nullopt;
  } else if (p.accept("delete")) {
    r.kind = DmlKind::remove;
    if (!p.accept("from") || !(name = p.relation(true))) return std::nullopt;
    if (p.accept("as")) {
      if (!(alias = p.identifier(true))) return std::nullopt;
    } else if (!p.at_end() && !p.is_word("using") && !p.is_word("where") && !p.is_word("returning")) {
      if (!(alias = p.identifier(true))) return std::nullopt;
    }
    if (!p.at_end() && !p.is_word("using") && !p.is_word("where") && !p.is_word("returning")) return std::nullopt;
  } else {
    return std::nullopt;
  }

  // A top-level RETURNING: the unquoted keyword at depth 0, not a label after '.' or AS.
  for (std::size_t k = 0; k < tokens->size(); ++k) {
    const Token& t = (*tokens)[k];
    if (t.kind != Kind::word || t.depth != 0 || !iequals(p.text(t), "returning")) continue;
    if (k > 0) {
      const Token& before = (*tokens)[k - 1];
      if (before.kind == Kind::punct && statement[before.begin] == '.') continue;
      if (before.kind == Kind::word && iequals(p.text(before), "as")) continue;
    }
    r.had_returning = true;
    break;
  }

  r.schema = std::move(name->schema);
  r.table = name->table.name;
  r.sql.reserve(tokens->back().end + 64);
  r.sql.append(statement.substr(0, tokens->back().end));
  r.sql += r.had_returning ? "\n, NULL AS \"" : "\nRETURNING NULL AS \"";
  r.sql += kImageMarker;
  r.sql += "\", ";
  r.sql += reference(statement, alias ? *alias : name->table);
  r.sql += ".*";
  r.shape = shape_of(statement, *tokens);
  return r;
}

std::optional<std::string> statement_shape(std::string_view statement) {
  auto tokens = tokenize(statement);
  if (!tokens) return std::nullopt;
  return shape_of(statement, *tokens);
}

}  // namespace tandem::pgwire

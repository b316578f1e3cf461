#include "protocol/sql/parse_tree.hpp"

#include <pg_query.h>

namespace tandem::sql {

std::expected<boost::json::value, ParseTreeError> parse_tree(std::string_view sql) {
  const std::string text(sql);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (parsed.error) {
    ParseTreeError e{parsed.error->message, parsed.error->cursorpos};
    pg_query_free_parse_result(parsed);
    return std::unexpected(std::move(e));
  }
  boost::system::error_code ec;
  boost::json::value tree = boost::json::parse(parsed.parse_tree, ec);
  pg_query_free_parse_result(parsed);
  if (ec || !tree.is_object()) return std::unexpected(ParseTreeError{"internal error: unreadable parse tree", 0, true});
  return tree;
}

const boost::json::object* object_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::string string_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace tandem::sql

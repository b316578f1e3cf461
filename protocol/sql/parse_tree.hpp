// libpg_query's parse tree as JSON, and reading fields off its nodes: for the small readers that
// need one fact from a statement (the columns an UPDATE assigns, a COPY's options, the tables a
// statement names) rather than a translation.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <string>
#include <string_view>

namespace tandem::sql {

struct ParseTreeError {
  std::string message;    // PostgreSQL's ("syntax error at or near ..."), or an internal one
  int position = 0;       // 1-based byte offset into the text, 0 when unknown
  bool internal = false;  // the text parsed, but its tree could not be read
};

// The whole tree: {"version": .., "stmts": [{"stmt": {"UpdateStmt": {..}}}, ..]}.
std::expected<boost::json::value, ParseTreeError> parse_tree(std::string_view sql);

// A field of a node: null, or "" for a string, when absent or of another type.
const boost::json::object* object_at(const boost::json::object& o, std::string_view key);
std::string string_at(const boost::json::object& o, std::string_view key);

}  // namespace tandem::sql

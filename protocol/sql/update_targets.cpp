// Reads an UpdateStmt's relation and the names of its targetList's ResTargets.
#include "protocol/sql/update_targets.hpp"

#include <algorithm>

#include "protocol/sql/parse_tree.hpp"

namespace tandem::sql {
namespace {

// The name of the single key of a node such as {"UpdateStmt": {...}}.
std::string node_type(const boost::json::value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return "unknown";
  return std::string(v.as_object().begin()->key());
}

std::expected<UpdateTargets, std::string> read_update(const boost::json::object& update) {
  UpdateTargets out;
  const auto* relation = object_at(update, "relation");
  if (!relation) return std::unexpected("unexpected parse tree: UPDATE without a relation");
  out.schema = string_at(*relation, "schemaname");
  out.table = string_at(*relation, "relname");
  if (out.table.empty()) return std::unexpected("unexpected parse tree: UPDATE without a table name");
  const auto* targets = update.if_contains("targetList");
  if (!targets || !targets->is_array() || targets->as_array().empty())
    return std::unexpected("unexpected parse tree: UPDATE without a SET list");
  for (const auto& t : targets->as_array()) {
    // Each ResTarget names the column; subscripts and fields of it are in its `indirection`, and a
    // `(b, c) = ...` assignment is one ResTarget per column.
    const auto* target = t.is_object() ? object_at(t.as_object(), "ResTarget") : nullptr;
    std::string name = target ? string_at(*target, "name") : std::string();
    if (name.empty()) return std::unexpected("unexpected parse tree: a SET target without a column name");
    if (std::find(out.columns.begin(), out.columns.end(), name) == out.columns.end())
      out.columns.push_back(std::move(name));
  }
  return out;
}

}  // namespace

std::expected<UpdateTargets, std::string> update_targets(std::string_view sql) {
  auto tree = parse_tree(sql);
  if (!tree) {
    std::string e = tree.error().message;  // "syntax error at or near ..." and the like
    if (tree.error().position > 0) e += " (at position " + std::to_string(tree.error().position) + ")";
    return std::unexpected(std::move(e));
  }
  const auto* stmts = tree->as_object().if_contains("stmts");
  if (!stmts || !stmts->is_array() || stmts->as_array().empty()) return std::unexpected("empty statement");
  if (stmts->as_array().size() > 1)
    return std::unexpected("several statements (" + std::to_string(stmts->as_array().size()) +
                           "): expected one UPDATE");
  const auto& raw = stmts->as_array()[0];
  const auto* stmt = raw.is_object() ? raw.as_object().if_contains("stmt") : nullptr;
  if (!stmt) return std::unexpected("unexpected parse tree: no statement");
  const auto* update = stmt->is_object() ? object_at(stmt->as_object(), "UpdateStmt") : nullptr;
  if (!update) return std::unexpected("not an UPDATE statement (" + node_type(*stmt) + ")");
  return read_update(*update);
}

}  // namespace tandem::sql

// Fingerprint from libpg_query; tables from the RangeVars of its JSON parse tree, in document order
// (the statement's own target comes before its FROM, USING, SELECT and WITH parts).
#include "protocol/sql/statement_identity.hpp"

#include <pg_query.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "protocol/sql/parse_tree.hpp"

namespace tandem::sql {
namespace {

void add(std::vector<NamedTable>& tables, NamedTable t) {
  if (!t.name.empty() && std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(std::move(t));
}

// DROP TABLE names its tables as lists of String nodes: [schema,] name.
void add_dropped(const boost::json::object& drop, std::vector<NamedTable>& tables) {
  if (string_at(drop, "removeType") != "OBJECT_TABLE") return;
  const auto* objects = drop.if_contains("objects");
  if (!objects || !objects->is_array()) return;
  for (const auto& o : objects->as_array()) {
    const auto* list = o.is_object() ? o.as_object().if_contains("List") : nullptr;
    const auto* items = list && list->is_object() ? list->as_object().if_contains("items") : nullptr;
    if (!items || !items->is_array()) continue;
    std::vector<std::string> parts;
    for (const auto& item : items->as_array()) {
      const auto* s = item.is_object() ? item.as_object().if_contains("String") : nullptr;
      if (s && s->is_object()) parts.push_back(string_at(s->as_object(), "sval"));
    }
    if (parts.size() == 1) add(tables, {"", parts[0]});
    if (parts.size() >= 2) add(tables, {parts[parts.size() - 2], parts.back()});
  }
}

void collect(const boost::json::value& v, std::vector<NamedTable>& tables) {
  if (v.is_array()) {
    for (const auto& e : v.as_array()) collect(e, tables);
    return;
  }
  if (!v.is_object()) return;
  // A RangeVar: wrapped ({"RangeVar": {...}}) in lists of nodes, bare where a field holds one
  // (an InsertStmt's "relation"); either way the object with "relname".
  const auto& o = v.as_object();
  if (const auto* rel = o.if_contains("relname"); rel && rel->is_string()) {
    add(tables, {string_at(o, "schemaname"), std::string(rel->as_string())});
    return;
  }
  for (const auto& [key, child] : o) {
    if (key == "DropStmt" && child.is_object()) add_dropped(child.as_object(), tables);
    collect(child, tables);
  }
}

std::string text_hash(std::string_view sql) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : sql) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace

StatementIdentity identify_statement(std::string_view sql) {
  StatementIdentity id;
  const std::string text(sql);
  PgQueryFingerprintResult fp = pg_query_fingerprint(text.c_str());
  const bool parsed = !fp.error && fp.fingerprint_str;
  id.fingerprint = parsed ? std::string(fp.fingerprint_str) : text_hash(sql);
  pg_query_free_fingerprint_result(fp);
  if (!parsed) return id;
  if (auto tree = parse_tree(text)) collect(*tree, id.tables);
  return id;
}

}  // namespace tandem::sql

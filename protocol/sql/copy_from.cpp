// Reading a COPY ... FROM STDIN statement off libpg_query's parse tree.
#include "protocol/sql/copy_from.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/sql/parse_tree.hpp"

namespace tandem::sql {
namespace {

using boost::json::object;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An option's argument as text: {"String": {"sval": ..}}, {"Integer": {"ival": ..}} or
// {"Boolean": {"boolval": ..}} (libpg_query leaves out false and zero).
std::optional<std::string> argument(const object& def) {
  const auto* arg = object_at(def, "arg");
  if (!arg) return std::nullopt;
  if (const auto* s = object_at(*arg, "String")) return string_at(*s, "sval");
  if (const auto* i = object_at(*arg, "Integer")) {
    const auto* v = i->if_contains("ival");
    return v && v->is_int64() ? std::to_string(v->as_int64()) : "0";
  }
  if (const auto* b = object_at(*arg, "Boolean")) {
    const auto* v = b->if_contains("boolval");
    return v && v->is_bool() && v->as_bool() ? "true" : "false";
  }
  return "?";
}

std::expected<bool, std::string> boolean(const object& def, const std::string& name) {
  const auto a = argument(def);
  if (!a) return true;  // HEADER alone
  const auto v = lower(*a);
  if (v == "true" || v == "on" || v == "1") return true;
  if (v == "false" || v == "off" || v == "0") return false;
  return std::unexpected("COPY option " + name + " " + *a + " is not read by the mirror");
}

std::expected<char, std::string> single_byte(const object& def, const std::string& name) {
  const auto a = argument(def).value_or("");
  if (a.size() != 1) return std::unexpected("COPY option " + name + " must be one character, not '" + a + "'");
  return a[0];
}

}  // namespace

std::expected<CopyFrom, std::string> parse_copy_from(std::string_view sql) {
  auto tree = parse_tree(sql);
  if (!tree)
    return std::unexpected(tree.error().internal ? tree.error().message
                                                 : "the COPY statement does not parse: " + tree.error().message);
  const auto* stmts = tree->as_object().if_contains("stmts");
  if (!stmts || !stmts->is_array() || stmts->as_array().size() != 1)
    return std::unexpected("expected one COPY statement");
  const auto& raw = stmts->as_array()[0];
  const auto* stmt = raw.is_object() ? object_at(raw.as_object(), "stmt") : nullptr;
  const auto* copy = stmt ? object_at(*stmt, "CopyStmt") : nullptr;
  if (!copy) return std::unexpected("not a COPY statement");
  const auto* from = copy->if_contains("is_from");
  if (!from || !from->is_bool() || !from->as_bool()) return std::unexpected("COPY TO writes nothing");
  if (copy->contains("filename") || copy->contains("is_program"))
    return std::unexpected("COPY FROM a file or program on the server: the mirror sees no data");
  if (copy->contains("whereClause")) return std::unexpected("COPY FROM with a WHERE clause is not read by the mirror");
  const auto* relation = object_at(*copy, "relation");
  if (!relation) return std::unexpected("COPY (query) FROM is not a write");
  CopyFrom out;
  out.schema = string_at(*relation, "schemaname");
  out.table = string_at(*relation, "relname");
  if (const auto* attlist = copy->if_contains("attlist"); attlist && attlist->is_array()) {
    for (const auto& a : attlist->as_array()) {
      const auto* s = a.is_object() ? object_at(a.as_object(), "String") : nullptr;
      if (!s) return std::unexpected("unexpected parse tree: a COPY column that is not a name");
      out.columns.push_back(string_at(*s, "sval"));
    }
  }
  bool quote_set = false, escape_set = false, null_set = false, delimiter_set = false;
  if (const auto* options = copy->if_contains("options"); options && options->is_array()) {
    for (const auto& o : options->as_array()) {
      const auto* def = o.is_object() ? object_at(o.as_object(), "DefElem") : nullptr;
      if (!def) return std::unexpected("unexpected parse tree: a COPY option that is not a DefElem");
      const std::string name = lower(string_at(*def, "defname"));
      if (name == "format") {
        const auto f = lower(argument(*def).value_or(""));
        if (f == "csv")
          out.csv = true;
        else if (f == "binary")
          out.binary = true;
        else if (f != "text")
          return std::unexpected("COPY FORMAT " + f + " is not read by the mirror");
      } else if (name == "delimiter" || name == "quote" || name == "escape") {
        auto c = single_byte(*def, name);
        if (!c) return std::unexpected(c.error());
        (name == "delimiter" ? out.delimiter : name == "quote" ? out.quote : out.escape) = *c;
        (name == "delimiter" ? delimiter_set : name == "quote" ? quote_set : escape_set) = true;
      } else if (name == "null") {
        out.null_string = argument(*def).value_or("");
        null_set = true;
      } else if (name == "header") {
        auto b = boolean(*def, "HEADER");
        if (!b) return std::unexpected(b.error());
        out.header = *b;
      } else if (name == "encoding") {
        const auto given = argument(*def).value_or("");
        const auto e = lower(given);
        if (e != "utf8" && e != "utf-8" && e != "unicode")
          return std::unexpected("COPY ENCODING " + given + " is not read by the mirror (UTF8 only)");
      } else if (name == "freeze") {
        // Affects PostgreSQL's storage only.
      } else {
        return std::unexpected("COPY option " + name + " is not read by the mirror");
      }
    }
  }
  if (out.binary) {
    // PostgreSQL refuses these with FORMAT binary, and the client's COPY with them.
    if (delimiter_set || null_set || out.header || quote_set || escape_set)
      return std::unexpected("COPY FORMAT binary takes no DELIMITER, NULL, HEADER, QUOTE or ESCAPE");
  } else if (out.csv) {
    if (!delimiter_set) out.delimiter = ',';
    if (!null_set) out.null_string = "";
    if (!escape_set) out.escape = out.quote;
  } else if (quote_set || escape_set) {
    return std::unexpected("COPY QUOTE and ESCAPE are for CSV only");
  }
  return out;
}

}  // namespace tandem::sql

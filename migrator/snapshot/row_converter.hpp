// Turns one line of PostgreSQL's COPY text format into one line of MySQL's LOAD DATA format,
// converting each value to the form the type map gives its MySQL column.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::migrator {

class RowConverter {
 public:
  // One PostgreSQL type per column, as format_type() writes it.
  explicit RowConverter(std::vector<std::string> pg_types);

  // Appends the converted line (with its newline) to `out`; the error names the column.
  std::expected<void, std::string> convert(std::string_view copy_line, std::string& out) const;

  const std::vector<std::string>& column_types() const { return types_; }

 private:
  std::vector<std::string> types_;
  std::vector<bool> passthrough_;  // the COPY text is already what MySQL takes
};

// PostgreSQL COPY text escapes (\t, \n, \\, \N, octal, \x) undone.
std::string unescape_copy_field(std::string_view field);
// Escapes for LOAD DATA ... FIELDS ESCAPED BY '\' (NUL, tab, newline, CR, backslash).
void append_load_data_field(std::string& out, std::string_view value);

}  // namespace tandem::migrator

// COPY text -> LOAD DATA text, value by value.
#include "migrator/snapshot/row_converter.hpp"

#include "protocol/sql/type_map.hpp"
#include "protocol/sql/value_conversion.hpp"

namespace tandem::migrator {

std::string unescape_copy_field(std::string_view f) {
  std::string out;
  out.reserve(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '\\' || i + 1 == f.size()) {
      out += f[i];
      continue;
    }
    const char c = f[++i];
    switch (c) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        int value = 0, digits = 0;
        while (digits < 2 && i + 1 < f.size() && std::isxdigit(static_cast<unsigned char>(f[i + 1]))) {
          const char h = f[++i];
          value = value * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          ++digits;
        }
        out += static_cast<char>(value);
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int value = c - '0', digits = 1;
          while (digits < 3 && i + 1 < f.size() && f[i + 1] >= '0' && f[i + 1] <= '7') {
            value = value * 8 + (f[++i] - '0');
            ++digits;
          }
          out += static_cast<char>(value);
        } else {
          out += c;  // \\ and any other escaped character stand for themselves
        }
    }
  }
  return out;
}

void append_load_data_field(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
}

RowConverter::RowConverter(std::vector<std::string> pg_types) : types_(std::move(pg_types)) {
  for (const auto& t : types_) {
    const sql::TypeClass c = sql::type_class(t);
    passthrough_.push_back(c == sql::TypeClass::integer || c == sql::TypeClass::text);
  }
}

std::expected<void, std::string> RowConverter::convert(std::string_view line, std::string& out) const {
  std::size_t column = 0, start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    const std::string_view field =
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (column >= types_.size()) return std::unexpected("COPY row has more fields than the table has columns");
    if (column) out += '\t';
    if (field == "\\N") {
      out += "\\N";
    } else if (passthrough_[column] && field.find('\\') == std::string_view::npos) {
      out.append(field);
    } else {
      const std::string value = unescape_copy_field(field);
      const sql::TypeClass c = sql::type_class(types_[column]);
      if ((c == sql::TypeClass::floating || c == sql::TypeClass::numeric) &&
          (value == "NaN" || value == "Infinity" || value == "-Infinity"))
        return std::unexpected("column " + std::to_string(column + 1) + ": " + value + " cannot be stored in MySQL");
      if ((c == sql::TypeClass::date || c == sql::TypeClass::timestamp || c == sql::TypeClass::timestamptz) &&
          (value == "infinity" || value == "-infinity" || value.ends_with(" BC")))
        return std::unexpected("column " + std::to_string(column + 1) + ": " + value +
                               " is outside MySQL's date range");
      auto converted = sql::to_mysql_value(types_[column], value);
      if (!converted) return std::unexpected("column " + std::to_string(column + 1) + ": " + converted.error());
      append_load_data_field(out, *converted);
    }
    ++column;
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (column != types_.size()) return std::unexpected("COPY row has fewer fields than the table has columns");
  out += '\n';
  return {};
}

}  // namespace tandem::migrator

// Table and enum lookups for the translator's type inference.
#include "protocol/sql/catalog.hpp"

namespace tandem::sql {

const ColumnInfo* TableInfo::find(const std::string& column) const {
  for (const auto& c : columns)
    if (c.name == column) return &c;
  return nullptr;
}

void Catalog::put_table(const std::string& schema, const std::string& table, TableInfo info) {
  tables_[{schema, table}] = std::move(info);
}

void Catalog::drop_table(const std::string& schema, const std::string& table) { tables_.erase({schema, table}); }

TableInfo* Catalog::find(const std::string& schema, const std::string& table) {
  auto it = tables_.find({schema, table});
  return it == tables_.end() ? nullptr : &it->second;
}

const TableInfo* Catalog::find(const std::string& schema, const std::string& table) const {
  auto it = tables_.find({schema, table});
  return it == tables_.end() ? nullptr : &it->second;
}

void Catalog::put_enum(const std::string& schema, const std::string& type, std::vector<std::string> labels) {
  enums_[{schema, type}] = std::move(labels);
}

const std::vector<std::string>* Catalog::find_enum(const std::string& schema, const std::string& type) const {
  auto it = enums_.find({schema, type});
  return it == enums_.end() ? nullptr : &it->second;
}

void Catalog::drop_enum(const std::string& schema, const std::string& type) { enums_.erase({schema, type}); }

void Catalog::put_index(const std::string& schema, const std::string& index, const std::string& table, bool unique) {
  indexes_[{schema, index}] = {table, unique};
}

const std::pair<std::string, bool>* Catalog::find_index(const std::string& schema, const std::string& index) const {
  auto it = indexes_.find({schema, index});
  return it == indexes_.end() ? nullptr : &it->second;
}

void Catalog::drop_index(const std::string& schema, const std::string& index) { indexes_.erase({schema, index}); }

}  // namespace tandem::sql

// What the translator knows of tables: column types and keys, learnt from DDL it translated or
// loaded from the source's catalog, so expressions can be typed (integer division, NULL ordering).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tandem::sql {

struct ColumnInfo {
  std::string name;
  std::string pg_type;  // canonical PostgreSQL name: "integer", "text", "timestamp with time zone", "integer[]"
  bool not_null = false;
  // How the column was created on MySQL, so ALTER ... MODIFY can restate what it keeps.
  std::string mysql_type;
  std::string mysql_default;  // the expression after DEFAULT, empty for none
  bool auto_increment = false;
};

struct TableInfo {
  std::vector<ColumnInfo> columns;
  int unique_keys = 0;  // primary key plus unique constraints and unique indexes
  const ColumnInfo* find(const std::string& column) const;
};

class Catalog {
 public:
  void put_table(const std::string& schema, const std::string& table, TableInfo info);
  void drop_table(const std::string& schema, const std::string& table);
  TableInfo* find(const std::string& schema, const std::string& table);
  const TableInfo* find(const std::string& schema, const std::string& table) const;
  void put_enum(const std::string& schema, const std::string& type, std::vector<std::string> labels);
  const std::vector<std::string>* find_enum(const std::string& schema, const std::string& type) const;
  void drop_enum(const std::string& schema, const std::string& type);
  // PostgreSQL index names are unique per schema; MySQL's DROP INDEX needs the table.
  void put_index(const std::string& schema, const std::string& index, const std::string& table, bool unique);
  const std::pair<std::string, bool>* find_index(const std::string& schema, const std::string& index) const;
  void drop_index(const std::string& schema, const std::string& index);

 private:
  std::map<std::pair<std::string, std::string>, TableInfo> tables_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> enums_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, bool>> indexes_;  // -> table, unique
};

}  // namespace tandem::sql

// A failed database operation: which server, what was running, and the server's message.
#pragma once

#include <string>

namespace tandem::migrator {

struct DbError {
  std::string message;   // "postgres: ...", "mysql 1062: ..."
  std::string sqlstate;  // when the server gave one
};

}  // namespace tandem::migrator

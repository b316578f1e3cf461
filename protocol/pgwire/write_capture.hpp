// Write capture for the proxy's mirror: follows one session's messages in both directions and
// yields each transaction PostgreSQL committed, as the write statements that succeeded in it
// (with their bound parameters), in execution order. Aborted transactions, statements undone by
// ROLLBACK TO SAVEPOINT, failed statements and the rest of an implicit transaction after an error
// yield nothing. Pure code: the session feeds it decoded messages. Not yet wired into the proxy.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/pgwire/frontend_messages.hpp"

namespace tandem::pgwire {

struct CapturedStatement {
  std::string sql;
  std::vector<std::uint32_t> parameter_types;   // as Parse declared them (0: unspecified)
  std::vector<std::int16_t> parameter_formats;  // as Bind sent them (0 text, 1 binary)
  std::vector<Value> parameters;
  std::string tag;  // the CommandComplete tag: "INSERT 0 1", "UPDATE 3", "CREATE TABLE"
};

struct CapturedTransaction {
  std::vector<CapturedStatement> statements;
  // Something in it cannot be mirrored from statements (COPY FROM STDIN, PREPARE TRANSACTION);
  // the mirror must treat the tables it touched as diverged.
  std::optional<std::string> unsupported;
};

class WriteCapture {
 public:
  // Frontend messages, in the order the client sent them.
  void on_query(std::string_view sql);
  void on_parse(const Parse& m);
  void on_bind(const Bind& m);
  void on_execute(const Execute& m);
  void on_close(const Close& m);
  void on_sync();

  // Backend messages, in the order the server sent them.
  void on_command_complete(std::string_view tag);
  void on_empty_query();
  void on_portal_suspended();
  void on_error();
  void on_ready_for_query(char status);

  // Transactions committed since the last call, oldest first.
  std::vector<CapturedTransaction> take_committed();

 private:
  // What the server will answer, in order: one item per statement it may execute, and a
  // boundary for each ReadyForQuery (end of a simple Query, or a Sync).
  struct Pending {
    bool boundary = false;
    CapturedStatement statement;
  };
  struct Statement {
    std::string sql;
    std::vector<std::uint32_t> types;
  };
  struct Portal {
    std::string sql;
    std::vector<std::uint32_t> types;
    std::vector<std::int16_t> formats;
    std::vector<Value> parameters;
  };

  void completed(const CapturedStatement& s);
  void abort_transaction();
  void commit();

  std::map<std::string, Statement, std::less<>> statements_;
  std::map<std::string, Portal, std::less<>> portals_;
  std::deque<Pending> pending_;
  bool skipping_to_boundary_ = false;  // after an error, until the next ReadyForQuery
  bool in_block_ = false;              // inside BEGIN ... COMMIT/ROLLBACK
  bool aborted_ = false;               // the current transaction will not commit
  CapturedTransaction current_;
  std::vector<std::pair<std::string, std::size_t>> savepoints_;  // name, statements before it
  std::vector<CapturedTransaction> committed_;
};

}  // namespace tandem::pgwire

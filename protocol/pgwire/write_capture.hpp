// Write capture for the proxy's mirror: follows one session's messages in both directions and
// yields each transaction PostgreSQL committed, as the write statements that succeeded in it
// (with their bound parameters), in execution order. Aborted transactions, statements undone by
// ROLLBACK TO SAVEPOINT, failed statements and the rest of an implicit transaction after an error
// yield nothing. Pure code: the session feeds it decoded messages (through MirrorFilter, which
// also rewrites writes so that PostgreSQL returns their row images).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/capture_budget.hpp"
#include "protocol/pgwire/frontend_messages.hpp"

namespace tandem::pgwire {

struct CapturedStatement {
  std::string sql;
  std::vector<std::uint32_t> parameter_types;   // as Parse declared them (0: unspecified)
  std::vector<std::int16_t> parameter_formats;  // as Bind sent them (0 text, 1 binary)
  std::vector<Value> parameters;
  std::string tag;  // the CommandComplete tag: "INSERT 0 1", "UPDATE 3", "CREATE TABLE"
  // Row images: set when the statement was rewritten to return every affected row after a
  // marker column ('i' insert, 'u' update, 'd' delete; 0: not rewritten).
  char image_op = 0;
  int image_marker = -1;                       // index of the marker in the result's fields
  std::vector<FieldDescription> image_fields;  // the fields after the marker
  std::vector<std::vector<Value>> image_rows;
  std::size_t image_bytes = 0;
  std::string unsupported;  // non-empty: this statement cannot be mirrored (why)
  // COPY ... FROM STDIN: PostgreSQL asked for data (CopyInResponse), which the client sent; with
  // the session's TimeZone and DateStyle, under which PostgreSQL read it.
  bool copy_in = false;
  bool copy_unmirrored = false;  // into a table that is not mirrored: its data is not kept
  std::string copy_data;
  std::string copy_timezone, copy_datestyle;
  // What it holds of the capture budget (images, COPY data, and once completed its text and
  // parameters); set on its first charge.
  BudgetCharge charge;
  bool over_budget = false;  // a charge found no room: what it captured is dropped, no more is kept
};

struct CapturedTransaction {
  std::vector<CapturedStatement> statements;
  // Something in it cannot be mirrored from statements (COPY FROM a server file, PREPARE TRANSACTION);
  // the mirror must treat the tables it touched as diverged.
  std::optional<std::string> unsupported;
};

class WriteCapture {
 public:
  // The budget, shared by all sessions, that captured data is charged to (none: unbounded).
  void set_budget(CaptureBudget* budget) { budget_ = budget; }
  // Charges `n` more bytes held by `s`. When there is no room, drops what `s` captured, marks it
  // not mirrorable (naming the statement and the limit) and returns false; so does every later
  // charge for `s`.
  bool charge(CapturedStatement& s, std::size_t n);

  // Frontend messages, in the order the client sent them.
  void on_query(std::string_view sql);
  // A simple Query already split into statements (image_op set on those rewritten).
  void on_query_statements(std::vector<CapturedStatement> statements);
  // `m.query` as the client wrote it; `image_op` when the proxy sent a rewritten text.
  // `sent`: the rewritten text the proxy sent instead (empty when none); `epoch`: the DDL epoch
  // then (see reprepare).
  void on_parse(const Parse& m, char image_op = 0, bool client_returning = false, std::string sent = {},
                std::uint64_t epoch = 0);
  // A statement prepared before the capture started (see MirrorFilter::adopt_statement): known
  // without a ParseComplete to wait for. Rewritten (`image_op`), it is prepared again before its
  // next Bind (see reprepare). An empty query: its text is not known.
  void adopt(const Parse& m, char image_op = 0, bool client_returning = false, std::string sent = {});
  // The statements prepared without a rewrite (with a known text): what MirrorFilter may want to
  // rewrite after all (see MirrorFilter::rewrite_prepared).
  std::vector<Parse> unrewritten() const;
  void on_bind(const Bind& m);
  // `injected`: the proxy added this Describe; its answer is not the client's.
  void on_describe(const Describe& m, bool injected = false);
  void on_execute(const Execute& m);
  void on_close(const Close& m);
  void on_sync();
  // CopyData from the client: kept with the COPY being executed, up to a bound.
  void on_copy_data(std::string_view data);
  // CopyDone or CopyFail from the client: copy-in mode ends.
  void on_copy_end() { copy_in_ = false; }
  // CopyInResponse: PostgreSQL is in copy-in mode, where it ignores Syncs. Those the client sent
  // after the COPY's Execute (PQexecParams sends one) get no ReadyForQuery, nor do later ones
  // until CopyDone or CopyFail.
  void on_copy_in_response();

  // Backend messages, in the order the server sent them.
  // ParseComplete, BindComplete, CloseComplete: the oldest Parse, Bind or Close took effect. One
  // that PostgreSQL skips or refuses (an error before the next Sync) is undone.
  // Returns true when that message was the proxy's own (its answer is not the client's).
  bool on_parse_bind_or_close_complete();
  // Before a Bind of the named statement: when it was rewritten and DDL committed since it was
  // prepared (its image columns may have changed, which PostgreSQL refuses for a prepared
  // statement: "cached plan must not change result type"), the Close and Parse that prepare it
  // again under the same name, which the proxy sends first and whose answers it keeps.
  std::optional<std::pair<Close, Parse>> reprepare(const std::string& name, std::uint64_t epoch);
  void on_command_complete(std::string_view tag);
  void on_empty_query();
  void on_portal_suspended();
  // `sqlstate`: the error's code. A Bind refused with 0A000 marks its rewritten statement stale
  // (see reprepare).
  void on_error(std::string_view sqlstate = {});
  void on_ready_for_query(char status);

  // What a RowDescription or NoData answers. A Describe item is consumed by it; otherwise it is
  // the statement being executed (a simple Query's RowDescription).
  struct Answer {
    bool describe = false;
    bool injected = false;
    char image_op = 0;                       // of the statement or portal described or executed
    CapturedStatement* statement = nullptr;  // the statement being executed (null for a Describe)
    std::string statement_name;              // the prepared statement described
  };
  Answer on_row_description_or_no_data();
  // The statement whose result rows are arriving now, null when none.
  CapturedStatement* executing();
  // How a portal's statement was rewritten: image op (0: not) and whether the client's own
  // statement had a RETURNING list.
  std::pair<char, bool> portal_image(std::string_view portal) const;
  // A RowDescription of a rewritten prepared statement's result: where the marker is and how many
  // columns there are in all, for result format codes given per column.
  void note_result_shape(const std::string& statement, int marker, std::size_t columns);
  // The result format codes a Bind must send for the rewritten statement, given the client's:
  // the client's codes for its own columns and text for the marker and the image. nullopt when
  // the client's codes need no change (or the shape is not known yet).
  std::optional<std::vector<std::int16_t>> result_formats_for(const std::string& statement,
                                                              const std::vector<std::int16_t>& client) const;

  // Transactions committed since the last call, oldest first.
  std::vector<CapturedTransaction> take_committed();

 private:
  CaptureBudget* budget_ = nullptr;
  // What the server will answer, in order: one item per statement it may execute, and a
  // boundary for each ReadyForQuery (end of a simple Query, or a Sync).
  struct Pending {
    bool boundary = false;
    CapturedStatement statement;
    bool describe = false;  // a Describe's answer (RowDescription/NoData), not a statement
    bool injected = false;
    std::string statement_name;  // the prepared statement described or executed
    bool sync = false;           // a boundary for a Sync (not a simple Query's end)
  };
  struct Statement {
    std::string sql;
    std::vector<std::uint32_t> types;
    char image_op = 0;
    bool client_returning = false;
    int image_marker = -1;  // learnt from a RowDescription of its result
    std::size_t result_columns = 0;
    std::string sent;         // the rewritten text sent to PostgreSQL (image_op set)
    std::uint64_t epoch = 0;  // the DDL epoch when it was prepared
    // PostgreSQL refused a Bind of it as a feature it does not support (0A000): after DDL that
    // the proxy did not see, "cached plan must not change result type". Prepared again before
    // its next Bind, like after DDL through the proxy.
    bool stale = false;
  };
  struct Portal {
    Statement statement;  // as it was when bound
    std::string statement_name;
    std::vector<std::int16_t> formats;
    std::vector<Value> parameters;
    bool binary_results = false;
  };

  void completed(CapturedStatement& s);
  void drop_describes();
  void abort_transaction();
  void commit();

  // What a Parse, Bind or Close changed in the maps below, until PostgreSQL answers it: the name
  // and the entry it replaced (nullopt: none). `group` counts the Syncs (and simple Queries) sent
  // before it; an error undoes the changes of the group being answered.
  struct Undo {
    std::uint64_t group = 0;
    bool portal = false;
    bool injected = false;  // the proxy's own message
    std::string name;
    std::optional<Statement> statement;
    std::optional<Portal> previous_portal;
  };
  void remember(bool portal, const std::string& name);
  void boundary_sent();

  std::map<std::string, Statement, std::less<>> statements_;
  std::map<std::string, Portal, std::less<>> portals_;
  std::deque<Undo> undo_;
  std::uint64_t groups_sent_ = 0, groups_answered_ = 0;
  std::deque<Pending> pending_;
  bool skipping_to_boundary_ = false;  // after an error, until the next ReadyForQuery
  bool copy_in_ = false;               // CopyInResponse seen, no CopyDone or CopyFail yet
  bool in_block_ = false;              // inside BEGIN ... COMMIT/ROLLBACK
  bool aborted_ = false;               // the current transaction will not commit
  CapturedTransaction current_;
  std::vector<std::pair<std::string, std::size_t>> savepoints_;  // name, statements before it
  std::vector<CapturedTransaction> committed_;
};

}  // namespace tandem::pgwire

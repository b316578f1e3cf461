// The proxy's mirror filter (mirror.mode = "proxy"): sits on a session's two message streams,
// rewrites each INSERT, UPDATE and DELETE so that PostgreSQL also returns the rows it wrote (row
// images, after a marker column), strips those columns before the client sees the result, and
// feeds the write capture, which yields the committed transactions with their images. The client
// sees exactly what PostgreSQL would have sent for its own statements. Pure code: the session
// hands it whole messages and writes what it appends.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "protocol/pgwire/protocol_error.hpp"
#include "protocol/pgwire/returning_rewrite.hpp"
#include "protocol/pgwire/write_capture.hpp"

namespace tandem::pgwire {

class MirrorFilter {
 public:
  // Which target tables get row images (schema "" when unqualified); all when not given.
  using TablePredicate = std::function<bool(std::string_view schema, std::string_view table)>;
  MirrorFilter() = default;
  // `ddl_epoch`, shared by every session's filter: counts the DDL committed through the proxy, so
  // that each session prepares its rewritten statements again after it (null: not done).
  // `on_mysql`: which tables are mirrored at all (a COPY's data is kept for those); all when not
  // given. A table on MySQL may still get no row images (`mirrored` false): its writes are then
  // replayed as statements.
  // `budget`: the memory all sessions' captured writes may hold (none: unbounded).
  explicit MirrorFilter(TablePredicate mirrored, std::atomic<std::uint64_t>* ddl_epoch = nullptr,
                        TablePredicate on_mysql = {}, CaptureBudget* budget = nullptr)
      : mirrored_(std::move(mirrored)), on_mysql_(std::move(on_mysql)), ddl_epoch_(ddl_epoch) {
    capture_.set_budget(budget);
  }

  // One whole client message: its type, body, and bytes as sent. Appends what goes to the server.
  std::expected<void, ProtocolError> from_client(char type, std::string_view body, std::string_view whole,
                                                 std::string& out);
  // One whole server message. Appends what goes to the client.
  std::expected<void, ProtocolError> from_backend(char type, std::string_view body, std::string_view whole,
                                                  std::string& out);

  // Transactions committed since the last call, oldest first, with their row images.
  std::vector<CapturedTransaction> take_committed() { return capture_.take_committed(); }

  // Where captured writes are charged (none: unbounded).
  void set_budget(CaptureBudget* budget) { capture_.set_budget(budget); }
  // A filter that starts in the middle of a session (the mirror switched to "proxy"), at a
  // transaction boundary, learns what the session did before: a parameter PostgreSQL reported,
  // and a statement it prepared (nullopt: its text is not known). A prepared write to rewrite is
  // prepared again, rewritten, before its next Bind.
  void adopt_parameter(std::string_view name, std::string_view value);
  void adopt_statement(const std::string& name, const std::optional<Parse>& parse);
  // The mirror switched to "proxy" again while this filter ran without one (images() false):
  // statements prepared meanwhile were not rewritten; those to rewrite now are prepared again,
  // rewritten, before their next Bind.
  void rewrite_prepared();

 private:
  std::optional<ImageRewrite> rewrite(std::string_view statement) const;

  TablePredicate mirrored_, on_mysql_;
  std::atomic<std::uint64_t>* ddl_epoch_ = nullptr;
  bool ddl_in_transaction_ = false;  // DDL completed; the epoch moves once it is committed
  char transaction_status_ = 'I';    // of the last ReadyForQuery
  WriteCapture capture_;
  // Why row images of this session cannot be read as the applier reads text values (a DateStyle
  // or IntervalStyle other than PostgreSQL's defaults); empty when they can.
  std::string datestyle_problem_, intervalstyle_problem_;
  std::string timezone_, datestyle_, client_encoding_;  // as PostgreSQL last reported them
  bool backslash_strings_ = false;                      // standard_conforming_strings = off
  // Shapes (statement_shape) of one-statement writes that PostgreSQL's parser accepted in this
  // session: another write of the same shape needs no parse before its rewrite. Bounded.
  std::unordered_set<std::string> parsed_shapes_;
};

}  // namespace tandem::pgwire

// Rewriting for row images: Parse and simple Query texts get a RETURNING list, Execute of a
// rewritten portal gets a Describe before it (its answer is kept, not forwarded) so every result
// row can be split at the marker, and answers lose the columns the client did not ask for.
#include "protocol/pgwire/mirror_filter.hpp"

#include "protocol/pgwire/backend_messages.hpp"
#include "protocol/pgwire/frontend_messages.hpp"
#include "protocol/pgwire/returning_rewrite.hpp"
#include "protocol/sql/copy_from.hpp"
#include "protocol/sql/translator.hpp"

namespace tandem::pgwire {
namespace {

char op_letter(DmlKind k) {
  switch (k) {
    case DmlKind::insert:
      return 'i';
    case DmlKind::update:
      return 'u';
    case DmlKind::remove:
      return 'd';
  }
  return 0;
}

constexpr std::size_t kMaxImageBytes = 64u << 20;  // per statement

int marker_index(const std::vector<FieldDescription>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == kImageMarker) return static_cast<int>(i);
  return -1;
}

}  // namespace

std::optional<ImageRewrite> MirrorFilter::rewrite(std::string_view statement) const {
  // With standard_conforming_strings off, a backslash escapes a quote in '...': the rewrite's
  // tokeniser would misread such strings.
  if (backslash_strings_) return std::nullopt;
  auto r = rewrite_for_image(statement);
  if (r && mirrored_ && !mirrored_(r->schema, r->table)) return std::nullopt;
  return r;
}

std::expected<void, ProtocolError> MirrorFilter::from_client(char type, std::string_view body, std::string_view whole,
                                                             std::string& out) {
  switch (type) {
    case 'Q': {
      auto q = decode_query(body);
      if (!q) break;  // PostgreSQL answers a malformed message itself
      // A query without ';', or whose only ';' ends it (as pgbench and many drivers send), holds
      // one statement at most, which PostgreSQL's split would give back whole, less the blanks
      // around it and the ';'. Unless it is a write to rewrite, and so must be known to parse
      // first, the split is not needed (it is the costliest step here). Not when a line comment
      // may hide that last ';', nor when a ';' appears anywhere else (in a string, say).
      std::optional<ImageRewrite> single;
      std::optional<sql::StatementRange> known;  // the single write's range, when it needs no split
      const auto blank = " \t\r\n\f\v";
      std::string_view text = q->sql;
      if (const auto last = text.find_last_not_of(blank); last != std::string_view::npos && text[last] == ';') {
        text = text.substr(0, last);
        if (text.find("--") != std::string_view::npos) text = q->sql;  // then the split decides
      }
      if (text.find(';') == std::string_view::npos) {
        const auto begin = text.find_first_not_of(blank);
        std::vector<CapturedStatement> statements;
        if (begin != std::string::npos) {
          CapturedStatement s;
          const auto end = text.find_last_not_of(blank) + 1;
          s.sql = q->sql.substr(begin, end - begin);
          single = rewrite(s.sql);
          // One like it parsed, so this one parses too: its range is known without the split.
          if (single && parsed_shapes_.contains(single->shape)) known = sql::StatementRange{begin, end - begin};
          if (!single) statements.push_back(std::move(s));
        }
        if (!single) {
          capture_.on_query_statements(std::move(statements));
          break;
        }
      }
      auto ranges = known ? decltype(sql::statement_ranges(""))(std::vector{*known}) : sql::statement_ranges(q->sql);
      if (ranges && ranges->size() == 1 && single && !known) {
        if (parsed_shapes_.size() >= 512) parsed_shapes_.clear();
        parsed_shapes_.insert(single->shape);
      }
      if (!ranges) {
        // It does not parse, so PostgreSQL refuses the whole query: nothing to rewrite.
        capture_.on_query(q->sql);
        break;
      }
      std::vector<CapturedStatement> statements;
      std::string rewritten;
      std::size_t copied = 0;
      for (const auto& r : *ranges) {
        CapturedStatement s;
        s.sql = q->sql.substr(r.offset, r.length);
        // Only the statement's own bytes change: the client's separators and comments stay.
        // A single statement was rewritten above already.
        if (auto rw = single && ranges->size() == 1 ? std::move(single) : rewrite(s.sql)) {
          s.image_op = op_letter(rw->kind);
          rewritten.append(q->sql, copied, r.offset - copied);
          rewritten += rw->sql;
          copied = r.offset + r.length;
        }
        statements.push_back(std::move(s));
      }
      capture_.on_query_statements(std::move(statements));
      if (copied == 0) break;
      rewritten.append(q->sql, copied);
      encode(out, Query{std::move(rewritten)});
      return {};
    }
    case 'P': {
      auto p = decode_parse(body);
      if (!p) break;
      auto r = rewrite(p->query);
      if (!r) {
        capture_.on_parse(*p);
        break;
      }
      capture_.on_parse(*p, op_letter(r->kind), r->had_returning, r->sql, ddl_epoch_ ? ddl_epoch_->load() : 0);
      p->query = std::move(r->sql);
      encode(out, *p);
      return {};
    }
    case 'B': {
      auto b = decode_bind(body);
      if (!b) break;  // PostgreSQL refuses it, and skips to the next Sync
      // Not in a failed transaction block: PostgreSQL would take the Close and refuse the Parse,
      // and the client's statement would be gone. Its Bind fails there anyway.
      if (ddl_epoch_ && transaction_status_ != 'E') {
        if (auto again = capture_.reprepare(b->statement, ddl_epoch_->load())) {
          encode(out, again->first);
          encode(out, again->second);
        }
      }
      if (!b->result_formats.empty()) {
        // Codes per column, or binary for all, must name the image's columns too (as text).
        if (auto formats = capture_.result_formats_for(b->statement, b->result_formats)) {
          b->result_formats = std::move(*formats);
          capture_.on_bind(*b);
          encode(out, *b);
          return {};
        }
      }
      capture_.on_bind(*b);
      break;
    }
    case 'F':
      capture_.on_sync();  // a function call is answered up to its own ReadyForQuery
      break;
    case 'D': {
      auto d = decode_describe(body);
      if (!d) break;
      capture_.on_describe(*d);
      break;
    }
    case 'E': {
      auto e = decode_execute(body);
      if (!e) {
        // A negative row limit, which PostgreSQL reads as none: keep the answers in step.
        capture_.on_execute(Execute{std::string(body.substr(0, body.find('\0'))), 0});
        break;
      }
      auto [op, client_returning] = capture_.portal_image(e->portal);
      if (!op) {
        capture_.on_execute(*e);
        break;
      }
      // The result rows carry the image: learn their layout first.
      Describe d{'P', e->portal};
      encode(out, d);
      capture_.on_describe(d, true);
      if (!client_returning && e->max_rows > 0) {
        // The client expects no rows, hence no suspension: the image rows come all at once.
        e->max_rows = 0;
        capture_.on_execute(*e);
        encode(out, *e);
        return {};
      }
      capture_.on_execute(*e);
      break;
    }
    case 'd':
      capture_.on_copy_data(body);
      break;
    case 'c':
    case 'f':
      capture_.on_copy_end();
      break;
    case 'C': {
      auto c = decode_close(body);
      if (!c) break;
      capture_.on_close(*c);
      break;
    }
    case 'S':
      capture_.on_sync();
      break;
    default:
      break;
  }
  out.append(whole);
  return {};
}

std::expected<void, ProtocolError> MirrorFilter::from_backend(char type, std::string_view body, std::string_view whole,
                                                              std::string& out) {
  switch (type) {
    case 'T': {
      auto a = capture_.on_row_description_or_no_data();
      if (!a.image_op) break;
      auto rd = decode_row_description(body);
      if (!rd) return std::unexpected(rd.error());
      const int k = marker_index(rd->fields);
      if (k < 0) break;
      if (a.describe) capture_.note_result_shape(a.statement_name, k, rd->fields.size());
      std::vector<FieldDescription> image(rd->fields.begin() + k + 1, rd->fields.end());
      rd->fields.resize(static_cast<std::size_t>(k));
      if (a.injected) {
        // Our own Describe, just before the Execute it prepares: that statement is now in front.
        if (auto* s = capture_.executing()) {
          s->image_marker = k;
          s->image_fields = std::move(image);
        }
        return {};
      }
      if (!a.describe && a.statement) {
        a.statement->image_marker = k;
        a.statement->image_fields = std::move(image);
        if (k == 0) return {};  // a simple Query's write without RETURNING sends no RowDescription
      }
      if (k == 0) {
        encode(out, NoData{});
      } else {
        encode(out, *rd);
      }
      return {};
    }
    case '1':
    case '2':
    case '3':
      if (capture_.on_parse_bind_or_close_complete()) return {};  // answers the proxy's own message
      break;
    case 'n': {
      auto a = capture_.on_row_description_or_no_data();
      if (a.injected) return {};
      break;
    }
    case 'D': {
      auto* s = capture_.executing();
      if (!s || !s->image_op || s->image_marker < 0) break;
      auto row = decode_data_row(body);
      if (!row) return std::unexpected(row.error());
      const auto k = static_cast<std::size_t>(s->image_marker);
      if (row->values.size() != k + 1 + s->image_fields.size())
        return std::unexpected(ProtocolError{"a result row of a rewritten write has " +
                                             std::to_string(row->values.size()) + " columns, expected " +
                                             std::to_string(k + 1 + s->image_fields.size())});
      if (s->unsupported.empty())
        s->unsupported = datestyle_problem_.empty() ? intervalstyle_problem_ : datestyle_problem_;
      if (s->image_bytes <= kMaxImageBytes && !s->over_budget) {
        std::size_t bytes = 0;
        for (std::size_t i = k + 1; i < row->values.size(); ++i)
          bytes += row->values[i] ? row->values[i]->size() + 4 : 4;
        s->image_bytes += bytes;
        if (s->image_bytes > kMaxImageBytes) {
          // The rows stay on PostgreSQL; the proxy does not hold them all in memory.
          s->image_rows.clear();
          s->image_rows.shrink_to_fit();
          s->charge.release();
          s->unsupported = "a write of more than " + std::to_string(kMaxImageBytes >> 20) +
                           " MiB of rows in one statement: " + s->sql.substr(0, 200);
        } else if (capture_.charge(*s, bytes)) {
          s->image_rows.emplace_back(std::make_move_iterator(row->values.begin() + k + 1),
                                     std::make_move_iterator(row->values.end()));
        }
      }
      if (k == 0) return {};
      row->values.resize(k);
      encode(out, *row);
      return {};
    }
    case 'C': {
      auto c = decode_command_complete(body);
      if (!c) return std::unexpected(c.error());
      if (c->tag.starts_with("ALTER") || c->tag.starts_with("CREATE") || c->tag.starts_with("DROP"))
        ddl_in_transaction_ = true;
      capture_.on_command_complete(c->tag);
      break;
    }
    case 'G':
      capture_.on_copy_in_response();
      // PostgreSQL asks for the data of a COPY FROM STDIN: the client's CopyData is kept with it.
      if (auto* s = capture_.executing()) {
        s->copy_in = true;
        // Data for a table that is not mirrored is neither kept nor journaled. A statement that
        // cannot be read here is kept: the applier says why it cannot mirror it.
        auto copy = sql::parse_copy_from(s->sql);
        s->copy_unmirrored = copy && on_mysql_ && !on_mysql_(copy->schema, copy->table);
        s->copy_timezone = timezone_;
        s->copy_datestyle = datestyle_;
        if (!s->copy_unmirrored && !client_encoding_.empty() && client_encoding_ != "UTF8")
          s->unsupported = "a COPY FROM STDIN in a session whose client_encoding is " + client_encoding_ +
                           " (UTF8 only): " + s->sql.substr(0, 200);
      }
      break;
    case 'I':
      capture_.on_empty_query();
      break;
    case 's':
      capture_.on_portal_suspended();
      break;
    case 'E': {
      auto e = decode_error_response(body);
      capture_.on_error(e ? e->sqlstate() : std::string_view{});
      break;
    }
    case 'Z': {
      auto z = decode_ready_for_query(body);
      if (!z) return std::unexpected(z.error());
      transaction_status_ = z->status;
      if (z->status == 'I' && ddl_in_transaction_) {
        // Committed or not, the tables may have changed shape: rewritten statements prepared
        // before are prepared again before their next use, in every session.
        ddl_in_transaction_ = false;
        if (ddl_epoch_) ddl_epoch_->fetch_add(1);
      }
      capture_.on_ready_for_query(z->status);
      break;
    }
    case 'S': {
      auto p = decode_parameter_status(body);
      if (!p) return std::unexpected(p.error());
      adopt_parameter(p->name, p->value);
      break;
    }
    default:
      break;
  }
  out.append(whole);
  return {};
}

void MirrorFilter::adopt_parameter(std::string_view name, std::string_view value) {
  if (name == "standard_conforming_strings") {
    backslash_strings_ = value == "off";
  } else if (name == "client_encoding") {
    client_encoding_ = value;
  } else if (name == "TimeZone") {
    timezone_ = value;
  } else if (name == "DateStyle") {
    datestyle_ = value;
    datestyle_problem_ =
        value.starts_with("ISO") ? "" : "DateStyle is " + std::string(value) + ": row images are read in the ISO style";
  } else if (name == "IntervalStyle") {
    intervalstyle_problem_ =
        value == "postgres" ? ""
                            : "IntervalStyle is " + std::string(value) + ": row images are read in the postgres style";
  }
}

void MirrorFilter::rewrite_prepared() {
  for (const auto& p : capture_.unrewritten())
    if (rewrite(p.query)) adopt_statement(p.name, p);
}

void MirrorFilter::adopt_statement(const std::string& name, const std::optional<Parse>& parse) {
  if (!parse) {
    capture_.adopt(Parse{name, {}, {}});
    return;
  }
  auto r = rewrite(parse->query);
  if (!r) {
    capture_.adopt(*parse);
    return;
  }
  capture_.adopt(*parse, op_letter(r->kind), r->had_returning, std::move(r->sql));
}

}  // namespace tandem::pgwire

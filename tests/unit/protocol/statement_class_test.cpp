// Unit tests of statement classification.
#include <doctest/doctest.h>

#include <array>

#include "protocol/pgwire/statement_class.hpp"

using tandem::pgwire::classify_statement;
using tandem::pgwire::classify_statements;
using tandem::pgwire::StatementClass;

TEST_CASE("the leading keyword decides the class") {
  struct Case {
    const char* sql;
    StatementClass expected;
  };
  const Case cases[] = {
      {"select 1", StatementClass::read},
      {"  -- comment\n /* block /* nested */ */ SELECT * FROM t", StatementClass::read},
      {"((select 1))", StatementClass::read},
      {"values (1)", StatementClass::read},
      {"table t", StatementClass::read},
      {"show search_path", StatementClass::read},
      {"select * into new_t from t", StatementClass::write},
      {"select (select 1 into x) from t", StatementClass::read},
      {"insert into t values (1)", StatementClass::write},
      {"UPDATE t SET a = 1", StatementClass::write},
      {"delete from t", StatementClass::write},
      {"merge into t using s on true when matched then delete", StatementClass::write},
      {"truncate t", StatementClass::write},
      {"create table t (a int)", StatementClass::write},
      {"alter table t add b int", StatementClass::write},
      {"drop table t", StatementClass::write},
      {"do $$ begin perform 1; end $$", StatementClass::write},
      {"call p()", StatementClass::write},
      {"copy t from stdin", StatementClass::write},
      {"copy t to stdout", StatementClass::read},
      {"copy (select 1 from t) to stdout", StatementClass::read},
      {"with x as (select 1) select * from x", StatementClass::read},
      {"with x as (insert into t values (1) returning *) select * from x", StatementClass::write},
      {"with x as (select 'insert') select * from x", StatementClass::read},
      {"explain select 1", StatementClass::read},
      {"explain analyze delete from t", StatementClass::write},
      {"explain (analyze, buffers) select 1", StatementClass::read},
      {"begin", StatementClass::transaction},
      {"START TRANSACTION ISOLATION LEVEL SERIALIZABLE", StatementClass::transaction},
      {"commit", StatementClass::transaction},
      {"end", StatementClass::transaction},
      {"rollback to savepoint a", StatementClass::transaction},
      {"abort", StatementClass::transaction},
      {"savepoint a", StatementClass::transaction},
      {"release a", StatementClass::transaction},
      {"prepare transaction 'x'", StatementClass::transaction},
      {"commit prepared 'x'", StatementClass::transaction},
      {"prepare q as select 1", StatementClass::other},
      {"set search_path = x", StatementClass::other},
      {"listen ch", StatementClass::other},
      {"vacuum t", StatementClass::other},
      {"", StatementClass::other},
      {"-- only a comment", StatementClass::other},
  };
  for (const auto& c : cases) {
    CAPTURE(c.sql);
    CHECK(to_string(classify_statement(c.sql)) == to_string(c.expected));
  }
}

TEST_CASE("multi-statement text is split on top-level semicolons only") {
  std::array<StatementClass, 8> out{};
  const char* sql =
      "select ';'; insert into t values (E'\\';', $$;$$, $tag$ ; $$ ; $tag$, \"a;b\"); "
      "/* ; */ begin; -- ; commit\n commit;;  ";
  const std::size_t n = classify_statements(sql, out);
  REQUIRE(n == 4);
  CHECK(out[0] == StatementClass::read);
  CHECK(out[1] == StatementClass::write);
  CHECK(out[2] == StatementClass::transaction);
  CHECK(out[3] == StatementClass::transaction);
}

TEST_CASE("more statements than slots are counted, and a truncated prefix is classified") {
  std::array<StatementClass, 2> out{};
  CHECK(classify_statements("select 1; select 2; update t set a = 1", out) == 3);
  CHECK(out[1] == StatementClass::read);
  std::array<StatementClass, 2> one{};
  CHECK(classify_statements("insert into t values ('unterminated", one) == 1);
  CHECK(one[0] == StatementClass::write);
  CHECK(classify_statements("select $$ never closed ; ", one) == 1);
}

TEST_CASE("a positional parameter is not a dollar quote") {
  std::array<StatementClass, 4> out{};
  CHECK(classify_statements("select $1; insert into t values ($2)", out) == 2);
  CHECK(out[1] == StatementClass::write);
}

TEST_CASE("a Parse of a name already known keeps whichever of the two may write") {
  using C = StatementClass;
  const C write = C::write, read = C::read, other = C::other;
  // PostgreSQL refuses the second Parse: the write it already holds still runs.
  CHECK(class_for_reparse(&write, C::read) == C::write);
  // The first Parse was refused: the name is free, and the write is the one that runs.
  CHECK(class_for_reparse(&read, C::write) == C::write);
  CHECK(class_for_reparse(&other, C::read) == C::other);
  CHECK(class_for_reparse(&read, C::read) == C::read);
  CHECK(class_for_reparse(nullptr, C::read) == C::read);
  CHECK(class_for_reparse(&write, C::transaction) == C::transaction);
}

// Translator throughput on a realistic statement mix: PostgreSQL's parser alone (the baseline),
// the translator without its cache, and with it. Prints statements/s and ratios.
#include <pg_query.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "protocol/sql/translator.hpp"

namespace {

const char* kSchema[] = {
    "CREATE TABLE pgbench_accounts (aid integer NOT NULL PRIMARY KEY, bid integer, abalance integer, filler char(84))",
    "CREATE TABLE pgbench_branches (bid integer NOT NULL PRIMARY KEY, bbalance integer, filler char(88))",
    "CREATE TABLE pgbench_tellers (tid integer NOT NULL PRIMARY KEY, bid integer, tbalance integer, filler char(84))",
    "CREATE TABLE pgbench_history (tid integer, bid integer, aid integer, delta integer, mtime timestamp, filler "
    "char(22))",
    "CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, name text, created_at "
    "timestamptz NOT NULL DEFAULT now(), active boolean NOT NULL DEFAULT true)",
    "CREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), title text NOT NULL, "
    "body text, published_at timestamptz, score integer DEFAULT 0)",
};

// pgbench's TPC-B statements and ORM-style queries (parameterized, as drivers send them).
const char* kMix[] = {
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
    "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
    "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
    "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
    "BEGIN",
    "COMMIT",
    "SELECT users.id, users.email, users.name, users.created_at FROM users WHERE users.id = $1 LIMIT 1",
    "SELECT users.id, users.email FROM users WHERE users.email = $1 AND users.active = true LIMIT 1",
    "SELECT posts.id, posts.title, posts.published_at FROM posts WHERE posts.user_id = $1 ORDER BY posts.published_at "
    "DESC LIMIT 20 OFFSET $2",
    "SELECT count(*) FROM posts WHERE posts.user_id = $1 AND posts.published_at IS NOT NULL",
    "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id",
    "UPDATE posts SET title = $1, body = $2 WHERE posts.id = $3",
    "DELETE FROM posts WHERE posts.id = $1",
    "SELECT u.id, u.name, count(p.id) AS n FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.created_at > $1 "
    "GROUP BY u.id, u.name HAVING count(p.id) > $2 ORDER BY n DESC",
    "INSERT INTO posts (user_id, title, score) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET score = "
    "EXCLUDED.score",
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::size_t mix = sizeof kMix / sizeof kMix[0];
  const double n = static_cast<double>(rounds) * static_cast<double>(mix);

  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const char* s : kMix) {
      PgQueryParseResult p = pg_query_parse(s);
      pg_query_free_parse_result(p);
    }
  const double parse = n / seconds_since(t0);

  tandem::sql::Translator translator;
  for (const char* ddl : kSchema)
    if (!translator.translate(ddl)) return 2;
  for (const char* s : kMix) {
    auto r = translator.translate_uncached(s);
    if (!r) {
      std::fprintf(stderr, "translate bench: %s: %s\n", s, tandem::sql::describe(r.error()).c_str());
      return 2;
    }
  }
  t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const char* s : kMix) (void)translator.translate_uncached(s);
  const double uncached = n / seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds * 20; ++r)
    for (const char* s : kMix) (void)translator.translate(s);
  const double cached = n * 20 / seconds_since(t0);

  std::printf("statements in the mix: %zu, rounds: %d\n", mix, rounds);
  std::printf("parse only (libpg_query, baseline)  %10.0f statements/s\n", parse);
  std::printf("translate uncached                  %10.0f statements/s  ratio to parse %.3f\n", uncached,
              uncached / parse);
  std::printf("translate cached                    %10.0f statements/s  ratio to parse %.3f\n", cached, cached / parse);
  return 0;
}

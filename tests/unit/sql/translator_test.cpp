// Unit tests of the PostgreSQL -> MySQL translator: exact output for each construct, and each
// refusal with the construct named.
#include <doctest/doctest.h>

#include <string>

#include "protocol/sql/translator.hpp"
#include "tests/common/expected_checks.hpp"

using namespace tandem::sql;

namespace {

const char* kSchema[] = {
    "CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL, city varchar(40), n integer, amount numeric(10,2), "
    "ratio double precision, flag boolean, at timestamptz, ts timestamp, day date, doc jsonb, tags text[], "
    "raw bytea, uid uuid)",
    "CREATE TABLE u (id integer PRIMARY KEY, t_id integer, v text)",
    "CREATE TABLE kv (k varchar(20) PRIMARY KEY, v integer)",
};

struct Fixture {
  Translator translator;
  Fixture() {
    for (const char* ddl : kSchema) {
      auto r = translator.translate(ddl);
      REQUIRE_VALUE(r, describe(r.error()));
    }
  }
  // The MySQL text (statements joined by "; "), or "ERROR: message".
  std::string my(const std::string& pg) {
    auto r = translator.translate(pg);
    if (!r) return "ERROR: " + r.error().message;
    std::string out;
    for (const auto& s : (*r)->statements) out += (out.empty() ? "" : "; ") + s;
    return out;
  }
  bool refused(const std::string& pg, const std::string& fragment) {
    auto r = translator.translate(pg);
    if (r) {
      MESSAGE("translated, expected a refusal: " << pg);
      return false;
    }
    if (r.error().message.find(fragment) == std::string::npos) {
      MESSAGE("refusal of " << pg << " says: " << r.error().message << "; expected it to mention: " << fragment);
      return false;
    }
    return true;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "literals keep their value: strings, escapes, dollar quotes, numbers, booleans") {
  CHECK(my("SELECT 'it''s'") == "SELECT 'it''s' AS `?column?`");
  CHECK(my("SELECT E'a\\tb'") == "SELECT 'a\tb' AS `?column?`");
  CHECK(my("SELECT $$x;y$$") == "SELECT 'x;y' AS `?column?`");
  CHECK(my("SELECT 'back\\slash'") == "SELECT 'back\\slash' AS `?column?`");
  CHECK(my("SELECT -7, 1.5, 1e3, 2.5e-2") ==
        "SELECT -7 AS `?column?`, 1.5 AS `?column?`, 1000 AS `?column?`, 0.025 AS `?column?`");
  CHECK(my("SELECT true, false, NULL") == "SELECT TRUE AS `bool`, FALSE AS `bool`, NULL AS `?column?`");
  CHECK(my("SELECT E'\\x01'") == "SELECT CONVERT(X'01' USING utf8mb4) AS `?column?`");
}

TEST_CASE_FIXTURE(
    Fixture, "names: quoted identifiers keep case, public maps to the default database, other schemas to databases") {
  CHECK(my("SELECT \"Name\" FROM t") == "SELECT `Name` FROM `t`");
  CHECK(my("SELECT x.id FROM sales.orders x") == "SELECT `x`.`id` FROM `sales`.`orders` AS `x`");
  CHECK(my("SELECT public.t.id FROM public.t") == "SELECT `t`.`id` FROM `t`");
  CHECK(my("SELECT 1 AS \"we`ird\"") == "SELECT 1 AS `we``ird`");
}

TEST_CASE_FIXTURE(Fixture, "casts follow the type map") {
  CHECK(my("SELECT n::text FROM t") == "SELECT CAST(`n` AS CHAR) AS `n` FROM `t`");
  CHECK(my("SELECT amount::integer FROM t") == "SELECT CAST(ROUND(`amount`) AS SIGNED) AS `amount` FROM `t`");
  CHECK(my("SELECT CAST(n AS numeric(8,2)) FROM t") == "SELECT CAST(`n` AS DECIMAL(8,2)) AS `n` FROM `t`");
  CHECK(my("SELECT flag::text FROM t") == "SELECT IF(`flag`, 'true', 'false') AS `flag` FROM `t`");
  CHECK(my("SELECT 'yes'::boolean") == "SELECT TRUE AS `bool`");
  CHECK(my("SELECT '2024-01-02 03:04:05+02'::timestamptz") ==
        "SELECT CAST('2024-01-02 01:04:05.000000' AS DATETIME(6)) AS `timestamptz`");
  CHECK(my("SELECT date '2024-03-01'") == "SELECT CAST('2024-03-01' AS DATE) AS `date`");
  CHECK(my("SELECT '\\x00ff'::bytea") == "SELECT X'00FF' AS `bytea`");
  CHECK(refused("SELECT n::money FROM t", "money"));
  CHECK(refused("SELECT 'infinity'::timestamptz", "timestamptz value"));
}

TEST_CASE_FIXTURE(Fixture, "arithmetic: integer division truncates, unknown operand types are refused") {
  CHECK(my("SELECT n / 2 FROM t") == "SELECT (`n` DIV 2) AS `?column?` FROM `t`");
  CHECK(my("SELECT amount / 2 FROM t") == "SELECT (`amount` / 2) AS `?column?` FROM `t`");
  CHECK(my("SELECT ratio / n FROM t") == "SELECT (`ratio` / `n`) AS `?column?` FROM `t`");
  CHECK(my("SELECT 2 ^ 3") == "SELECT POWER(2, 3) AS `?column?`");
  CHECK(my("SELECT n % 3 FROM t") == "SELECT (`n` % 3) AS `?column?` FROM `t`");
  CHECK(refused("SELECT $1 / $2", "cannot tell whether '/' divides integers"));
  CHECK(refused("SELECT nope / 2 FROM t", "cannot tell"));
}

TEST_CASE_FIXTURE(Fixture,
                  "string operators: concatenation, LIKE with an explicit escape, ILIKE, regular expressions") {
  CHECK(my("SELECT name || city FROM t") == "SELECT CONCAT(`name`, `city`) AS `?column?` FROM `t`");
  CHECK(my("SELECT 'x' || flag FROM t") == "SELECT CONCAT('x', IF(`flag`, 'true', 'false')) AS `?column?` FROM `t`");
  CHECK(my("SELECT id FROM t WHERE name LIKE 'a%'") == "SELECT `id` FROM `t` WHERE (`name` LIKE 'a%' ESCAPE '\\')");
  CHECK(my("SELECT id FROM t WHERE name NOT ILIKE 'a%'") ==
        "SELECT `id` FROM `t` WHERE (LOWER(`name`) NOT LIKE LOWER('a%') ESCAPE '\\')");
  CHECK(my("SELECT id FROM t WHERE name LIKE 'a!%' ESCAPE '!'") ==
        "SELECT `id` FROM `t` WHERE (`name` LIKE 'a!%' ESCAPE '!')");
  CHECK(my("SELECT id FROM t WHERE name ~ '^a'") == "SELECT `id` FROM `t` WHERE (`name` REGEXP '^a')");
  CHECK(my("SELECT id FROM t WHERE name ~* '^a'") == "SELECT `id` FROM `t` WHERE (`name` REGEXP CONCAT('(?i)', '^a'))");
  CHECK(my("SELECT id FROM t WHERE name !~ 'x'") == "SELECT `id` FROM `t` WHERE (`name` NOT REGEXP 'x')");
  CHECK(refused("SELECT id FROM t WHERE name SIMILAR TO 'a%'", "SIMILAR TO"));
  CHECK(refused("SELECT tags || tags FROM t", "array concatenation"));
  CHECK(refused("SELECT doc || doc FROM t", "jsonb || jsonb"));
}

TEST_CASE_FIXTURE(Fixture,
                  "comparisons: IS DISTINCT FROM, BETWEEN, IN, ANY/ALL, row values, literals typed by the other side") {
  CHECK(my("SELECT id FROM t WHERE city IS DISTINCT FROM 'x'") == "SELECT `id` FROM `t` WHERE (NOT (`city` <=> 'x'))");
  CHECK(my("SELECT id FROM t WHERE city IS NOT DISTINCT FROM NULL") == "SELECT `id` FROM `t` WHERE (`city` <=> NULL)");
  CHECK(my("SELECT id FROM t WHERE n BETWEEN 1 AND 5") == "SELECT `id` FROM `t` WHERE (`n` BETWEEN 1 AND 5)");
  CHECK(my("SELECT id FROM t WHERE n BETWEEN SYMMETRIC 5 AND 1") ==
        "SELECT `id` FROM `t` WHERE (`n` BETWEEN LEAST(5, 1) AND GREATEST(5, 1))");
  CHECK(my("SELECT id FROM t WHERE n NOT IN (1, 2)") == "SELECT `id` FROM `t` WHERE (`n` NOT IN (1, 2))");
  CHECK(my("SELECT id FROM t WHERE n = ANY(ARRAY[1, 2])") == "SELECT `id` FROM `t` WHERE (`n` IN (1, 2))");
  CHECK(my("SELECT id FROM t WHERE n <> ALL(ARRAY[1, 2])") == "SELECT `id` FROM `t` WHERE (`n` NOT IN (1, 2))");
  CHECK(my("SELECT (1, 2) < (1, 3)") == "SELECT ((1, 2) < (1, 3)) AS `?column?`");
  CHECK(my("SELECT id FROM t WHERE flag = 't'") == "SELECT `id` FROM `t` WHERE (`flag` = TRUE)");
  CHECK(my("SELECT id FROM t WHERE at > '2024-01-01 00:00:00-01'") ==
        "SELECT `id` FROM `t` WHERE (`at` > CAST('2024-01-01 01:00:00.000000' AS DATETIME(6)))");
  CHECK(my("SELECT id FROM t WHERE uid = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'") ==
        "SELECT `id` FROM `t` WHERE (`uid` = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')");
  CHECK(my("SELECT id FROM t WHERE n = ANY($1)") ==
        "SELECT `id` FROM `t` WHERE (CASE WHEN JSON_CONTAINS(?, CAST(`n` AS CHAR)) THEN TRUE WHEN JSON_CONTAINS(?, "
        "'null') OR "
        "`n` IS NULL THEN NULL ELSE FALSE END)");
  auto any = translator.translate("SELECT id FROM t WHERE name <> ALL($1)");
  REQUIRE(any.has_value());
  CHECK((*any)->statements[0].starts_with(
      "SELECT `id` FROM `t` WHERE (NOT (CASE WHEN JSON_CONTAINS(?, JSON_QUOTE(`name`))"));
  CHECK((*any)->parameters == std::vector<int>{1, 1});
  CHECK((*any)->parameter_types == std::vector<std::string>{"text[]"});
  CHECK(refused("SELECT id FROM t WHERE ratio = ANY($1)", "array parameter must be expanded"));
  CHECK(refused("SELECT id FROM t WHERE n < ANY($1)", "array parameter must be expanded"));
  CHECK(refused("SELECT id FROM t WHERE n > ANY(ARRAY[1])", "only as = ANY or <> ALL"));
  CHECK(refused("SELECT id FROM t WHERE flag = 'maybe'", "invalid input for type boolean"));
}

TEST_CASE_FIXTURE(Fixture, "NULL tests, boolean tests, CASE, COALESCE, NULLIF and GREATEST/LEAST that skip NULLs") {
  CHECK(my("SELECT id FROM t WHERE n IS NULL AND flag IS NOT TRUE") ==
        "SELECT `id` FROM `t` WHERE ((`n` IS NULL) AND (`flag` IS NOT TRUE))");
  CHECK(my("SELECT CASE WHEN n > 1 THEN 'a' ELSE 'b' END FROM t") ==
        "SELECT (CASE WHEN (`n` > 1) THEN 'a' ELSE 'b' END) AS `case` FROM `t`");
  CHECK(my("SELECT coalesce(city, 'x'), nullif(n, 0) FROM t") ==
        "SELECT COALESCE(`city`, 'x') AS `coalesce`, NULLIF(`n`, 0) AS `nullif` FROM `t`");
  CHECK(my("SELECT greatest(1, 2)") == "SELECT GREATEST(1, 2) AS `greatest`");
  CHECK(my("SELECT least(n, 5) FROM t") == "SELECT LEAST(COALESCE(`n`, 5), COALESCE(5, `n`)) AS `least` FROM `t`");
}

TEST_CASE_FIXTURE(Fixture, "string functions map to MySQL's with PostgreSQL's edge cases kept") {
  CHECK(my("SELECT length(name), octet_length(name) FROM t") ==
        "SELECT CHAR_LENGTH(`name`) AS `length`, OCTET_LENGTH(`name`) AS `octet_length` FROM `t`");
  CHECK(my("SELECT substring(name from 2 for 3) FROM t") == "SELECT SUBSTRING(`name`, 2, 3) AS `substring` FROM `t`");
  CHECK(my("SELECT substring(name from 0 for 2) FROM t") ==
        "SELECT SUBSTRING(`name`, GREATEST(0, 1), GREATEST(0 + 2 - GREATEST(0, 1), 0)) AS `substring` FROM `t`");
  CHECK(my("SELECT position('a' in name) FROM t") == "SELECT LOCATE('a', `name`) AS `position` FROM `t`");
  CHECK(my("SELECT trim(name), trim(both 'x' from name) FROM t") ==
        "SELECT TRIM(BOTH ' ' FROM `name`) AS `btrim`, TRIM(BOTH 'x' FROM `name`) AS `btrim` FROM `t`");
  CHECK(my("SELECT concat(name, n) FROM t") == "SELECT CONCAT_WS('', `name`, `n`) AS `concat` FROM `t`");
  CHECK(my("SELECT lpad(name, 5) FROM t") == "SELECT LPAD(`name`, 5, ' ') AS `lpad` FROM `t`");
  CHECK(my("SELECT left(name, 2) FROM t") == "SELECT LEFT(`name`, 2) AS `left` FROM `t`");
  CHECK(my("SELECT md5(name), replace(name, 'a', 'b') FROM t") ==
        "SELECT MD5(`name`) AS `md5`, REPLACE(`name`, 'a', 'b') AS `replace` FROM `t`");
  CHECK(
      my("SELECT split_part(name, ',', 2) FROM t").find("SUBSTRING_INDEX(SUBSTRING_INDEX(`name`, ',', 2), ',', -1)") !=
      std::string::npos);
  CHECK(refused("SELECT btrim(name, 'xy') FROM t", "single constant character"));
  CHECK(refused("SELECT substring(name from '[0-9]+') FROM t", "regular expression"));
  CHECK(refused("SELECT regexp_replace(name, 'a', 'b') FROM t", "'g' flag"));
  CHECK(refused("SELECT split_part(name, ',', n) FROM t", "positive constant"));
  CHECK(refused("SELECT initcap(name) FROM t", "initcap"));
}

TEST_CASE_FIXTURE(Fixture, "math functions") {
  CHECK(my("SELECT round(amount, 1), trunc(amount), ceil(ratio), floor(ratio) FROM t") ==
        "SELECT ROUND(`amount`, 1) AS `round`, TRUNCATE(`amount`, 0) AS `trunc`, CEILING(`ratio`) AS `ceil`, "
        "FLOOR(`ratio`) AS `floor` FROM `t`");
  CHECK(my("SELECT log(100), log(2, 8), ln(1)") == "SELECT LOG10(100) AS `log`, LOG(2, 8) AS `log`, LN(1) AS `ln`");
  CHECK(my("SELECT random(), pi()") == "SELECT RAND() AS `random`, (PI() + 0e0) AS `pi`");
  CHECK(my("SELECT mod(n, 3), abs(n), power(2, 3), sqrt(4) FROM t") ==
        "SELECT MOD(`n`, 3) AS `mod`, ABS(`n`) AS `abs`, POWER(2, 3) AS `power`, SQRT(4) AS `sqrt` FROM `t`");
}

TEST_CASE_FIXTURE(Fixture, "date and time: now, intervals in PostgreSQL's order, date_trunc, extract") {
  CHECK(my("SELECT now(), CURRENT_TIMESTAMP, CURRENT_DATE") ==
        "SELECT NOW(6) AS `now`, NOW(6) AS `current_timestamp`, CURRENT_DATE AS `current_date`");
  CHECK(my("SELECT at + interval '1 month 2 days 3 hours' FROM t") ==
        "SELECT (`at` + INTERVAL (1) MONTH + INTERVAL (2) DAY + INTERVAL (10800000000) MICROSECOND) AS `?column?` FROM "
        "`t`");
  CHECK(my("SELECT day + 3, day - day FROM t") ==
        "SELECT DATE_ADD(`day`, INTERVAL (3) DAY) AS `?column?`, DATEDIFF(`day`, `day`) AS `?column?` FROM `t`");
  CHECK(my("SELECT day + interval '1 day' FROM t") ==
        "SELECT (CAST(`day` AS DATETIME(6)) + INTERVAL (1) DAY) AS `?column?` FROM `t`");
  CHECK(my("SELECT date_trunc('month', ts) FROM t") ==
        "SELECT CAST(DATE_FORMAT(`ts`, '%Y-%m-01 00:00:00') AS DATETIME(6)) AS `date_trunc` FROM `t`");
  CHECK(my("SELECT extract(year from ts), extract(dow from ts) FROM t") ==
        "SELECT YEAR(`ts`) AS `extract`, (DAYOFWEEK(`ts`) - 1) AS `extract` FROM `t`");
  CHECK(my("SELECT extract(epoch from at - ts) FROM t") ==
        "SELECT (TIMESTAMPDIFF(MICROSECOND, `ts`, `at`) / 1000000) AS `extract` FROM `t`");
  CHECK(my("SELECT id FROM t WHERE now() - at > interval '1 day'") ==
        "SELECT `id` FROM `t` WHERE (TIMESTAMPDIFF(MICROSECOND, `at`, NOW(6)) > (0 + (1) * 86400000000))");
  CHECK(my("SELECT to_char(ts, 'YYYY-MM-DD HH24:MI') FROM t") ==
        "SELECT DATE_FORMAT(`ts`, '%Y-%m-%d %H:%i') AS `to_char` FROM `t`");
  CHECK(refused("SELECT interval '1 day'", "interval value cannot be returned"));
  CHECK(refused("SELECT age(ts) FROM t", "age()"));
  CHECK(my("SELECT extract(year from age(ts, day)) FROM t") ==
        "SELECT TIMESTAMPDIFF(YEAR, `day`, `ts`) AS `extract` FROM `t`");
  CHECK(my("SELECT extract(month from age(day)) FROM t") ==
        "SELECT (TIMESTAMPDIFF(MONTH, `day`, CURRENT_DATE) % 12) AS `extract` FROM `t`");
  CHECK(refused("SELECT extract(day from age(ts, day)) FROM t", "only year and month"));
  CHECK(refused("SELECT to_char(ts, 'Month') FROM t", "cannot express"));
  CHECK(refused("SELECT date_trunc('century', ts) FROM t", "date_trunc('century')"));
  CHECK(refused("SELECT ts + interval '1 fortnight' FROM t", "not in a supported form"));
  CHECK(refused("SELECT CURRENT_TIME", "CURRENT_TIME"));
}

TEST_CASE_FIXTURE(Fixture, "json operators and functions") {
  CHECK(my("SELECT doc->'a' FROM t") == "SELECT JSON_EXTRACT(`doc`, '$.\"a\"') AS `?column?` FROM `t`");
  CHECK(my("SELECT doc->>'a' FROM t") ==
        "SELECT (CASE WHEN JSON_TYPE(JSON_EXTRACT(`doc`, '$.\"a\"')) = 'NULL' THEN NULL ELSE "
        "JSON_UNQUOTE(JSON_EXTRACT(`doc`, "
        "'$.\"a\"')) COLLATE utf8mb4_nopad_bin END) AS `?column?` FROM `t`");
  CHECK(my("SELECT doc->0 FROM t") == "SELECT JSON_EXTRACT(`doc`, '$[0]') AS `?column?` FROM `t`");
  CHECK(my("SELECT doc#>'{a,b}' FROM t") == "SELECT JSON_EXTRACT(`doc`, '$.\"a\".\"b\"') AS `?column?` FROM `t`");
  CHECK(my("SELECT id FROM t WHERE doc @> '{\"a\": 1}'") ==
        "SELECT `id` FROM `t` WHERE JSON_CONTAINS(`doc`, '{\"a\": 1}')");
  CHECK(my("SELECT jsonb_build_object('a', n) FROM t") ==
        "SELECT JSON_OBJECT('a', `n`) AS `jsonb_build_object` FROM `t`");
  CHECK(refused("SELECT doc ? 'a' FROM t", "json operator ?"));
  CHECK(refused("SELECT doc#>>'{a,0}' FROM t", "numeric json path element"));
  CHECK(refused("SELECT jsonb_set(doc, '{a}', '1') FROM t", "jsonb_set"));
}

TEST_CASE_FIXTURE(Fixture, "aggregates: FILTER, string_agg, bool_and/or, array_agg and json_agg as JSON arrays") {
  CHECK(my("SELECT count(*), count(DISTINCT city) FROM t") ==
        "SELECT COUNT(*) AS `count`, COUNT(DISTINCT `city`) AS `count` FROM `t`");
  CHECK(my("SELECT count(*) FILTER (WHERE flag) FROM t") ==
        "SELECT COUNT(CASE WHEN `flag` THEN 1 END) AS `count` FROM `t`");
  CHECK(my("SELECT sum(n) FILTER (WHERE flag) FROM t") ==
        "SELECT SUM((CASE WHEN `flag` THEN `n` END)) AS `sum` FROM `t`");
  CHECK(my("SELECT string_agg(name, ',' ORDER BY id) FROM t") ==
        "SELECT GROUP_CONCAT(`name` ORDER BY `id` SEPARATOR ',') AS `string_agg` FROM `t`");
  CHECK(my("SELECT bool_and(flag), bool_or(flag) FROM t") ==
        "SELECT (MIN(`flag`) = 1) AS `bool_and`, (MAX(`flag`) = 1) AS `bool_or` FROM `t`");
  CHECK(my("SELECT array_agg(id), json_agg(name) FROM t") ==
        "SELECT JSON_ARRAYAGG(`id`) AS `array_agg`, JSON_ARRAYAGG(`name`) AS `json_agg` FROM `t`");
  CHECK(refused("SELECT array_agg(id ORDER BY id) FROM t", "JSON_ARRAYAGG"));
  CHECK(refused("SELECT string_agg(name, city) FROM t", "separator must be a constant"));
  CHECK(refused("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM t", "percentile_cont"));
}

TEST_CASE_FIXTURE(Fixture, "queries: joins, subqueries, CTEs, set operations, VALUES lists") {
  CHECK(my("SELECT t.id FROM t JOIN u ON u.t_id = t.id LEFT JOIN kv USING (k)") ==
        "SELECT `t`.`id` FROM ((`t` JOIN `u` ON (`u`.`t_id` = `t`.`id`)) LEFT JOIN `kv` USING (`k`))");
  CHECK(my("SELECT 1 FROM t CROSS JOIN u") == "SELECT 1 AS `?column?` FROM (`t` CROSS JOIN `u`)");
  CHECK(my("SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)") ==
        "SELECT `id` FROM `t` WHERE EXISTS (SELECT 1 AS `?column?` FROM `u` WHERE (`u`.`t_id` = `t`.`id`))");
  CHECK(my("SELECT id FROM t WHERE id IN (SELECT t_id FROM u)") ==
        "SELECT `id` FROM `t` WHERE (`id` IN (SELECT `t_id` FROM `u`))");
  CHECK(my("WITH RECURSIVE r (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) SELECT i FROM r") ==
        "WITH RECURSIVE `r` (`i`) AS ((SELECT 1 AS `?column?`) UNION ALL (SELECT (`i` + 1) AS `?column?` FROM `r` "
        "WHERE (`i` < 3))) "
        "SELECT `i` FROM `r`");
  CHECK(my("SELECT id FROM t UNION SELECT id FROM u ORDER BY 1") ==
        "(SELECT `id` FROM `t`) UNION (SELECT `id` FROM `u`) ORDER BY (`id` IS NULL), 1");
  CHECK(my("SELECT * FROM (VALUES (1, 'a')) AS v (x, y)") == "SELECT * FROM (SELECT 1 AS `x`, 'a' AS `y`) AS `v`");
  CHECK(refused("SELECT DISTINCT ON (id) id FROM t", "DISTINCT ON"));
  CHECK(refused("SELECT 1 FROM t FULL JOIN u ON true", "FULL JOIN"));
  CHECK(refused("SELECT 1 FROM t, LATERAL (SELECT 1) x", "LATERAL"));
  CHECK(refused("SELECT * FROM generate_series(1, 2)", "functions in FROM"));
  CHECK(refused("SELECT ARRAY(SELECT 1)", "ARRAY(subquery)"));
  CHECK(refused("SELECT x.a FROM (SELECT 1) AS x (a)", "column aliases on a subquery"));
  CHECK(refused("SELECT n, count(*) FROM t GROUP BY CUBE (n)", "GROUPING SETS"));
}

TEST_CASE_FIXTURE(Fixture, "ORDER BY keeps PostgreSQL's NULL placement; LIMIT, OFFSET, FETCH FIRST") {
  CHECK(my("SELECT id FROM t ORDER BY n") == "SELECT `id` FROM `t` ORDER BY (`n` IS NULL), `n`");
  CHECK(my("SELECT id FROM t ORDER BY n DESC") == "SELECT `id` FROM `t` ORDER BY (`n` IS NULL) DESC, `n` DESC");
  CHECK(my("SELECT id FROM t ORDER BY n NULLS FIRST") == "SELECT `id` FROM `t` ORDER BY `n`");
  CHECK(my("SELECT id FROM t ORDER BY n DESC NULLS LAST") == "SELECT `id` FROM `t` ORDER BY `n` DESC");
  CHECK(my("SELECT id FROM t ORDER BY id DESC") ==
        "SELECT `id` FROM `t` ORDER BY `id` DESC");  // NOT NULL: no extra key
  CHECK(my("SELECT id FROM t ORDER BY id LIMIT 5 OFFSET 10") == "SELECT `id` FROM `t` ORDER BY `id` LIMIT 5 OFFSET 10");
  CHECK(my("SELECT id FROM t OFFSET 3") == "SELECT `id` FROM `t` LIMIT 18446744073709551615 OFFSET 3");
  CHECK(my("SELECT id FROM t FETCH FIRST 2 ROWS ONLY") == "SELECT `id` FROM `t` LIMIT 2");
  CHECK(my("SELECT id FROM t LIMIT $1") == "SELECT `id` FROM `t` LIMIT ?");
  CHECK(refused("SELECT id FROM t ORDER BY id FETCH FIRST 1 ROWS WITH TIES", "WITH TIES"));
  CHECK(refused("SELECT id FROM t LIMIT 1 + 1", "integer constant or a parameter"));
}

TEST_CASE_FIXTURE(Fixture, "window functions and frames") {
  CHECK(my("SELECT row_number() OVER (PARTITION BY city ORDER BY id) FROM t") ==
        "SELECT ROW_NUMBER() OVER (PARTITION BY `city` ORDER BY `id`) AS `row_number` FROM `t`");
  CHECK(my("SELECT sum(n) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t") ==
        "SELECT SUM(`n`) OVER (ORDER BY `id` ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS `sum` FROM `t`");
  CHECK(my("SELECT sum(n) OVER w FROM t WINDOW w AS (PARTITION BY city)") ==
        "SELECT SUM(`n`) OVER `w` AS `sum` FROM `t` WINDOW `w` AS (PARTITION BY `city`)");
  CHECK(refused("SELECT sum(n) OVER (ORDER BY id GROUPS 1 PRECEDING) FROM t", "GROUPS"));
  CHECK(refused("SELECT lag(n, 1, 0) OVER (ORDER BY id) FROM t", "default value"));
}

TEST_CASE_FIXTURE(Fixture, "locking clauses") {
  CHECK(my("SELECT id FROM t FOR UPDATE") == "SELECT `id` FROM `t` FOR UPDATE");
  CHECK(my("SELECT id FROM t FOR UPDATE SKIP LOCKED") == "SELECT `id` FROM `t` FOR UPDATE SKIP LOCKED");
  CHECK(my("SELECT id FROM t FOR NO KEY UPDATE NOWAIT") == "SELECT `id` FROM `t` FOR UPDATE NOWAIT");
  CHECK(my("SELECT id FROM t FOR SHARE") == "SELECT `id` FROM `t` LOCK IN SHARE MODE");
  CHECK(refused("SELECT id FROM t FOR SHARE NOWAIT", "FOR SHARE with NOWAIT"));
  CHECK(refused("SELECT id FROM t FOR UPDATE OF t", "OF <table>"));
}

TEST_CASE_FIXTURE(Fixture,
                  "INSERT: multi-row, DEFAULT, SELECT, literals converted to the column's type, parameters mapped") {
  CHECK(my("INSERT INTO kv (k, v) VALUES ('a', 1), ('b', DEFAULT)") ==
        "INSERT INTO `kv` (`k`, `v`) VALUES ('a', 1), ('b', DEFAULT)");
  CHECK(my("INSERT INTO t (id, name, flag, at, tags) VALUES (1, 'x', 'f', '2024-01-01 00:00:00+01', '{a,b}')") ==
        "INSERT INTO `t` (`id`, `name`, `flag`, `at`, `tags`) VALUES (1, 'x', FALSE, CAST('2023-12-31 23:00:00.000000' "
        "AS "
        "DATETIME(6)), '[\"a\",\"b\"]')");
  CHECK(my("INSERT INTO kv SELECT v::text, id FROM u") ==
        "INSERT INTO `kv` SELECT CAST(`v` AS CHAR) AS `v`, `id` FROM `u`");
  CHECK(my("INSERT INTO kv DEFAULT VALUES") == "INSERT INTO `kv` () VALUES ()");
  auto r = translator.translate("INSERT INTO t (id, name, at) VALUES ($2, $1, $3)");
  REQUIRE(r.has_value());
  CHECK((*r)->parameters == std::vector<int>{2, 1, 3});
  CHECK((*r)->parameter_types == std::vector<std::string>{"text", "integer", "timestamp with time zone"});
  CHECK((*r)->statement_class == StatementClass::write);
  REQUIRE((*r)->tables.size() == 1);
  CHECK((*r)->tables[0].name == "t");
}

TEST_CASE_FIXTURE(Fixture, "repeated parameters are mapped once per placeholder") {
  auto r = translator.translate("SELECT id FROM t WHERE n = $1 OR id = $1 OR city = $2");
  REQUIRE(r.has_value());
  CHECK((*r)->statements[0] == "SELECT `id` FROM `t` WHERE ((`n` = ?) OR (`id` = ?) OR (`city` = ?))");
  CHECK((*r)->parameters == std::vector<int>{1, 1, 2});
}

TEST_CASE_FIXTURE(Fixture, "ON CONFLICT becomes ON DUPLICATE KEY UPDATE where only one unique key can fire") {
  CHECK(my("INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO NOTHING") ==
        "INSERT INTO `kv` (`k`, `v`) VALUES ('a', 1) ON DUPLICATE KEY UPDATE `k` = `k`");
  CHECK(my("INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = kv.v + EXCLUDED.v") ==
        "INSERT INTO `kv` (`k`, `v`) VALUES ('a', 1) ON DUPLICATE KEY UPDATE `v` = (`kv`.`v` + VALUES(`v`))");
  auto r = translator.translate("INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT DO NOTHING");
  REQUIRE(r.has_value());
  CHECK_FALSE((*r)->exact_row_count);
  CHECK(refused("INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = 2 WHERE kv.v > 1", "WHERE"));
  CHECK(refused("INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = 2, k = k || v",
                "left to right"));
  REQUIRE(translator.translate("CREATE TABLE two_keys (a integer PRIMARY KEY, b integer UNIQUE)").has_value());
  CHECK(refused("INSERT INTO two_keys VALUES (1, 2) ON CONFLICT (a) DO NOTHING", "several unique keys"));
}

TEST_CASE_FIXTURE(Fixture, "RETURNING is stripped and reported for the caller to emulate") {
  auto r = translator.translate("INSERT INTO kv (k, v) VALUES ('a', 1) RETURNING k, v AS value");
  REQUIRE(r.has_value());
  CHECK((*r)->statements[0] == "INSERT INTO `kv` (`k`, `v`) VALUES ('a', 1)");
  CHECK((*r)->emulation.starts_with("RETURNING k, value:"));
}

TEST_CASE_FIXTURE(Fixture, "UPDATE ... FROM, DELETE ... USING, TRUNCATE as transactional DELETE") {
  CHECK(my("UPDATE t SET n = n + 1 WHERE id = 1") == "UPDATE `t` SET `n` = (`n` + 1) WHERE (`id` = 1)");
  CHECK(my("UPDATE t x SET n = u.id FROM u WHERE u.t_id = x.id") ==
        "UPDATE `t` AS `x`, `u` SET `x`.`n` = `u`.`id` WHERE (`u`.`t_id` = `x`.`id`)");
  CHECK(my("UPDATE t SET (n, city) = (1, 'a') WHERE id = 2") ==
        "UPDATE `t` SET `n` = 1, `city` = 'a' WHERE (`id` = 2)");
  CHECK(my("DELETE FROM t WHERE id = 1") == "DELETE FROM `t` WHERE (`id` = 1)");
  CHECK(my("DELETE FROM u USING t WHERE t.id = u.t_id") == "DELETE `u` FROM `u`, `t` WHERE (`t`.`id` = `u`.`t_id`)");
  CHECK(my("TRUNCATE u, kv") == "DELETE FROM `u`; DELETE FROM `kv`");
  CHECK(refused("UPDATE t SET n = 1, id = n WHERE id = 1", "MySQL evaluates SET left to right"));
  CHECK(refused("TRUNCATE u RESTART IDENTITY", "RESTART IDENTITY"));
  CHECK(refused("TRUNCATE u CASCADE", "CASCADE"));
  CHECK(refused("INSERT INTO kv AS x VALUES ('a', 1)", "alias on the INSERT target"));
}

TEST_CASE_FIXTURE(Fixture, "transactions: isolation levels before START TRANSACTION, savepoints") {
  CHECK(my("BEGIN") == "START TRANSACTION");
  CHECK(my("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") ==
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION READ ONLY");
  CHECK(my("COMMIT") == "COMMIT");
  CHECK(my("END") == "COMMIT");
  CHECK(my("ABORT") == "ROLLBACK");
  CHECK(my("SAVEPOINT s1") == "SAVEPOINT `s1`");
  CHECK(my("RELEASE s1") == "RELEASE SAVEPOINT `s1`");
  CHECK(my("ROLLBACK TO s1") == "ROLLBACK TO SAVEPOINT `s1`");
  CHECK(refused("PREPARE TRANSACTION 'x'", "two-phase"));
  auto r = translator.translate("COMMIT");
  REQUIRE(r.has_value());
  CHECK((*r)->statement_class == StatementClass::transaction);
}

TEST_CASE_FIXTURE(Fixture, "SET/RESET/SHOW: harmless settings are no-ops, timeouts are translated, the rest refused") {
  CHECK(my("SET application_name = 'x'") == "");
  CHECK(my("SET extra_float_digits = 3") == "");
  CHECK(my("SET TIME ZONE 'UTC'") == "");
  CHECK(my("SET client_encoding TO 'UTF8'") == "");
  CHECK(my("SET DateStyle = 'ISO, MDY'") == "");
  CHECK(my("SET search_path = public") == "");
  CHECK(my("SET statement_timeout = 1500") == "SET SESSION max_statement_time = 1.500");
  CHECK(my("SET statement_timeout = '2min'") == "SET SESSION max_statement_time = 120.000");
  CHECK(my("RESET statement_timeout") == "SET SESSION max_statement_time = 0.000");
  CHECK(my("SET lock_timeout = '1500ms'") == "SET SESSION innodb_lock_wait_timeout = 2");
  auto show = translator.translate("SHOW TimeZone");
  REQUIRE(show.has_value());
  CHECK((*show)->statement_class == StatementClass::session);
  CHECK((*show)->emulation.find("session's settings") != std::string::npos);
  CHECK(refused("SET TimeZone = 'Europe/Paris'", "only UTC"));
  CHECK(refused("SET search_path = app", "search_path"));
  CHECK(refused("SET DateStyle = 'SQL'", "only ISO"));
  CHECK(refused("SET client_encoding = 'LATIN1'", "UTF8"));
  CHECK(refused("SET work_mem = '1GB'", "work_mem"));
  Translator mysql({.dialect = Dialect::mysql});
  auto r = mysql.translate("SET statement_timeout = 1500");
  REQUIRE(r.has_value());
  CHECK((*r)->statements[0] == "SET SESSION max_execution_time = 1500");
}

TEST_CASE_FIXTURE(Fixture, "CREATE TABLE: the type map, keys, defaults, checks and references") {
  const std::string sql =
      my("CREATE TABLE acct (id bigserial PRIMARY KEY, code text UNIQUE, price numeric(12,2) NOT NULL DEFAULT 0, "
         "created timestamptz DEFAULT now(), doc jsonb DEFAULT '{}', ok boolean DEFAULT true, "
         "parent bigint REFERENCES acct (id) ON DELETE CASCADE, CHECK (price >= 0))");
  CHECK(
      sql ==
      "CREATE TABLE `acct` (`id` BIGINT NOT NULL AUTO_INCREMENT, `code` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE "
      "utf8mb4_nopad_bin, `price` DECIMAL(12,2) NOT NULL DEFAULT 0, `created` DATETIME(6) DEFAULT "
      "CURRENT_TIMESTAMP(6), "
      "`doc` JSON DEFAULT ('{}'), `ok` BOOLEAN DEFAULT TRUE, `parent` BIGINT, PRIMARY KEY (`id`), UNIQUE (`code`), "
      "FOREIGN KEY (`parent`) REFERENCES `acct` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION, CHECK ((`price` >= 0))) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  CHECK(my("CREATE TABLE g (id integer GENERATED BY DEFAULT AS IDENTITY, v real, w double precision, b bytea, d date, "
           "tm time, ts timestamp(3), u uuid, ip inet, a integer[])") ==
        "CREATE TABLE `g` (`id` INT NOT NULL AUTO_INCREMENT, `v` FLOAT, `w` DOUBLE, `b` LONGBLOB, `d` DATE, `tm` "
        "TIME(6), "
        "`ts` DATETIME(3), `u` CHAR(36) CHARACTER SET ascii COLLATE ascii_bin, `ip` VARCHAR(43) CHARACTER SET ascii "
        "COLLATE "
        "ascii_bin, `a` JSON, KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  CHECK(my("CREATE TYPE mood AS ENUM ('sad', 'ok')") == "");
  CHECK(my("CREATE TABLE m (id integer PRIMARY KEY, feeling mood)") ==
        "CREATE TABLE `m` (`id` INT NOT NULL, `feeling` ENUM('sad','ok') CHARACTER SET utf8mb4 COLLATE "
        "utf8mb4_nopad_bin, "
        "PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  CHECK(refused("CREATE TABLE bad (a int4range)", "int4range"));
  CHECK(refused("CREATE TABLE bad (a numeric(70,2))", "precision of 65"));
  CHECK(refused("CREATE TABLE bad (a integer, \"A\" integer)", "differ only in case"));
  CHECK(refused("CREATE TABLE bad (a integer) PARTITION BY RANGE (a)", "partitioned"));
  CHECK(refused("CREATE TABLE bad (a timetz)", "time with time zone"));
  CHECK(refused("CREATE TABLE bad (a integer GENERATED ALWAYS AS (1) STORED)", "generated columns"));
  CHECK(refused("CREATE TABLE bad (a integer REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)", "INITIALLY DEFERRED"));
}

TEST_CASE_FIXTURE(Fixture, "indexes, ALTER TABLE, RENAME and DROP") {
  CHECK(my("CREATE INDEX t_name_idx ON t (name, n DESC)") ==
        "CREATE INDEX `t_name_idx` ON `t` (`name`(255), `n` DESC)");
  CHECK(my("CREATE UNIQUE INDEX t_city_idx ON t (city)") == "CREATE UNIQUE INDEX `t_city_idx` ON `t` (`city`)");
  CHECK(my("DROP INDEX t_name_idx") == "DROP INDEX `t_name_idx` ON `t`");
  CHECK(my("ALTER TABLE t ADD COLUMN extra integer DEFAULT 5") == "ALTER TABLE `t` ADD COLUMN `extra` INT DEFAULT 5");
  CHECK(my("ALTER TABLE t ALTER COLUMN extra TYPE bigint") == "ALTER TABLE `t` MODIFY COLUMN `extra` BIGINT DEFAULT 5");
  CHECK(my("ALTER TABLE t ALTER COLUMN extra SET NOT NULL") ==
        "ALTER TABLE `t` MODIFY COLUMN `extra` BIGINT NOT NULL DEFAULT 5");
  CHECK(my("ALTER TABLE t ALTER COLUMN extra DROP DEFAULT") == "ALTER TABLE `t` ALTER COLUMN `extra` DROP DEFAULT");
  CHECK(my("ALTER TABLE t RENAME COLUMN extra TO more") == "ALTER TABLE `t` RENAME COLUMN `extra` TO `more`");
  CHECK(my("ALTER TABLE t DROP COLUMN more") == "ALTER TABLE `t` DROP COLUMN `more`");
  CHECK(my("ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0)") ==
        "ALTER TABLE `t` ADD CONSTRAINT `n_pos` CHECK ((`n` > 0))");
  CHECK(my("ALTER TABLE t DROP CONSTRAINT n_pos") == "ALTER TABLE `t` DROP CONSTRAINT `n_pos`");
  CHECK(my("ALTER TABLE u RENAME TO u2") == "RENAME TABLE `u` TO `u2`");
  CHECK(my("DROP TABLE IF EXISTS u2, kv") == "DROP TABLE IF EXISTS `u2`, `kv`");
  CHECK(refused("CREATE INDEX e ON t (lower(name))", "expression indexes"));
  CHECK(refused("CREATE INDEX p ON t (n) WHERE flag", "partial indexes"));
  CHECK(refused("CREATE INDEX g ON t USING gin (doc)", "gin indexes"));
  CHECK(refused("CREATE UNIQUE INDEX un ON t (name)", "only a prefix"));
  CHECK(refused("ALTER TABLE t ALTER COLUMN nope SET NOT NULL", "not known to the translator"));
  CHECK(refused("DROP TABLE t CASCADE", "CASCADE"));
  CHECK(refused("DROP SCHEMA s", "DROP DATABASE"));
  CHECK(refused("DROP INDEX unknown_idx", "its table is not known"));
}

TEST_CASE_FIXTURE(Fixture, "a refused DDL statement leaves the catalog as it was") {
  CHECK(refused("CREATE TABLE half (id integer PRIMARY KEY, r int4range)", "int4range"));
  CHECK(refused("SELECT id / 2 FROM half", "cannot tell"));  // half stayed unknown
}

TEST_CASE_FIXTURE(Fixture, "syntax errors and unsupported statements name what and where") {
  auto r = translator.translate("SELEC 1");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("syntax error") != std::string::npos);
  CHECK(r.error().position == 1);
  auto v = translator.translate("SELECT id FROM t WHERE name SIMILAR TO 'x'");
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().position > 20);
  CHECK(refused("VACUUM t", "Vacuum statements are not supported"));
  CHECK(refused("COPY t FROM STDIN", "Copy statements"));
  CHECK(refused("SELECT 1; SELECT 2", "several statements"));
}

TEST_CASE_FIXTURE(Fixture, "results are cached by statement text and DDL empties the cache") {
  auto a = translator.translate("SELECT id FROM t");
  auto b = translator.translate("SELECT id FROM t");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->get() == b->get());
  CHECK(translator.cache_size() >= 1);
  REQUIRE(translator.translate("CREATE TABLE fresh (id integer PRIMARY KEY)").has_value());
  CHECK(translator.cache_size() == 0);
}

TEST_CASE("the MySQL dialect uses MySQL 8.0's no-pad binary collation and native JSON comparison") {
  Translator t({.dialect = Dialect::mysql});
  REQUIRE(t.translate("CREATE TABLE j (id integer PRIMARY KEY, d jsonb, s text)").has_value());
  auto r = t.translate("SELECT id FROM j WHERE d = '{\"a\": 1}'");
  REQUIRE(r.has_value());
  CHECK((*r)->statements[0] == "SELECT `id` FROM `j` WHERE (CAST(`d` AS JSON) = CAST('{\"a\": 1}' AS JSON))");
  auto c = t.translate("CREATE TABLE k (s text)");
  REQUIRE(c.has_value());
  CHECK((*c)->statements[0].find("utf8mb4_0900_bin") != std::string::npos);
}

TEST_CASE(
    "statements split with PostgreSQL's scanner: semicolons in strings, identifiers, comments and dollar quotes") {
  auto r = split_statements("SELECT 'a;b'; SELECT \"x;y\" FROM t; -- c;\nSELECT $$;$$; SELECT $f$ ; $f$;;");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 4);
  CHECK((*r)[0] == "SELECT 'a;b'");
  CHECK((*r)[1] == "SELECT \"x;y\" FROM t");
  CHECK((*r)[2].ends_with("SELECT $$;$$"));
  CHECK((*r)[3] == "SELECT $f$ ; $f$");
  auto bad = split_statements("SELECT 'unterminated");
  CHECK_FALSE(bad.has_value());
}

TEST_CASE_FIXTURE(Fixture, "CREATE TABLE: unbounded text in a composite key shares InnoDB's 3072-byte key budget") {
  // (text, integer): 3072 bytes less the integer's 4, in utf8mb4 characters of 4 bytes.
  CHECK(my("CREATE TABLE pairs (region text, id integer, PRIMARY KEY (region, id))") ==
        "CREATE TABLE `pairs` (`region` VARCHAR(767) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin, `id` "
        "INT, PRIMARY KEY (`region`, `id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  // Two unbounded text columns split what is left; the narrowest key decides.
  CHECK(my("CREATE TABLE kv (a text, b varchar, c bigint, UNIQUE (a, b, c), UNIQUE (a))") ==
        "CREATE TABLE `kv` (`a` VARCHAR(383) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin, `b` VARCHAR(383) "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin, `c` BIGINT, UNIQUE (`a`, `b`, `c`), UNIQUE (`a`)) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  // bytea in a composite key: bytes rather than characters.
  CHECK(my("CREATE TABLE blobs (owner integer, digest bytea, PRIMARY KEY (owner, digest))") ==
        "CREATE TABLE `blobs` (`owner` INT, `digest` VARBINARY(3068), PRIMARY KEY (`owner`, "
        "`digest`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
  // Bounded columns that already need more than the budget are refused with the key named.
  auto r = translator.translate("CREATE TABLE wide (a varchar(700), b varchar(100), PRIMARY KEY (a, b))");
  REQUIRE_FALSE(r.has_value());
  CHECK(tandem::sql::describe(r.error()).find("3072") != std::string::npos);
}

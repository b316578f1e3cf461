-- mode: sequential
CREATE TABLE ddl_basic (id integer PRIMARY KEY, label varchar(50) NOT NULL, amount numeric(8,3) DEFAULT 1.5, flag boolean DEFAULT false, note text DEFAULT 'n/a');
INSERT INTO ddl_basic (id, label) VALUES (1, 'first');
INSERT INTO ddl_basic (id, label, amount, flag, note) VALUES (2, 'second', 2.125, true, NULL);
SELECT * FROM ddl_basic;
CREATE TABLE ddl_types (id bigserial PRIMARY KEY, s smallint, i integer, b bigint, n numeric, r real, d double precision, t text, v varchar(10), c char(3), by bytea, dt date, tm time, ts timestamp, tz timestamptz, u uuid, j json, jb jsonb, ia integer[], ta text[], ip inet);
INSERT INTO ddl_types (s, i, b, n, r, d, t, v, c, by, dt, tm, ts, tz, u, j, jb, ia, ta, ip) VALUES (-32768, 2147483647, -9223372036854775808, 12345.678901, 1.5, 2.25, 'text', 'varchar', 'ab', '\x00', '2024-02-29', '13:14:15.5', '2024-01-01 01:02:03.000004', '2024-01-01 00:00:00-05', 'd0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', '{"a": 1}', '{"b": [true, false]}', '{1,2,3}', '{"x","y"}', '192.168.0.1');
INSERT INTO ddl_types (s) VALUES (NULL);
SELECT * FROM ddl_types;
CREATE TABLE ddl_identity (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
INSERT INTO ddl_identity (name) VALUES ('a'), ('b');
SELECT * FROM ddl_identity;
CREATE TABLE ddl_fk (id serial PRIMARY KEY, basic_id integer REFERENCES ddl_basic (id) ON DELETE SET NULL, qty integer CHECK (qty BETWEEN 1 AND 10), CONSTRAINT qty_even CHECK (qty % 2 = 0));
INSERT INTO ddl_fk (id, basic_id, qty) VALUES (1, 1, 2);
-- error
INSERT INTO ddl_fk (id, basic_id, qty) VALUES (2, 1, 3);
-- error
INSERT INTO ddl_fk (id, basic_id, qty) VALUES (3, 99, 2);
DELETE FROM ddl_basic WHERE id = 1;
SELECT * FROM ddl_fk;
CREATE TABLE ddl_unique (code varchar(20) NOT NULL, region char(2) NOT NULL, name text, CONSTRAINT ddl_unique_pk PRIMARY KEY (code, region), UNIQUE (name));
INSERT INTO ddl_unique (code, region, name) VALUES ('x', 'eu', 'X'), ('x', 'us', 'x');
-- error
INSERT INTO ddl_unique (code, region, name) VALUES ('y', 'eu', 'X');
CREATE INDEX ddl_unique_name_idx ON ddl_unique (name);
CREATE UNIQUE INDEX ddl_basic_label_idx ON ddl_basic (label);
CREATE INDEX ddl_types_ts_idx ON ddl_types (ts DESC, id);
-- error
INSERT INTO ddl_basic (id, label) VALUES (3, 'second');
ALTER TABLE ddl_basic ADD COLUMN extra integer;
ALTER TABLE ddl_basic ADD COLUMN tagged text NOT NULL DEFAULT 'none';
SELECT * FROM ddl_basic;
ALTER TABLE ddl_basic ALTER COLUMN extra SET DEFAULT 42;
INSERT INTO ddl_basic (id, label) VALUES (4, 'fourth');
ALTER TABLE ddl_basic ALTER COLUMN extra DROP DEFAULT;
INSERT INTO ddl_basic (id, label) VALUES (5, 'fifth');
ALTER TABLE ddl_basic ALTER COLUMN extra TYPE bigint;
UPDATE ddl_basic SET extra = 0 WHERE extra IS NULL;
ALTER TABLE ddl_basic ALTER COLUMN extra SET NOT NULL;
-- error
INSERT INTO ddl_basic (id, label) VALUES (6, 'sixth');
ALTER TABLE ddl_basic ALTER COLUMN extra DROP NOT NULL;
ALTER TABLE ddl_basic RENAME COLUMN note TO remark;
SELECT remark FROM ddl_basic;
ALTER TABLE ddl_basic DROP COLUMN tagged;
ALTER TABLE ddl_basic ADD CONSTRAINT amount_positive CHECK (amount > 0);
-- error
UPDATE ddl_basic SET amount = -1 WHERE id = 2;
ALTER TABLE ddl_basic DROP CONSTRAINT amount_positive;
ALTER TABLE ddl_basic RENAME TO ddl_renamed;
SELECT * FROM ddl_renamed;
DROP INDEX ddl_unique_name_idx;
CREATE TYPE size AS ENUM ('S', 'M', 'L');
CREATE TABLE ddl_enum (id integer PRIMARY KEY, sz size NOT NULL);
INSERT INTO ddl_enum VALUES (1, 'M'), (2, 'L');
-- error
INSERT INTO ddl_enum VALUES (3, 'XL');
SELECT * FROM ddl_enum WHERE sz = 'L';
CREATE SEQUENCE ddl_seq;
CREATE TABLE ddl_seq_user (id bigint PRIMARY KEY DEFAULT nextval('ddl_seq'), v text);
DROP TABLE ddl_seq_user;
DROP SEQUENCE ddl_seq;
CREATE TABLE IF NOT EXISTS ddl_enum (id integer PRIMARY KEY);
DROP TABLE ddl_fk, ddl_enum;
DROP TYPE size;
DROP TABLE IF EXISTS ddl_missing;
DROP TABLE ddl_renamed, ddl_types, ddl_identity, ddl_unique;
-- refused
CREATE TABLE ddl_bad1 (id integer PRIMARY KEY, r int4range);
-- refused
CREATE TABLE ddl_bad2 (id integer, big numeric(70, 2));
-- refused
CREATE TABLE ddl_bad3 (id integer) PARTITION BY RANGE (id);
-- refused
CREATE TABLE ddl_bad4 (id integer, CONSTRAINT c EXCLUDE USING gist (id WITH =));
-- refused
CREATE INDEX ddl_bad5 ON customers (lower(name));
-- refused
CREATE INDEX ddl_bad6 ON customers (city) WHERE active;
-- refused
CREATE INDEX ddl_bad7 ON customers USING gin (prefs);
-- refused
CREATE UNIQUE INDEX ddl_bad8 ON customers (name);
-- refused
DROP TABLE customers CASCADE;
-- refused
DROP SCHEMA public;
-- refused
CREATE TABLE ddl_bad9 (id integer PRIMARY KEY, t timetz);
-- refused
CREATE TABLE ddl_bad10 (a integer, "A" integer);
-- refused
CREATE TABLE ddl_bad11 (id integer REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED);
-- refused
CREATE TABLE ddl_bad12 (id integer, g integer GENERATED ALWAYS AS (id * 2) STORED);
-- refused
CREATE TABLE ddl_bad13 () INHERITS (customers);

-- Shared schema and data for the translation corpus: run as written on PostgreSQL and through
-- the translator on MariaDB (so this file is itself a test of DDL and INSERT translation).
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email varchar(120) UNIQUE,
  city varchar(40),
  score integer,
  balance numeric(12,2) NOT NULL DEFAULT 0,
  rating double precision,
  active boolean NOT NULL DEFAULT true,
  created timestamptz NOT NULL,
  birthday date,
  mood mood,
  tags text[],
  prefs jsonb,
  token uuid,
  avatar bytea
);

CREATE TABLE products (
  sku varchar(20) PRIMARY KEY,
  title text NOT NULL,
  price numeric(10,2) NOT NULL CHECK (price >= 0),
  weight real,
  stock integer NOT NULL DEFAULT 0,
  category varchar(30)
);

CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  ordered_at timestamp NOT NULL,
  status varchar(20) NOT NULL,
  total numeric(12,2),
  note text
);

CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sku varchar(20) NOT NULL REFERENCES products (sku),
  qty integer NOT NULL CHECK (qty > 0),
  unit_price numeric(10,2) NOT NULL,
  PRIMARY KEY (order_id, sku)
);

CREATE TABLE kv (k text PRIMARY KEY, v text);
CREATE TABLE counters (name varchar(30) PRIMARY KEY, n integer NOT NULL DEFAULT 0);
CREATE TABLE events (id serial PRIMARY KEY, at timestamptz, payload json, kind text);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX customers_city_idx ON customers (city, name);

INSERT INTO customers (id, name, email, city, score, balance, rating, active, created, birthday, mood, tags, prefs, token, avatar) VALUES
  (1, 'Alice', 'alice@example.com', 'Paris', 90, 100.50, 4.5, true, '2024-01-15 10:30:00+00', '1990-05-17', 'happy', '{red,blue}', '{"theme": "dark", "lang": "fr", "n": 3}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff10'),
  (2, 'bob', 'bob@example.com', 'Berlin', 75, 0, 3.25, true, '2024-02-29 23:59:59.123456+00', '1985-12-01', 'ok', '{green}', '{"theme": "light", "n": 5, "tags": ["a", "b"]}', 'B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', NULL),
  (3, 'Chloé', NULL, 'Paris', NULL, -20.00, NULL, false, '2023-12-31 00:00:00+00', NULL, 'sad', NULL, NULL, NULL, '\x'),
  (4, 'Dmitri 🚀', 'dmitri@example.com', NULL, 60, 12345.67, 0.1, true, '2024-03-10 08:00:00+02', '2000-02-29', NULL, '{}', '{"theme": null}', NULL, NULL),
  (5, 'eve', 'EVE@example.com', 'berlin', 75, 5.05, 2.5, false, '2024-01-01 00:00:00+00', '1970-01-01', 'ok', '{red}', '{"n": 1.5}', NULL, '\x5c30'),
  (6, 'Frank', 'frank@example.com', 'Lisbon', 88, 99.99, 4.75, true, '2022-06-15 12:00:00+00', '1969-07-20', 'happy', NULL, '{"lang": "pt"}', NULL, NULL),
  (7, 'Grace', 'grace@example.com', 'Paris', 95, 1000, 5, true, '2024-05-05 05:05:05+00', '1995-11-30', 'happy', '{blue,green}', '{}', NULL, NULL),
  (8, 'heidi''s', 'heidi@example.com', 'Oslo', 40, 0.01, 1, true, '2024-04-01 09:15:00+00', NULL, NULL, NULL, NULL, NULL, NULL);

INSERT INTO products (sku, title, price, weight, stock, category) VALUES
  ('A-100', 'Widget', 9.99, 0.5, 100, 'tools'),
  ('A-200', 'Gadget', 24.50, 1.25, 0, 'tools'),
  ('B-100', 'Book: SQL', 39.00, 0.8, 12, 'books'),
  ('B-200', 'Book: C++', 59.95, NULL, 3, 'books'),
  ('C-100', 'Coffee 100%', 7.25, 0.25, 250, NULL),
  ('D-100', 'Desk', 199.00, 30, 1, 'furniture');

INSERT INTO orders (id, customer_id, ordered_at, status, total, note) VALUES
  (1, 1, '2024-03-01 10:00:00', 'shipped', 34.49, NULL),
  (2, 1, '2024-03-15 14:30:00', 'pending', 9.99, 'gift'),
  (3, 2, '2024-02-01 09:00:00', 'shipped', 98.95, ''),
  (4, 4, '2024-03-20 18:45:30.5', 'cancelled', 0, 'changed mind'),
  (5, 5, '2024-01-10 11:11:11', 'shipped', 199.00, NULL),
  (6, 6, '2023-12-24 20:00:00', 'shipped', 21.75, 'xmas'),
  (7, 7, '2024-04-02 08:00:00', 'pending', 259.95, NULL),
  (8, 2, '2024-04-03 16:20:00', 'shipped', 7.25, 'Ünïcode nöte');

INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES
  (1, 'A-100', 1, 9.99), (1, 'A-200', 1, 24.50), (2, 'A-100', 1, 9.99), (3, 'B-100', 1, 39.00),
  (3, 'B-200', 1, 59.95), (5, 'D-100', 1, 199.00), (6, 'C-100', 3, 7.25), (7, 'D-100', 1, 199.00),
  (7, 'B-200', 1, 59.95), (8, 'C-100', 1, 7.25);

INSERT INTO kv (k, v) VALUES ('a', '1'), ('A', 'upper'), ('a ', 'trailing space'), ('ключ', 'значение'), ('empty', ''), ('null', NULL);
INSERT INTO counters (name, n) VALUES ('hits', 10), ('misses', 0);
INSERT INTO events (id, at, payload, kind) VALUES
  (1, '2024-01-01 00:00:00+00', '{"type": "login", "user": 1}', 'auth'),
  (2, '2024-01-01 00:00:01.5+00', '{"type": "logout", "user": 1, "extra": {"reason": "timeout"}}', 'auth'),
  (3, NULL, '[1, 2, 3]', NULL),
  (4, '2024-06-30 23:59:59+00', '{"type": "purchase", "amount": 12.5, "items": [{"sku": "A-100"}]}', 'shop');

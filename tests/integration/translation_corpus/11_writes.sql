INSERT INTO counters (name, n) VALUES ('new', 1);
INSERT INTO counters (name) VALUES ('defaulted');
INSERT INTO counters VALUES ('positional', 5);
INSERT INTO counters (name, n) VALUES ('a', 1), ('b', 2), ('c', 3);
INSERT INTO counters (name, n) VALUES ('d', DEFAULT);
INSERT INTO kv (k, v) VALUES ('it''s', E'line\nbreak');
INSERT INTO kv (k, v) VALUES ('b', NULL), ('c', '');
INSERT INTO kv (k, v) VALUES ('🚀', 'rocket');
INSERT INTO kv (k, v) VALUES ('dollar', $$x;y$$);
INSERT INTO products (sku, title, price) VALUES ('Z-1', 'Zed', 1.005);
INSERT INTO products (sku, title, price, weight, stock, category) VALUES ('Z-2', 'Zap', 0, 0.125, 7, NULL);
INSERT INTO customers (id, name, created) VALUES (100, 'New', '2024-07-01 12:00:00+00');
INSERT INTO customers (id, name, created, active) VALUES (101, 'Flag', '2024-07-01 12:00:00+05:30', 'f');
INSERT INTO customers (id, name, created, tags, prefs) VALUES (102, 'Json', '2024-07-01', '{x,"y z"}', '{"k": [1, {"z": null}]}');
INSERT INTO customers (id, name, created, token, avatar) VALUES (103, 'Bin', '2024-07-01', 'C0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A13', '\xdeadbeef');
INSERT INTO customers (id, name, created, birthday, mood) VALUES (104, 'Moody', '2024-07-01', '2001-01-01', 'sad');
INSERT INTO customers (id, name, created, balance, rating) VALUES (105, 'Num', '2024-07-01', -0.5, 1e-7);
-- params: 106 | Param Person | 2024-08-01 10:00:00+00
INSERT INTO customers (id, name, created) VALUES ($1, $2, $3);
INSERT INTO counters (name, n) SELECT city, count(*) FROM customers WHERE city IS NOT NULL GROUP BY city;
INSERT INTO kv (k, v) SELECT 'copy-' || k, v FROM kv WHERE v IS NOT NULL;
INSERT INTO orders (id, customer_id, ordered_at, status) VALUES (100, 1, '2024-09-09 09:09:09', 'new');
INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES (2, 'B-100', 2, 39.00);
-- error
INSERT INTO counters (name, n) VALUES ('hits', 1);
-- error
INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES (1, 'NOPE', 1, 1);
-- error
INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES (2, 'C-100', 0, 1);
-- error
INSERT INTO counters (name, n) VALUES (NULL, 1);
-- error
INSERT INTO products (sku, title, price) VALUES ('N-1', 'Negative', -1);
UPDATE counters SET n = n + 1 WHERE name = 'hits';
UPDATE counters SET n = 0;
UPDATE counters SET n = n WHERE name = 'misses';
UPDATE customers SET score = score + 5 WHERE city = 'Paris';
UPDATE customers SET city = NULL WHERE id = 1;
UPDATE customers SET active = 'false', balance = 0 WHERE id IN (1, 2);
UPDATE customers SET prefs = '{"new": true}' WHERE id = 3;
UPDATE customers SET created = '2025-01-01 00:00:00+01' WHERE id = 4;
UPDATE customers SET name = upper(name), email = lower(email) WHERE email IS NOT NULL;
UPDATE products SET stock = stock - 1 WHERE stock > 0 AND category = 'tools';
UPDATE products SET price = round(price * 1.1, 2);
UPDATE orders SET total = (SELECT sum(qty * unit_price) FROM order_items i WHERE i.order_id = orders.id);
UPDATE orders o SET note = c.name FROM customers c WHERE c.id = o.customer_id AND c.city = 'Paris';
UPDATE products p SET stock = p.stock + i.qty FROM order_items i WHERE i.sku = p.sku AND i.order_id = 7;
-- params: 77 | hits
UPDATE counters SET n = $1 WHERE name = $2;
UPDATE customers SET (score, city) = (1, 'X') WHERE id = 5;
UPDATE counters SET n = n WHERE false;
-- error
UPDATE products SET price = -5 WHERE sku = 'A-100';
DELETE FROM kv WHERE k = 'a';
DELETE FROM kv WHERE v IS NULL;
DELETE FROM order_items WHERE qty > 1;
DELETE FROM orders WHERE id = 3;
DELETE FROM order_items i USING orders o WHERE o.id = i.order_id AND o.status = 'cancelled';
DELETE FROM order_items USING products WHERE products.sku = order_items.sku AND products.category = 'books';
DELETE FROM counters c WHERE c.n = 0;
DELETE FROM kv;
-- params: misses
DELETE FROM counters WHERE name = $1;
-- error
DELETE FROM customers WHERE id = 1;
TRUNCATE kv;
TRUNCATE TABLE counters, kv;
INSERT INTO kv (k, v) VALUES ('r', 'x') RETURNING k;
UPDATE counters SET n = 5 WHERE name = 'hits' RETURNING n;
DELETE FROM kv WHERE k = 'A' RETURNING *;
-- refused
UPDATE counters SET n = n + 1, name = name || n WHERE name = 'hits';
-- refused
TRUNCATE kv RESTART IDENTITY;
-- refused
TRUNCATE customers CASCADE;
-- refused
INSERT INTO kv AS t (k, v) VALUES ('z', 'z');
-- refused
WITH x AS (SELECT 1) INSERT INTO kv (k, v) SELECT 'w', 'w' FROM x;
-- refused
INSERT INTO customers (id, name, created) VALUES (200, 'x', 'infinity');
-- refused
INSERT INTO orders (id, customer_id, ordered_at, status) VALUES (nextval('orders_id_seq'), 1, now(), 'x');

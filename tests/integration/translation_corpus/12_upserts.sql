INSERT INTO counters (name, n) VALUES ('hits', 1) ON CONFLICT (name) DO NOTHING;
INSERT INTO counters (name, n) VALUES ('fresh', 1) ON CONFLICT (name) DO NOTHING;
INSERT INTO counters (name, n) VALUES ('hits', 1), ('fresh2', 2) ON CONFLICT DO NOTHING;
INSERT INTO counters (name, n) VALUES ('hits', 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1;
INSERT INTO counters (name, n) VALUES ('hits', 7) ON CONFLICT (name) DO UPDATE SET n = EXCLUDED.n;
INSERT INTO counters (name, n) VALUES ('misses', 3), ('new', 4) ON CONFLICT (name) DO UPDATE SET n = counters.n + EXCLUDED.n;
INSERT INTO kv (k, v) VALUES ('a', 'replaced') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO kv (k, v) VALUES ('A', 'x'), ('aa', 'y') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v || '!';
-- params: hits | 9
INSERT INTO counters (name, n) VALUES ($1, $2::integer) ON CONFLICT (name) DO UPDATE SET n = EXCLUDED.n;
INSERT INTO products (sku, title, price) VALUES ('A-100', 'Widget 2', 10) ON CONFLICT (sku) DO UPDATE SET title = EXCLUDED.title, price = EXCLUDED.price;
INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES (1, 'A-100', 5, 9.99) ON CONFLICT (order_id, sku) DO UPDATE SET qty = order_items.qty + EXCLUDED.qty;
-- refused
INSERT INTO customers (id, name, email, created) VALUES (1, 'x', 'y', now()) ON CONFLICT (id) DO NOTHING;
-- refused
INSERT INTO counters (name, n) VALUES ('hits', 1) ON CONFLICT (name) DO UPDATE SET n = 2 WHERE counters.n > 5;
-- refused
INSERT INTO products (sku, title, price) VALUES ('A-100', 'W', 1) ON CONFLICT (sku) DO UPDATE SET price = 5, stock = price * 2;

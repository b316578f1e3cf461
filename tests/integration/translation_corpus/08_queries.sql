SELECT * FROM products;
SELECT p.* FROM products p WHERE p.stock > 0;
SELECT DISTINCT city FROM customers;
SELECT DISTINCT status, customer_id FROM orders;
SELECT c.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id;
SELECT c.name, o.id FROM customers c INNER JOIN orders o ON o.customer_id = c.id AND o.status = 'shipped';
SELECT c.name, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id;
SELECT c.name, o.id FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id;
SELECT c.name, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.name;
SELECT p.title, i.qty FROM products p LEFT JOIN order_items i USING (sku);
SELECT * FROM order_items JOIN products USING (sku) WHERE qty > 1;
SELECT count(*) FROM customers CROSS JOIN products;
SELECT c.name, p.title FROM customers c, products p WHERE c.id = 1 AND p.price < 10;
SELECT o.id, c.name, p.title FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id JOIN products p ON p.sku = i.sku;
SELECT a.name, b.name FROM customers a JOIN customers b ON a.city = b.city AND a.id < b.id;
SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders);
SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders);
SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'pending');
SELECT name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
SELECT name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS orders FROM customers c;
SELECT title FROM products WHERE price > (SELECT avg(price) FROM products);
SELECT title FROM products WHERE price > ALL (SELECT unit_price FROM order_items WHERE qty > 1);
SELECT title FROM products WHERE price = ANY (SELECT unit_price FROM order_items);
SELECT t.city, t.n FROM (SELECT city, count(*) AS n FROM customers GROUP BY city) AS t WHERE t.n > 1;
SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS v (num, word);
SELECT v.num * 2 FROM (VALUES (1), (2), (3)) AS v (num);
WITH paris AS (SELECT * FROM customers WHERE city = 'Paris') SELECT name FROM paris WHERE score > 80;
WITH totals AS (SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id) SELECT c.name, t.s FROM customers c JOIN totals t ON t.customer_id = c.id;
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b;
WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i) FROM n;
WITH RECURSIVE fib (a, b, k) AS (SELECT 0, 1, 1 UNION ALL SELECT b, a + b, k + 1 FROM fib WHERE k < 20) SELECT max(a) FROM fib;
SELECT city FROM customers UNION SELECT status FROM orders;
SELECT city FROM customers UNION ALL SELECT city FROM customers;
SELECT customer_id FROM orders INTERSECT SELECT id FROM customers WHERE active;
SELECT id FROM customers EXCEPT SELECT customer_id FROM orders;
SELECT id FROM customers WHERE id < 3 UNION SELECT id FROM customers WHERE id > 6 ORDER BY id;
SELECT name FROM customers WHERE city = 'Paris' UNION ALL SELECT title FROM products WHERE category = 'books' ORDER BY 1 DESC;
SELECT 1 + 1 AS two;
SELECT id, CASE WHEN score >= 90 THEN 'A' WHEN score >= 70 THEN 'B' ELSE 'C' END AS grade FROM customers;
SELECT id, CASE city WHEN 'Paris' THEN 1 WHEN 'Berlin' THEN 2 END FROM customers;
SELECT CASE WHEN active THEN 'yes' ELSE 'no' END FROM customers;
SELECT name FROM customers WHERE CASE WHEN score IS NULL THEN false ELSE score > 80 END;
SELECT id FROM orders WHERE status = 'shipped' FOR UPDATE;
SELECT id FROM orders WHERE status = 'pending' FOR UPDATE SKIP LOCKED;
SELECT id FROM orders WHERE id = 1 FOR UPDATE NOWAIT;
SELECT id FROM orders WHERE id = 2 FOR SHARE;
SELECT id FROM orders WHERE id = 2 FOR NO KEY UPDATE;
SELECT count(*) FROM ONLY customers;
-- refused
SELECT DISTINCT ON (city) city, name FROM customers ORDER BY city, name;
-- refused
SELECT * FROM customers c FULL JOIN orders o ON o.customer_id = c.id;
-- refused
SELECT * FROM customers c, LATERAL (SELECT * FROM orders o WHERE o.customer_id = c.id LIMIT 1) l;
-- refused
SELECT * FROM generate_series(1, 3);
-- refused
SELECT id FROM orders FOR SHARE SKIP LOCKED;
-- refused
SELECT id FROM orders o FOR UPDATE OF o;
-- refused
WITH d AS (DELETE FROM kv RETURNING k) SELECT * FROM d;
-- refused
SELECT t.a FROM (SELECT 1) AS t (a);

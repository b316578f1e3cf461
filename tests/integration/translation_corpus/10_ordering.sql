SELECT id, score FROM customers ORDER BY score, id;
SELECT id, score FROM customers ORDER BY score DESC, id;
SELECT id, score FROM customers ORDER BY score NULLS FIRST, id;
SELECT id, score FROM customers ORDER BY score DESC NULLS LAST, id DESC;
SELECT id, score FROM customers ORDER BY score ASC NULLS LAST, id;
SELECT id, city FROM customers ORDER BY city, id;
SELECT id, city FROM customers ORDER BY city DESC, id DESC;
SELECT id, name FROM customers ORDER BY name;
SELECT k FROM kv ORDER BY k;
SELECT id, score FROM customers ORDER BY 2, 1;
SELECT id, score FROM customers ORDER BY 2 DESC, 1;
SELECT id, score AS s FROM customers ORDER BY s NULLS FIRST, id;
SELECT id FROM customers ORDER BY id LIMIT 3;
SELECT id FROM customers ORDER BY id LIMIT 3 OFFSET 2;
SELECT id FROM customers ORDER BY id OFFSET 5;
SELECT id FROM customers ORDER BY id LIMIT ALL;
SELECT id FROM customers ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM customers ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY;
-- params: 2 | 1
SELECT id FROM customers ORDER BY id LIMIT $1 OFFSET $2;
SELECT id, balance FROM customers ORDER BY balance DESC LIMIT 1;
SELECT city, count(*) FROM customers GROUP BY city ORDER BY count(*) DESC, city;
SELECT id, created FROM customers ORDER BY created;
SELECT sku, price FROM products ORDER BY price * stock DESC, sku;
SELECT id, prefs->>'theme' AS theme FROM customers ORDER BY theme, id;
SELECT id FROM customers ORDER BY length(name), id;
SELECT id, birthday FROM customers ORDER BY birthday DESC, id;
SELECT id, email FROM customers ORDER BY lower(email) NULLS FIRST;
SELECT name FROM customers ORDER BY name DESC LIMIT 2;
-- refused
SELECT id FROM customers ORDER BY id FETCH FIRST 2 ROWS WITH TIES;
-- refused
SELECT id FROM customers LIMIT 1 + 1;
-- refused
SELECT id FROM customers ORDER BY id USING >;

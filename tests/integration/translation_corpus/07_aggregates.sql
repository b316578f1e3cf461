SELECT count(*) FROM customers;
SELECT count(score), count(email), count(DISTINCT city) FROM customers;
SELECT sum(score), min(score), max(score) FROM customers;
SELECT sum(balance), avg(balance) FROM customers;
SELECT avg(score) FROM customers;
SELECT avg(qty) FROM order_items;
SELECT sum(rating), max(rating) FROM customers;
SELECT min(name), max(name) FROM customers;
SELECT min(created), max(birthday) FROM customers;
SELECT city, count(*) FROM customers GROUP BY city;
SELECT city, count(*), sum(balance) FROM customers GROUP BY city HAVING count(*) > 1;
SELECT status, count(*), sum(total) FROM orders GROUP BY status;
SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id HAVING count(*) >= 2;
SELECT active, avg(score) FROM customers GROUP BY active;
SELECT count(*) FILTER (WHERE active) FROM customers;
SELECT sum(balance) FILTER (WHERE city = 'Paris'), count(*) FILTER (WHERE score > 70) FROM customers;
SELECT string_agg(name, ', ' ORDER BY name) FROM customers;
SELECT string_agg(DISTINCT city, '/' ORDER BY city) FROM customers;
SELECT city, string_agg(name, ';' ORDER BY id) FROM customers GROUP BY city;
SELECT bool_and(active), bool_or(active) FROM customers;
SELECT city, bool_and(score > 50) FROM customers WHERE city IS NOT NULL GROUP BY city;
SELECT every(balance >= 0) FROM customers;
SELECT count(*) FROM customers WHERE false;
SELECT sum(score) FROM customers WHERE false;
SELECT max(total) FROM orders WHERE status = 'none';
SELECT category, sum(price * stock) FROM products GROUP BY category;
SELECT sku, sum(qty) FROM order_items GROUP BY sku ORDER BY sku;
SELECT o.customer_id, sum(i.qty * i.unit_price) FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.customer_id;
SELECT count(*) FROM (SELECT DISTINCT city FROM customers) AS t;
SELECT extract(year from ordered_at) AS y, count(*) FROM orders GROUP BY extract(year from ordered_at);
SELECT stddev(score) > 0, variance(qty) >= 0 FROM customers, order_items;
SELECT array_agg(id) FROM customers WHERE city = 'Oslo';
SELECT count(DISTINCT customer_id) FROM orders;
SELECT 1 AS one, count(*) FROM customers GROUP BY 1;
-- refused
SELECT array_agg(id ORDER BY id) FROM customers;
-- refused
SELECT city, count(*) FROM customers GROUP BY ROLLUP (city);
-- refused
SELECT string_agg(name, city) FROM customers;
-- refused
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY score) FROM customers;

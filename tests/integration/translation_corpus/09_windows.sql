SELECT id, row_number() OVER (ORDER BY id) FROM customers;
SELECT id, rank() OVER (ORDER BY score DESC) FROM customers;
SELECT id, dense_rank() OVER (ORDER BY score DESC) FROM customers;
SELECT id, city, row_number() OVER (PARTITION BY city ORDER BY id) FROM customers;
SELECT id, sum(balance) OVER (ORDER BY id) FROM customers;
SELECT id, sum(balance) OVER (PARTITION BY active) FROM customers;
SELECT id, avg(score) OVER (PARTITION BY city) FROM customers;
SELECT id, count(*) OVER () FROM customers;
SELECT id, lag(score) OVER (ORDER BY id), lead(score, 2) OVER (ORDER BY id) FROM customers;
-- refused
SELECT id, lag(name, 1, 'none') OVER (ORDER BY id) FROM customers;
SELECT id, first_value(name) OVER (PARTITION BY city ORDER BY id) FROM customers;
SELECT id, last_value(name) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM customers;
SELECT id, sum(score) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM customers;
SELECT id, sum(score) OVER (ORDER BY id ROWS 2 PRECEDING) FROM customers;
SELECT id, ntile(3) OVER (ORDER BY id) FROM customers;
SELECT id, percent_rank() OVER (ORDER BY id), cume_dist() OVER (ORDER BY id) FROM customers;
SELECT id, sum(total) OVER w, max(total) OVER w FROM orders WINDOW w AS (PARTITION BY customer_id);
SELECT id, row_number() OVER (ORDER BY score, id) FROM customers WHERE score IS NOT NULL;
SELECT id, rank() OVER (ORDER BY score NULLS FIRST), row_number() OVER (ORDER BY score, id) FROM customers;
SELECT customer_id, total, total - avg(total) OVER (PARTITION BY customer_id) FROM orders WHERE total IS NOT NULL;
SELECT * FROM (SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at DESC) AS rn FROM orders) AS t WHERE t.rn = 1;
SELECT id, nth_value(name, 2) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM customers;
-- refused
SELECT id, sum(score) OVER (ORDER BY id GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM customers;
-- refused
SELECT id, sum(score) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM customers;

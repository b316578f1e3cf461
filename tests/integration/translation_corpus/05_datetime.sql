SELECT now() IS NOT NULL;
SELECT CURRENT_TIMESTAMP > '2020-01-01';
SELECT CURRENT_DATE > '2020-01-01';
SELECT LOCALTIMESTAMP IS NOT NULL;
SELECT created FROM customers;
SELECT ordered_at FROM orders;
SELECT birthday FROM customers;
SELECT created + interval '1 day' FROM customers;
SELECT created - interval '2 hours 30 minutes' FROM customers;
SELECT ordered_at + interval '1 month' FROM orders;
SELECT timestamp '2024-01-31 10:00:00' + interval '1 month';
SELECT timestamp '2024-03-31 10:00:00' - interval '1 month';
SELECT date '2024-02-28' + interval '1 day';
SELECT ordered_at + interval '1 year 2 months 3 days 04:05:06' FROM orders;
SELECT timestamp '2024-01-01 00:00:00' + interval '90 seconds';
SELECT timestamp '2024-01-01 00:00:00' + interval '1.5 seconds';
SELECT timestamp '2024-01-01' - interval '1 week';
SELECT birthday + 30 FROM customers WHERE birthday IS NOT NULL;
SELECT birthday - 1 FROM customers WHERE birthday IS NOT NULL;
SELECT date '2024-03-01' - date '2024-02-01';
SELECT CURRENT_DATE - birthday > 0 FROM customers WHERE birthday IS NOT NULL;
SELECT id FROM customers WHERE created > now() - interval '100 years';
SELECT id FROM orders WHERE ordered_at >= timestamp '2024-03-01' AND ordered_at < timestamp '2024-04-01';
SELECT date_trunc('month', ordered_at) FROM orders;
SELECT date_trunc('day', ordered_at) FROM orders;
SELECT date_trunc('hour', created) FROM customers;
SELECT date_trunc('year', ordered_at) FROM orders;
SELECT date_trunc('minute', timestamp '2024-05-06 07:08:09.5');
SELECT date_trunc('week', timestamp '2024-05-09 07:08:09');
SELECT date_trunc('quarter', timestamp '2024-05-09 07:08:09');
SELECT extract(year from ordered_at), extract(month from ordered_at), extract(day from ordered_at) FROM orders;
SELECT extract(hour from ordered_at), extract(minute from ordered_at) FROM orders;
SELECT extract(second from ordered_at) FROM orders;
SELECT extract(dow from ordered_at), extract(doy from ordered_at) FROM orders;
SELECT extract(isodow from date '2024-05-05'), extract(week from date '2024-01-01');
SELECT extract(quarter from birthday) FROM customers WHERE birthday IS NOT NULL;
SELECT extract(epoch from timestamp '2024-01-01 00:00:00');
SELECT extract(epoch from created) FROM customers;
SELECT extract(epoch from timestamp '1960-01-01 00:00:00.25');
SELECT date_part('year', birthday) FROM customers WHERE birthday IS NOT NULL;
SELECT date_part('day', created) FROM customers;
SELECT extract(epoch from (timestamp '2024-01-02 00:00:00' - timestamp '2024-01-01 12:00:00'));
SELECT id FROM orders WHERE now() - ordered_at > interval '1 day';
SELECT id FROM orders WHERE ordered_at - timestamp '2024-01-01' < interval '60 days';
SELECT to_char(ordered_at, 'YYYY-MM-DD') FROM orders;
SELECT to_char(ordered_at, 'DD/MM/YYYY HH24:MI:SS') FROM orders;
SELECT to_char(created, 'YYYY-MM-DD"T"HH24:MI:SS') FROM customers;
SELECT to_char(timestamp '2024-05-06 15:04:05', 'HH12:MI AM');
SELECT to_char(date '2024-05-06', 'Dy Mon DD YYYY');
SELECT to_timestamp(0);
SELECT to_timestamp(1700000000);
SELECT date(ordered_at) FROM orders;
SELECT created::date FROM customers;
SELECT ordered_at::date FROM orders;
SELECT birthday::timestamp FROM customers;
SELECT '2024-05-06 07:08:09'::timestamp;
SELECT id FROM customers WHERE created::date = '2024-01-15';
SELECT max(ordered_at), min(created) FROM orders, customers;
-- refused
SELECT age(timestamp '2024-01-01', timestamp '2020-06-15');
-- refused
SELECT interval '1 day';
-- refused
SELECT to_char(ordered_at, 'Month') FROM orders;
-- refused
SELECT date_trunc('millennium', ordered_at) FROM orders;
-- refused
SELECT CURRENT_TIME;
-- refused
SELECT 'infinity'::timestamptz;
SELECT extract(year from age(timestamp '2024-01-01', timestamp '2020-06-15'));
SELECT extract(month from age(timestamp '2024-01-01', timestamp '2020-06-15'));
SELECT id, extract(year from age(timestamp '2024-06-01', birthday)) FROM customers WHERE birthday IS NOT NULL;
SELECT id FROM customers WHERE extract(year from age(birthday)) >= 30;
-- refused
SELECT extract(day from age(timestamp '2024-01-01', timestamp '2020-06-15'));

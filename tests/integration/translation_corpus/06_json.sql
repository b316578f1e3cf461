SELECT prefs FROM customers;
SELECT prefs->'theme' FROM customers;
SELECT prefs->>'theme' FROM customers;
SELECT prefs->>'lang' FROM customers WHERE prefs->>'lang' IS NOT NULL;
SELECT prefs->'n' FROM customers;
SELECT prefs->'tags'->>0 FROM customers;
SELECT prefs->'tags'->1 FROM customers;
SELECT id FROM customers WHERE prefs->>'theme' = 'dark';
SELECT id FROM customers WHERE prefs->>'theme' IS NULL;
SELECT payload->>'type' FROM events;
SELECT payload->'extra'->>'reason' FROM events;
SELECT payload#>>'{extra,reason}' FROM events;
SELECT payload#>'{extra}' FROM events;
SELECT payload->0 FROM events WHERE id = 3;
SELECT id FROM customers WHERE prefs @> '{"theme": "dark"}';
SELECT id FROM customers WHERE '{"n": 5}' <@ prefs;
SELECT jsonb_build_object('a', 1, 'b', 'x');
SELECT json_build_object('id', id, 'name', name) FROM customers;
SELECT jsonb_build_array(1, 'two', NULL);
SELECT jsonb_array_length(prefs->'tags') FROM customers;
SELECT json_array_length(payload) FROM events WHERE id = 3;
SELECT jsonb_typeof(prefs->'theme'), jsonb_typeof(prefs->'n') FROM customers;
SELECT jsonb_extract_path_text(prefs, 'theme') FROM customers;
SELECT json_extract_path_text(payload, 'extra', 'reason') FROM events;
SELECT id FROM events WHERE payload->>'user' = '1';
SELECT (payload->>'amount')::numeric * 2 FROM events WHERE id = 4;
-- params: theme
SELECT prefs->>$1 FROM customers;
SELECT tags FROM customers;
SELECT json_agg(name) FROM customers WHERE city = 'Oslo';
SELECT prefs = '{"lang": "pt"}' FROM customers WHERE id = 6;
-- refused
SELECT prefs || '{"x": 1}' FROM customers;
-- refused
SELECT prefs ? 'theme' FROM customers;
-- refused
SELECT payload#>>'{items,0,sku}' FROM events;
-- refused
SELECT jsonb_set(prefs, '{a}', '1') FROM customers;

-- mode: sequential
CREATE TABLE tx_log (id integer PRIMARY KEY, what text NOT NULL);
BEGIN;
INSERT INTO tx_log (id, what) VALUES (1, 'kept');
COMMIT;
START TRANSACTION;
INSERT INTO tx_log (id, what) VALUES (2, 'rolled back');
ROLLBACK;
SELECT * FROM tx_log;
BEGIN;
INSERT INTO tx_log (id, what) VALUES (3, 'before savepoint');
SAVEPOINT s1;
INSERT INTO tx_log (id, what) VALUES (4, 'after savepoint');
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
INSERT INTO tx_log (id, what) VALUES (5, 'released');
RELEASE SAVEPOINT s2;
COMMIT;
SELECT * FROM tx_log;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM tx_log;
COMMIT;
BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;
END;
START TRANSACTION READ ONLY;
SELECT what FROM tx_log WHERE id = 1;
ABORT;
BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE;
UPDATE tx_log SET what = 'updated' WHERE id = 1;
COMMIT;
BEGIN;
DELETE FROM tx_log WHERE id = 5;
ROLLBACK;
SELECT * FROM tx_log;
SET application_name = 'corpus';
SET extra_float_digits = 3;
SET TimeZone = 'UTC';
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, MDY';
SET client_encoding = 'UTF8';
SET search_path = public;
SET statement_timeout = 0;
SET statement_timeout = '30s';
RESET statement_timeout;
SET lock_timeout = '2s';
SET standard_conforming_strings = on;
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED;
RESET application_name;
SHOW TimeZone;
DISCARD ALL;
-- refused
SET TimeZone = 'Europe/Paris';
-- refused
SET search_path = other, public;
-- refused
SET DateStyle = 'German';
-- refused
SET client_encoding = 'LATIN1';
-- refused
SET work_mem = '64MB';
-- refused
PREPARE TRANSACTION 'x';
-- refused
SET standard_conforming_strings = off;
DROP TABLE tx_log;

#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 and MariaDB on free loopback ports, runs a command with their
# URLs exported, and stops both afterwards, whatever happens. The only place that knows how the
# test servers are started.
#
#   tests/env/with-servers.sh CMD [ARGS...]   run CMD with the servers up; exit with CMD's status
#   tests/env/with-servers.sh                 start them, print the exports, wait for Ctrl-C
#
# Exports: TANDEM_TEST_PG, TANDEM_TEST_MYSQL, TANDEM_TEST_TLS_CERT, TANDEM_TEST_TLS_KEY,
# TANDEM_TEST_PG_BIN, TANDEM_TEST_PG_DATA, TANDEM_TEST_TMP. Set TANDEM_KEEP_TEST_ENV=1 to keep the
# temporary directory for inspection.
set -euo pipefail

PG_BIN=${TANDEM_PG_BIN:-/usr/lib/postgresql/15/bin}
MARIADB_BIN_DIR=/usr/sbin
log() { printf 'with-servers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 not found in $PG_BIN (run scripts/install-deps)"
command -v mariadbd >/dev/null 2>&1 || [ -x "$MARIADB_BIN_DIR/mariadbd" ] || die "mariadbd not found (run scripts/install-deps)"
command -v ss >/dev/null 2>&1 || die "ss not found (package iproute2)"

# Servers and tests hold many connections (the proxy tests open 500 through two sockets each).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test-env.XXXXXX")
chmod 755 "$TMP"
PG_PID=""
MARIADB_PID=""

# Servers refuse to run as root; run them as their packages' system users when we are root.
if [ "$(id -u)" = 0 ]; then
  PG_USER=postgres
  MY_USER=mysql
  id "$PG_USER" >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
  id "$MY_USER" >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$MY_USER"
  # setpriv execs in place, so $! of a backgrounded server is the server itself.
  as_pg() { setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --init-groups -- "$@"; }
  as_my() { setpriv --reuid="$MY_USER" --regid="$(id -g "$MY_USER")" --init-groups -- "$@"; }
else
  PG_USER=$(id -un)
  MY_USER=$(id -un)
  as_pg() { "$@"; }
  as_my() { "$@"; }
fi

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  if [ -n "$MARIADB_PID" ] && kill -0 "$MARIADB_PID" 2>/dev/null; then
    kill -TERM "$MARIADB_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$MARIADB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MARIADB_PID" 2>/dev/null || true
  fi
  if [ "${TANDEM_KEEP_TEST_ENV:-0}" = 1 ]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nothing listens on and that we have not handed out yet.
USED_PORTS=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768 and up by default), so that no outgoing
    # connection can hold the port by the time a server binds it; no socket in any state on it.
    port=$((20000 + RANDOM % 12000))
    case "$USED_PORTS" in *" $port "*) continue ;; esac
    if ! ss -Htan "sport = :$port" | grep -q .; then
      USED_PORTS="$USED_PORTS$port "
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

wait_until() {  # wait_until SECONDS DESCRIPTION LOGFILE CMD...
  local limit=$1 what=$2 logfile=$3
  shift 3
  for _ in $(seq 1 $((limit * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "$what did not become ready within ${limit}s; last lines of $logfile:"
  tail -n 40 "$logfile" >&2 || true
  exit 1
}

# --- TLS material: one pair for PostgreSQL, one for the proxy under test ---
make_cert() {  # make_cert PREFIX
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$1.key" -out "$1.crt" >/dev/null 2>&1 || die "openssl could not create a certificate"
  chmod 600 "$1.key"
}
make_cert "$TMP/proxy"
mkdir -p "$TMP/pgtls"
make_cert "$TMP/pgtls/server"
chown -R "$PG_USER" "$TMP/pgtls"

# --- PostgreSQL ---
PG_PORT=$(free_port)
mkdir -p "$TMP/pg" "$TMP/pgsock" "$TMP/pglog"
chown "$PG_USER" "$TMP/pg" "$TMP/pgsock" "$TMP/pglog"
as_pg "$PG_BIN/initdb" -D "$TMP/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { tail -n 30 "$TMP/initdb.log" >&2; die "initdb failed"; }
cat >>"$TMP/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$TMP/pgsock'
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_connections = 1000
shared_buffers = 128MB
ssl = on
ssl_cert_file = '$TMP/pgtls/server.crt'
ssl_key_file = '$TMP/pgtls/server.key'
log_min_messages = warning
CONF
cat >"$TMP/pg/pg_hba.conf" <<HBA
local all all trust
host all scram_user 127.0.0.1/32 scram-sha-256
host all scram_user ::1/128 scram-sha-256
host all md5_user 127.0.0.1/32 md5
host all md5_user ::1/128 md5
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
host replication all 127.0.0.1/32 trust
host replication all ::1/128 trust
HBA
as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pglog/postgresql.log" -w -t 60 start >/dev/null \
  || { tail -n 40 "$TMP/pglog/postgresql.log" >&2; die "PostgreSQL did not start"; }
PG_PID=$(head -n 1 "$TMP/pg/postmaster.pid")
PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
psql_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$PG_URL" "$@"; }
psql_admin <<'SQL' >/dev/null
SET password_encryption = 'scram-sha-256';
CREATE ROLE scram_user LOGIN PASSWORD 'scram_pass';
SET password_encryption = 'md5';
CREATE ROLE md5_user LOGIN PASSWORD 'md5_pass';
SQL

# --- MariaDB ---
MY_PORT=$(free_port)
mkdir -p "$TMP/mysql"
chown "$MY_USER" "$TMP/mysql"
MARIADB_INSTALL_DB=$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)
as_my "$MARIADB_INSTALL_DB" --no-defaults --datadir="$TMP/mysql/data" --auth-root-authentication-method=normal \
  --skip-test-db >"$TMP/mariadb-install.log" 2>&1 \
  || { tail -n 30 "$TMP/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
MARIADBD=$(command -v mariadbd || echo "$MARIADB_BIN_DIR/mariadbd")
# A port can still be taken between choosing and binding it: then start again on another.
for attempt in 1 2 3; do
  as_my "$MARIADBD" --no-defaults --datadir="$TMP/mysql/data" --bind-address=127.0.0.1 --port="$MY_PORT" \
    --socket="$TMP/mysql/mysql.sock" --pid-file="$TMP/mysql/mariadb.pid" --skip-name-resolve \
    --local-infile=1 --max-connections=500 --innodb-buffer-pool-size=256M \
    --log-error="$TMP/mysql/mariadb.log" &
  MARIADB_PID=$!
  for _ in $(seq 1 600); do
    if mariadb --no-defaults --protocol=socket --socket="$TMP/mysql/mysql.sock" -uroot -e "SELECT 1" >/dev/null 2>&1; then break; fi
    kill -0 "$MARIADB_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$MARIADB_PID" 2>/dev/null && break
  if [ "$attempt" = 3 ] || ! grep -q "Address already in use" "$TMP/mysql/mariadb.log"; then break; fi
  log "MariaDB could not bind port $MY_PORT; trying another"
  MY_PORT=$(free_port)
done
wait_until 60 "MariaDB" "$TMP/mysql/mariadb.log" mariadb --no-defaults --protocol=socket --socket="$TMP/mysql/mysql.sock" -uroot -e "SELECT 1"
mariadb --no-defaults --protocol=socket --socket="$TMP/mysql/mysql.sock" -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS tandem_test;
FLUSH PRIVILEGES;
SQL
MARIADB_PID=$(cat "$TMP/mysql/mariadb.pid" 2>/dev/null || echo "$MARIADB_PID")

export TANDEM_TEST_PG="$PG_URL"
export TANDEM_TEST_MYSQL="mysql://root@127.0.0.1:$MY_PORT/tandem_test"
export TANDEM_TEST_TLS_CERT="$TMP/proxy.crt"
export TANDEM_TEST_TLS_KEY="$TMP/proxy.key"
export TANDEM_TEST_PG_BIN="$PG_BIN"
export TANDEM_TEST_PG_DATA="$TMP/pg"
export TANDEM_TEST_TMP="$TMP"
export PATH="$PG_BIN:$PATH"
log "PostgreSQL 15 on 127.0.0.1:$PG_PORT, MariaDB on 127.0.0.1:$MY_PORT"

if [ $# -eq 0 ]; then
  for v in TANDEM_TEST_PG TANDEM_TEST_MYSQL TANDEM_TEST_TLS_CERT TANDEM_TEST_TLS_KEY TANDEM_TEST_PG_BIN TANDEM_TEST_PG_DATA TANDEM_TEST_TMP; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  log "servers are up; press Ctrl-C to stop them"
  while true; do sleep 3600; done
fi

set +e
"$@"
status=$?
set -e
exit "$status"

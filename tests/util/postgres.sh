#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server on loopback for tests.
#
#   eval "$(tests/util/postgres.sh start DIR)"   # exports FERRY_TEST_POSTGRES_URL
#   tests/util/postgres.sh stop DIR              # keeps DIR; rm -rf it to start clean
#
# DIR holds the cluster (DIR/data), its log (DIR/server.log) and its port.
# Starting a server that is already running prints its URL again. Only the
# export line goes to stdout; everything else goes to stderr, and any failure
# exits non-zero with the reason.
#
# Trust authentication, but only over loopback (127.0.0.1) and the Unix socket
# in DIR; fsync stays on (the durability tests rely on it). PostgreSQL refuses
# to run as root, so as root the server runs as the `postgres` system user.
# PG_BIN overrides the binaries' folder (default /usr/lib/postgresql/15/bin).
set -euo pipefail

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}
usage() {
  echo "usage: postgres.sh start|stop DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd="$1"
dir="$(realpath -m -- "$2")"
data="$dir/data"
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/psql" ] ||
  die "PostgreSQL 15 server binaries not found in $bin: install the postgresql-15 package (apt-get install postgresql-15)"

is_root() { [ "$(id -u)" = 0 ]; }

as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_pg_user() {
  is_root || return 0
  id -u postgres >/dev/null 2>&1 && return 0
  echo "postgres.sh: creating the postgres system user" >&2
  useradd --system --user-group --home-dir /var/lib/postgresql \
    --shell /usr/sbin/nologin postgres || die "cannot create the postgres system user"
}

running() { as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free TCP port found on 127.0.0.1"
}

prepare_dir() {
  mkdir -p "$dir" || die "cannot create $dir"
  if is_root; then chown postgres: "$dir"; fi
  as_pg test -w "$dir" ||
    die "$dir is not writable by the postgres user (is a parent folder private, e.g. /root?)"
}

init_cluster() {
  [ -f "$data/PG_VERSION" ] && return 0
  as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Trust only loopback TCP and the socket in $dir (initdb also trusts ::1).
  printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
    'local replication all trust' 'host replication all 127.0.0.1/32 trust' |
    as_pg tee "$data/pg_hba.conf" >/dev/null
  echo "include_if_exists = 'ferry.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
}

configure() {
  local port="$1"
  [[ "$port" =~ ^[0-9]+$ ]] || die "no free TCP port found on 127.0.0.1"
  # The socket path ($dir/.s.PGSQL.PORT) must fit in sun_path (107 bytes).
  [ ${#dir} -le 90 ] || die "$dir is too long for a Unix socket path (max 90 characters)"
  printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $port" \
    "unix_socket_directories = '$dir'" "fsync = on" "max_connections = 200" |
    as_pg tee "$data/ferry.conf" >/dev/null
  echo "$port" >"$dir/port"
}

psql_admin() {
  as_pg "$bin/psql" -h "$dir" -p "$(cat "$dir/port")" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -qtA "$@"
}

create_ferry_db() {
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'ferry'")" ]; then
    psql_admin -c "CREATE ROLE ferry SUPERUSER LOGIN" || die "cannot create role ferry"
  fi
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'ferry'")" ]; then
    psql_admin -c "CREATE DATABASE ferry OWNER ferry" || die "cannot create database ferry"
  fi
}

start() {
  ensure_pg_user
  prepare_dir
  if [ -f "$dir/port" ] && running; then
    echo "postgres.sh: already running in $dir" >&2
  else
    init_cluster
    configure "$(free_port)"
    as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { tail -n 30 "$dir/server.log" >&2; die "the server did not start (log: $dir/server.log)"; }
  fi
  create_ferry_db
  echo "export FERRY_TEST_POSTGRES_URL=postgresql://ferry@127.0.0.1:$(cat "$dir/port")/ferry"
}

stop() {
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "postgres.sh: no cluster in $dir, nothing to stop" >&2
    return 0
  fi
  if ! running; then
    echo "postgres.sh: the server in $dir is not running" >&2
    return 0
  fi
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
    die "pg_ctl stop failed (log: $dir/server.log)"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac

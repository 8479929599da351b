#!/usr/bin/env bash
# Install (if missing) and start PostgreSQL and Redis on this machine for `make test-pg`
# and CI. Needs root or sudo. Prints the DATABASE_URL and REDIS_URL to use.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} ..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: the distribution's cluster, started if it is down.
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  $SUDO pg_createcluster "$version" main --port "$PG_PORT" >/dev/null
fi
if ! pg_lsclusters -h | grep "^$version main" | grep -q online; then
  $SUDO pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" >/dev/null
if [ -z "$SUDO" ]; then
  psql_admin() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qAt $(printf '%q ' "$@")"; }
else
  psql_admin() { sudo -u postgres psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='rongmei'")" != "1" ]; then
  psql_admin -c "CREATE ROLE rongmei LOGIN PASSWORD 'rongmei' CREATEDB"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='rongmei'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE rongmei OWNER rongmei"
fi

# Redis: a server of our own on loopback, without persistence (tests make their own data).
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -p "$REDIS_PORT" ping >/dev/null

echo "DATABASE_URL=postgresql://rongmei:rongmei@127.0.0.1:$PG_PORT/rongmei"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"

#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer. In order: use DATABASE_URL / REDIS_URL when they answer; otherwise
# start local ones (an installed cluster, or docker compose where an engine runs, or apt-get on Debian as root);
# otherwise say exactly what to do.
set -euo pipefail
DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/whetstone}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}

pg_up() { node -e "const pg=require('pg');const c=new pg.Client({connectionString:process.argv[1].replace(/\/[^/]*$/,'/postgres')});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))" "$DATABASE_URL" 2>/dev/null \
  || pg_isready -q -d "$DATABASE_URL" 2>/dev/null; }
redis_up() { redis-cli -u "$REDIS_URL" ping 2>/dev/null | grep -q PONG; }

start_pg() {
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  elif docker info >/dev/null 2>&1; then
    docker compose up -d postgres
  elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    # local development: trust connections from this machine
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" || true
  fi
}
start_redis() {
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/whetstone-redis.log"
  elif docker info >/dev/null 2>&1; then
    docker compose up -d redis
  elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp
  fi
}
wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

pg_up || { start_pg; wait_for pg_up; } || {
  echo "PostgreSQL does not answer at $DATABASE_URL. Start one (docker compose up -d postgres, or apt-get install postgresql) or set DATABASE_URL." >&2
  exit 1
}
redis_up || { start_redis; wait_for redis_up; } || {
  echo "Redis does not answer at $REDIS_URL. Start one (docker compose up -d redis, or apt-get install redis-server) or set REDIS_URL." >&2
  exit 1
}
echo "PostgreSQL and Redis are up."

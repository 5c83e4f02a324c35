#!/usr/bin/env bash
# Makes sure Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer,
# for the test passes that use them: starts them where they are installed
# but stopped, installs them from Debian where they are missing. Quick and
# silent when both already answer. The fault tests also need the server
# binaries themselves (initdb, redis-server), which the packages bring.
set -euo pipefail

say() { printf '\033[1;34mservices:\033[0m %s\n' "$*" >&2; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
wait_for() { # what, command…
  local what="$1"
  shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$what did not come up"
  return 1
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

# --- Postgres ----------------------------------------------------------------
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || ! command -v pg_isready >/dev/null; then
  apt_install postgresql
fi
if ! pg_up; then
  say "starting Postgres"
  service postgresql start >/dev/null 2>&1 || pg_ctlcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main start
  wait_for Postgres pg_up
  # A fresh Debian cluster wants a password over TCP; the tests use
  # postgres:postgres (ignored where the server trusts local connections).
  runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
fi

# --- Redis -------------------------------------------------------------------
if ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi
if ! redis_up; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  wait_for Redis redis_up
fi

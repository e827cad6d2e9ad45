#!/usr/bin/env bash
# Starts the services the tests use on this machine, idempotently: Debian's PostgreSQL cluster
# with a test role `conclave_test` (superuser, trusted on the loopback addresses only, so the
# tests connect without a password and can create databases and roles of their own), and Redis
# on 127.0.0.1:6379 without persistence. Assumes the Debian packages `postgresql` and
# `redis-server` are installed (.ci/run installs them). Run as root or with sudo.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$version" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  as_root pg_createcluster "$version" main
fi
[ -d "/etc/postgresql/$version/main" ] || as_root pg_createcluster "$version" main

hba="/etc/postgresql/$version/main/pg_hba.conf"
marker="# conclave: test role trusted on loopback"
if ! as_root grep -qF "$marker" "$hba"; then
  # pg_hba.conf is read top-down and the first match wins: the test role's lines go first.
  tmp="$(mktemp)"
  {
    echo "$marker"
    echo "host    all    conclave_test    127.0.0.1/32    trust"
    echo "host    all    conclave_test    ::1/128         trust"
    as_root cat "$hba"
  } >"$tmp"
  as_root install -m 640 -o postgres -g postgres "$tmp" "$hba"
  rm -f "$tmp"
  pg_hba_changed=1
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
elif [ -n "${pg_hba_changed:-}" ]; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432

as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'conclave_test') THEN
    CREATE ROLE conclave_test LOGIN SUPERUSER;
  END IF;
END
$$;
SQL
psql -q -h 127.0.0.1 -U conclave_test -d postgres -c 'SELECT 1' >/dev/null
echo "PostgreSQL $version: conclave_test connects on 127.0.0.1:5432"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
echo "Redis: $(redis-cli -h 127.0.0.1 -p 6379 ping)"

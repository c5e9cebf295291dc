#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on localhost for the status-database tests.
#
# Installs Debian's postgresql if missing, creates (once) and starts a dedicated cluster on port $CORRIDOR_PG_PORT
# (default 5433, so a system cluster on 5432 is left alone), creates a role and a database owned by it, and prints
# one line on stdout for the caller to evaluate:
#
#   eval "$(bash scripts/ci_postgres.sh)"    # sets CORRIDOR_TEST_DATABASE_URL
#
# Progress goes to stderr. Safe to run again: every step is skipped when already done. Needs root or sudo.
set -euo pipefail

PORT="${CORRIDOR_PG_PORT:-5433}"
CLUSTER="corridor_test"
ROLE="corridor_test"
DATABASE="corridor_test"
PASSWORD="corridor_test"  # a loopback-only test server; the password protects nothing of value

log() { echo "ci_postgres: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  log "error: needs root or sudo to install and start PostgreSQL; run as root"
  exit 1
fi

if ! command -v pg_createcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  $SUDO pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 \
    >/dev/null
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')"
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; then
  log "starting cluster $VERSION/$CLUSTER"
  $SUDO pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
psql_admin() { as_postgres psql --quiet --no-psqlrc -p "$PORT" -v ON_ERROR_STOP=1 "$@"; }

for _ in $(seq 1 30); do
  as_postgres pg_isready -q -p "$PORT" && break
  sleep 1
done
psql_admin -d postgres >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
  log "creating database $DATABASE"
  as_postgres createdb -p "$PORT" -O "$ROLE" "$DATABASE"
fi
log "PostgreSQL $VERSION ready on localhost:$PORT"
echo "export CORRIDOR_TEST_DATABASE_URL=postgresql+psycopg://$ROLE:$PASSWORD@localhost:$PORT/$DATABASE"

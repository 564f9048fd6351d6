#!/usr/bin/env bash
# Run the whole suite on SQLite, then on a throwaway PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
pg_only=0
[ "${1:-}" = "--pg-only" ] && pg_only=1

if [ "$pg_only" = 0 ]; then
  echo "== test suite on SQLite =="
  "$py" -m pytest
fi

echo "== test suite on PostgreSQL =="
if [ -n "${MEDISUP_TEST_DATABASE_URL:-}" ]; then
  "$py" -m pytest
  exit 0
fi
pgdir=$(mktemp -d /tmp/medisup-pg.XXXXXX)
trap 'bash scripts/pg.sh stop "$pgdir"' EXIT
url=$(bash scripts/pg.sh start "$pgdir")
echo "throwaway PostgreSQL at $url"
MEDISUP_TEST_DATABASE_URL="$url" "$py" -m pytest

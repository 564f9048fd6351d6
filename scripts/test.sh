#!/usr/bin/env bash
# Run the whole suite on SQLite and on a throwaway PostgreSQL server, side by side
# (two processes on two cores), then print both reports; fails if either fails.
#   scripts/test.sh             both backends
#   scripts/test.sh --pg-only   PostgreSQL only
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
pg_only=0
[ "${1:-}" = "--pg-only" ] && pg_only=1
logs=$(mktemp -d /tmp/medisup-test.XXXXXX)
pgdir=""
cleanup() {
  [ -n "$pgdir" ] && bash scripts/pg.sh stop "$pgdir"
  rm -rf "$logs"
}
trap cleanup EXIT

url=${MEDISUP_TEST_DATABASE_URL:-}
if [ -z "$url" ]; then
  pgdir=$(mktemp -d /tmp/medisup-pg.XXXXXX)
  url=$(bash scripts/pg.sh start "$pgdir") || { echo "could not start PostgreSQL" >&2; exit 1; }
  echo "throwaway PostgreSQL at $url"
fi

start=$(date +%s)
pids=()
if [ "$pg_only" = 0 ]; then
  echo "== test suite on SQLite (log: running) =="
  env -u MEDISUP_TEST_DATABASE_URL "$py" -m pytest -p no:cacheprovider >"$logs/sqlite.log" 2>&1 &
  pids+=($!)
fi
echo "== test suite on PostgreSQL (log: running) =="
MEDISUP_TEST_DATABASE_URL="$url" "$py" -m pytest -p no:cacheprovider >"$logs/pg.log" 2>&1 &
pids+=($!)

status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
if [ "$pg_only" = 0 ]; then
  echo; echo "== SQLite =="; cat "$logs/sqlite.log"
fi
echo; echo "== PostgreSQL =="; cat "$logs/pg.log"
echo; echo "both runs took $(( $(date +%s) - start )) s"
exit $status

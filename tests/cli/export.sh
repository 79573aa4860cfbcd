#!/usr/bin/env bash
# export.sh — `nulmeting runs` and `nulmeting export`, end to end, on the fixture database
# (written by test_storage's hidden "[.make-fixture]" case): output equals the golden files of
# tests/storage/golden, every JSONL line parses with the exact top-level keys, exit codes of
# interface.md (2 for a missing or bad database and an unknown run).
# Usage: bash export.sh /path/to/nulmeting   (test_storage is looked up beside it, in
#        ../tests/, or taken from $NULMETING_TEST_STORAGE)
set -uo pipefail
BIN=${1:?usage: export.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GOLD=$SRC/tests/storage/golden
TS=${NULMETING_TEST_STORAGE:-$(dirname "$BIN")/../tests/test_storage}
if [ ! -x "$TS" ]; then
  echo "FAIL test_storage not found at $TS (build the test_storage target)"; exit 1
fi
PY=${NULMETING_PYTHON:-/usr/bin/python3}  # Debian's, with python3-jsonschema (not a pyenv one)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

run() {
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; sed 's/^/  | /' "$TMP/out" "$TMP/err"
    fails=$((fails + 1))
  else
    echo "ok   $name (exit $rc)"
  fi
}
same() {  # same NAME FILE GOLDEN
  if ! diff -u "$3" "$2" >"$TMP/diff"; then
    echo "FAIL $1 differs from $3"; head -20 "$TMP/diff"; fails=$((fails + 1))
  fi
}
expect_err() {
  if ! grep -qF -- "$1" "$TMP/err"; then
    echo "FAIL   stderr lacks: $1"; sed 's/^/  | /' "$TMP/err"; fails=$((fails + 1))
  fi
}

DB=$TMP/fixture.db
NULMETING_FIXTURE_OUT=$DB "$TS" "[.make-fixture]" >/dev/null || { echo "FAIL fixture"; exit 1; }

run "runs table" 0 "$BIN" runs --db "$DB"
same "runs table" "$TMP/out" "$GOLD/runs.txt"

for id in 1 2 3; do
  run "export jsonl run $id" 0 "$BIN" export --db "$DB" --run "$id" --format jsonl
  same "jsonl run $id" "$TMP/out" "$GOLD/run$id.jsonl"
done
# Every run's export is valid under docs/schema/export.schema.json (python3-jsonschema).
for id in 1 2 3; do
  if "$PY" "$SRC/tests/ops/validate-export" "$SRC/docs/schema/export.schema.json" "$GOLD/run$id.jsonl" >"$TMP/v" 2>&1; then
    echo "ok   run $id valid under the JSON Schema"
  else
    echo "FAIL run $id under the JSON Schema"; sed 's/^/  | /' "$TMP/v" | head -20; fails=$((fails + 1))
  fi
done
run "export jsonl latest" 0 "$BIN" export --db "$DB" --format jsonl
same "jsonl latest = run 3" "$TMP/out" "$GOLD/run3.jsonl"

# Every line is JSON with exactly the keys of interface.md (plus unmeasured), in order.
# interface.md's keys, plus unmeasured, tls_quality and the §5 verdicts with their evidence
keys='["run","domain","organization","sector","mail","dnssec","starttls","tls_quality","dane","dane_rollover","protected","incomplete","unmeasured","mta_sts","mta_sts_evidence","spf","spf_policy","dmarc","dmarc_policy","dkim","tls_rpt","mail_standards","mx"]'
lines=$(wc -l <"$TMP/out")
good=$(jq -c --argjson k "$keys" 'keys_unsorted == $k' "$TMP/out" | grep -c '^true$')
if [ "$good" -eq "$lines" ]; then
  echo "ok   jsonl keys"
else
  echo "FAIL jsonl keys: $good of $lines lines"; fails=$((fails + 1))
fi
[ "$lines" -eq 25 ] && echo "ok   25 domains" || { echo "FAIL $lines lines"; fails=$((fails + 1)); }

run "export csv -o" 0 "$BIN" export --db "$DB" --run latest --format csv -o "$TMP/run3.csv"
same "csv run 3" "$TMP/run3.csv" "$GOLD/run3.csv"
if "$PY" "$SRC/tests/ops/csv-columns" "$SRC/docs/schema/export-csv.md" "$TMP/run3.csv" >"$TMP/v" 2>&1; then
  echo "ok   csv columns as docs/schema/export-csv.md"
else
  echo "FAIL csv columns"; sed 's/^/  | /' "$TMP/v"; fails=$((fails + 1))
fi
[ ! -e "$TMP/run3.csv.tmp" ] && echo "ok   no temporary file left" || { echo "FAIL tmp left"; fails=$((fails + 1)); }

run "export of the aborted run" 0 "$BIN" export --db "$DB" --run 4 --format jsonl
expect_err "run 4 is aborted"
[ "$(wc -l <"$TMP/out")" -eq 12 ] && echo "ok   12 domains" || { echo "FAIL aborted count"; fails=$((fails + 1)); }

# Exit codes: 2 for a missing run, a bad run spec, a missing or bad database.
run "unknown run" 2 "$BIN" export --db "$DB" --run 99 --format jsonl
expect_err "no run 99"
run "bad run spec" 2 "$BIN" export --db "$DB" --run last --format csv
run "missing db" 2 "$BIN" export --db "$TMP/nope.db" --format jsonl
run "missing db (runs)" 2 "$BIN" runs --db "$TMP/nope.db"
echo "not a database at all, but a text file long enough to be read" >"$TMP/text.db"
run "not a database" 2 "$BIN" export --db "$TMP/text.db" --format jsonl
expect_err "not a SQLite database"
run "not a database (runs)" 2 "$BIN" runs --db "$TMP/text.db"
cp "$DB" "$TMP/newer.db"
sqlite3 "$TMP/newer.db" "PRAGMA user_version = 99"
run "newer schema" 2 "$BIN" export --db "$TMP/newer.db" --format jsonl
expect_err "newer than this nulmeting supports"
run "bad format" 2 "$BIN" export --db "$DB" --format xml

# An empty database (no runs): runs says so, export latest is exit 2.
cp "$DB" "$TMP/norun.db" && sqlite3 "$TMP/norun.db" "DELETE FROM runs"
run "runs on empty" 0 "$BIN" runs --db "$TMP/norun.db"
grep -q "no runs" "$TMP/out" && echo "ok   says no runs" || { echo "FAIL no-runs text"; fails=$((fails + 1)); }
run "latest on empty" 2 "$BIN" export --db "$TMP/norun.db" --format csv

# A database written by the nulmeting before schema 3 (tests/storage/fixtures/schema-v2.sql)
# migrates on first open; export and every report format work on it.
sqlite3 "$TMP/v2.db" <"$SRC/tests/storage/fixtures/schema-v2.sql"
[ "$(sqlite3 "$TMP/v2.db" 'PRAGMA user_version')" = 2 ] && echo "ok   schema-2 database" || {
  echo "FAIL schema-2 database"; fails=$((fails + 1)); }
run "export of a schema-2 database" 0 "$BIN" export --db "$TMP/v2.db" --run 3 --format jsonl
same "migrated jsonl run 3" "$TMP/out" "$GOLD/migrated-v2-run3.jsonl"
[ "$(sqlite3 "$TMP/v2.db" 'PRAGMA user_version')" = 7 ] && echo "ok   migrated to 7" || {
  echo "FAIL not migrated"; fails=$((fails + 1)); }
run "runs of the migrated database" 0 "$BIN" runs --db "$TMP/v2.db"
for f in html xlsx csv md json; do
  run "report $f of the migrated database" 0 "$BIN" report --db "$TMP/v2.db" --format "$f" \
    -o "$TMP/v2-report.$f"
  [ -s "$TMP/v2-report.$f" ] || { echo "FAIL empty report $f"; fails=$((fails + 1)); }
done

if [ "$fails" -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all export checks passed"

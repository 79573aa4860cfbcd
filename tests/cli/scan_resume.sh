#!/usr/bin/env bash
# scan_resume.sh — kill -9 at random moments, then `scan --resume`, loses and duplicates nothing.
#
# A slowed-down scan of every catalogue domain (few probes and domains in flight) is killed with
# SIGKILL at a random moment, 10 times, each time resumed with --resume; a last --resume
# finishes the run. Then: one run only, PRAGMA integrity_check ok, every domain exactly once,
# and the exported verdicts are exactly the catalogue's (nothing half-written survived).
# Also: a second writer on a database that a scan is writing is refused (exit 2).
# Needs the testbed (see scan_testbed.sh); skips with a message without it.
# Usage: bash scan_resume.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: scan_resume.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.bash"
require_testbed
KILLS=${NULMETING_RESUME_KILLS:-10}
# The catalogue plus the synthetic domains when the testbed has them (up --synthetic N:M):
# enough domains that every kill lands in the middle of the run.
{ head -n 1 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_DEMO_CSV"
  if [ -n "${TB_SYNTHETIC_CSV:-}" ] && [ -f "$TB_SYNTHETIC_CSV" ]; then tail -n +2 "$TB_SYNTHETIC_CSV"; fi
} | grep -v '^tlsq-ratelimit\.test,' >"$TMP/all.csv"  # 421 within 2 s of a connection: not a resume matter
want=$(( $(grep -cv '^\s*\(#\|$\)' "$TMP/all.csv") - 1 ))
DB="$TMP/r.sqlite"
ARGS=(--domains "$TMP/all.csv" --db "$DB" --resolver "$TB_RESOLVER" --trust-anchor "$TB_TRUST_ANCHOR"
      --ehlo-name "$TB_EHLO_NAME" --smtp-retry-backoff-ms 300 --smtp-timeout-ms 3000
      --per-ip-interval-ms 20 --concurrency 4 --domains-in-flight 6
      # resume is under test, not DNS confirmation: failing domains must not hold the slots 30 s
      --dns-confirm-seconds 2)
# shellcheck disable=SC2206  # "--allow-address R ...": the testbed's ranges, split on purpose
ARGS+=($TB_ALLOW_ADDRESS)
ARGS+=(--ca-file "$TB_CA_FILE")  # MTA-STS policy hosts: the testbed's CA

killed_done=()
mid_run=0
i=0
while [ "$mid_run" -lt "$KILLS" ] && [ "$i" -lt $((KILLS * 3)) ]; do
  i=$((i + 1))
  if [ "$i" -eq 1 ]; then extra=(); else extra=(--resume); fi
  "$BIN" --log-level warn scan "${ARGS[@]}" "${extra[@]}" >"$TMP/log.$i" 2>&1 &
  pid=$!
  # A random moment while the run makes progress: wait (bounded, 10 s) until one more domain is
  # stored than before, then a random 0-0.3 s more, so that kills land mid-run, not only in
  # start-up or in the slow tail.
  prev=0; [ ${#killed_done[@]} -gt 0 ] && prev=${killed_done[-1]}
  for _ in $(seq 1 200); do
    n=$(sqlite3 "$DB" "SELECT count(*) FROM v_run_verdicts WHERE run_id = 1" 2>/dev/null || echo 0)
    [ "${n:-0}" -gt "$prev" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", (r % 31) / 100 }')"
  if [ "$i" -eq 2 ] && kill -0 $pid 2>/dev/null; then
    # While a scan writes, a second scan of the same database is refused.
    "$BIN" scan "${ARGS[@]}" --resume >"$TMP/second" 2>&1; rc=$?
    if [ "$rc" -ne 2 ] || ! grep -qi "lock" "$TMP/second"; then
      echo "FAIL second writer: exit $rc"; sed 's/^/  | /' "$TMP/second"; fails=$((fails + 1))
    else
      echo "ok   a second writer is refused while a scan runs"
    fi
  fi
  if kill -9 $pid 2>/dev/null; then mid_run=$((mid_run + 1)); fi
  wait $pid 2>/dev/null
  n=$(sqlite3 "$DB" "SELECT count(*) FROM v_run_verdicts WHERE run_id = 1" 2>/dev/null || echo 0)
  killed_done+=("$n")
  [ "$(sqlite3 "$DB" "SELECT status FROM runs WHERE id = 1" 2>/dev/null)" = finished ] && break
done
if [ "$mid_run" -lt "$KILLS" ]; then
  echo "FAIL only $mid_run kills landed mid-run (wanted $KILLS): the list is too short; bring the testbed up with --synthetic"
  fails=$((fails + 1))
else
  echo "ok   $mid_run kills landed mid-run"
fi
echo "domains stored after each kill: ${killed_done[*]} (of $want)"
if [ "$(sqlite3 "$DB" "SELECT status FROM runs WHERE id = 1")" != finished ]; then
  "$BIN" --log-level warn scan "${ARGS[@]}" --resume >"$TMP/final" 2>&1
  rc=$?
  if [ "$rc" -ne 1 ] && [ "$rc" -ne 0 ]; then echo "FAIL final resume exit $rc"; cat "$TMP/final"; fails=$((fails + 1)); fi
fi

[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = "ok" ] || { echo "FAIL integrity_check"; fails=$((fails + 1)); }
runs=$(sqlite3 "$DB" "SELECT count(*) FROM runs")
[ "$runs" = 1 ] || { echo "FAIL $runs runs, expected 1 (resume must continue the run)"; fails=$((fails + 1)); }
st=$(sqlite3 "$DB" "SELECT status FROM runs WHERE id = 1")
[ "$st" = finished ] || { echo "FAIL run status $st"; fails=$((fails + 1)); }
rows=$(sqlite3 "$DB" "SELECT count(*), count(DISTINCT domain) FROM v_run_verdicts WHERE run_id = 1")
if [ "$rows" = "$want|$want" ]; then echo "ok   every domain exactly once ($rows)"; else
  echo "FAIL v_run_verdicts: $rows, expected $want|$want"; fails=$((fails + 1)); fi
"$BIN" export --db "$DB" --format jsonl -o "$TMP/r.jsonl" 2>/dev/null
if python3 "$SRC/tests/testbed/compare-jsonl" "$TMP/r.jsonl" "$TB_EXPECTED_JSON" --all --skip=tlsq-ratelimit.test >"$TMP/cmp"; then
  echo "ok   verdicts after the kills: $(head -n 1 "$TMP/cmp")"
else
  echo "FAIL verdicts after $KILLS kills differ from the catalogue"; sed 's/^/  | /' "$TMP/cmp"; fails=$((fails + 1))
fi
finish scan_resume

#!/usr/bin/env bash
# metrics.sh — `scan --metrics-file` against the test network (real scans of the catalogue):
#   * a finished run: the file parses with Prometheus's own parser (python3-prometheus-client)
#     and every figure equals SQL on the database (tests/ops/check-metrics);
#   * an interrupted run (SIGINT): status aborted, figures equal the database's;
#   * a scan refused before its run began (bad list): status failed, the newest finished run
#     of the database still given (the "no finished run in 36 h" alert reads it);
#   * written atomically: no temporary file left, mode 0644, replaced not appended.
# (scan_testbed.sh checks the file of its scan of the whole catalogue the same way.)
# Needs the testbed like scan_testbed.sh (exit 77 without it).
# Usage: bash metrics.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: metrics.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.bash"
require_testbed
if ! "$PY" -c 'import prometheus_client' 2>/dev/null; then
  echo "FAIL python3-prometheus-client is not installed (scripts/install-deps)"; exit 1
fi
CHECK=$SRC/tests/ops/check-metrics
# shellcheck disable=SC2206  # TB_ALLOW_ADDRESS is "--allow-address R ...": split on purpose
DNS=(--resolver "$TB_RESOLVER" --trust-anchor "$TB_TRUST_ANCHOR" --ehlo-name "$TB_EHLO_NAME" $TB_ALLOW_ADDRESS)
FAST=(--smtp-retry-backoff-ms 300 --smtp-timeout-ms 4000 --per-ip-interval-ms 0 --dns-confirm-seconds 2)
cp "$TB_SCENARIOS_CSV" "$TMP/list.csv"
PROM=$TMP/textfile/nulmeting.prom
mkdir -p "$TMP/textfile"

run "scan with --metrics-file" 1 "$BIN" scan --domains "$TMP/list.csv" --db "$TMP/r.db" "${DNS[@]}" "${FAST[@]}" --label nightly --metrics-file "$PROM"
expect "metrics written to $PROM"
run "metrics of the finished run agree with the database" 0 "$PY" "$CHECK" "$PROM" "$TMP/r.db" 1
expect 'nulmeting_run_status{status="finished"} = 1'
expect 'nulmeting_run_info{label="nightly",run="1"} = 1'
# The catalogue has each of these at least once (scenarios.toml): the figures are not all zero.
for want in '^nulmeting_probes{outcome="starttls_ok"} [1-9]' '^nulmeting_probes{outcome="timeout"} [1-9]' \
            '^nulmeting_domains{field="dane",value="valid"} [1-9]' '^nulmeting_domains{field="mail",value="error"} [1-9]' \
            '^nulmeting_domains_unmeasured [1-9]' '^nulmeting_dns_failures{kind="confirmed"} [1-9]' \
            '^nulmeting_peak_memory_bytes [1-9]'; do
  grep -q "$want" "$PROM" && echo "ok   $want" || { echo "FAIL no line $want"; fails=$((fails + 1)); }
done
[ "$(stat -c %a "$PROM")" = 644 ] && echo "ok   mode 0644" || { echo "FAIL mode $(stat -c %a "$PROM")"; fails=$((fails + 1)); }
[ "$(ls "$TMP/textfile" | wc -l)" = 1 ] && echo "ok   no temporary file left" || { echo "FAIL left: $(ls "$TMP/textfile")"; fails=$((fails + 1)); }
grep -q '^# TYPE nulmeting_run_duration_seconds gauge$' "$PROM" && echo "ok   TYPE lines" || { echo "FAIL no TYPE line"; fails=$((fails + 1)); }

# Interrupted: SIGINT while the DNS failures wait for confirmation; the run is aborted.
run "a second, interrupted scan" 1 bash -c '"$@" & pid=$!; sleep 3; kill -INT $pid; wait $pid' _ \
  "$BIN" scan --domains "$TMP/list.csv" --db "$TMP/r.db" "${DNS[@]}" --dns-confirm-seconds 20 --metrics-file "$PROM"
expect "interrupted"
run "metrics of the aborted run agree with the database" 0 "$PY" "$CHECK" "$PROM" "$TMP/r.db" 2
expect 'nulmeting_run_status{status="aborted"} = 1'
expect 'nulmeting_last_finished_run_id{} = 1'
[ "$(grep -c '^nulmeting_run_id ' "$PROM")" = 1 ] && echo "ok   replaced, not appended" || { echo "FAIL file appended"; fails=$((fails + 1)); }

# Refused before a run began: status failed, the database's newest finished run still given.
printf 'domain,organization,sector\nnot a domain,X,nowhere\n' >"$TMP/bad.csv"
run "scan of a bad list" 2 "$BIN" scan --domains "$TMP/bad.csv" --db "$TMP/r.db" "${DNS[@]}" --metrics-file "$PROM"
"$PY" - "$PROM" "$TMP/r.db" <<'PY' || fails=$((fails + 1))
import sqlite3, sys
from prometheus_client.parser import text_string_to_metric_families
got = {(s.name, tuple(sorted(s.labels.items()))): s.value
       for f in text_string_to_metric_families(open(sys.argv[1]).read()) for s in f.samples}
db = sqlite3.connect(sys.argv[2])
fid, fend = db.execute("SELECT id, CAST(strftime('%s', finished_at) AS INTEGER) FROM runs "
                       "WHERE status = 'finished' ORDER BY id DESC LIMIT 1").fetchone()
assert got[("nulmeting_run_status", (("status", "failed"),))] == 1, got
assert got[("nulmeting_run_status", (("status", "finished"),))] == 0, got
assert got[("nulmeting_last_finished_run_id", ())] == fid, got
assert got[("nulmeting_last_finished_run_end_timestamp_seconds", ())] == fend, got
assert not any(k[0] == "nulmeting_run_id" for k in got), "a failed start has no run"
print("ok   failed start: status failed, last finished run", fid)
PY
# ... and with no database at all: only the status.
run "scan of a bad list, no database" 2 "$BIN" scan --domains "$TMP/bad.csv" --db "$TMP/none.db" "${DNS[@]}" --metrics-file "$PROM"
grep -q '^nulmeting_run_status{status="failed"} 1$' "$PROM" && echo "ok   status failed without a database" || { echo "FAIL"; cat "$PROM"; fails=$((fails + 1)); }
[ ! -e "$TMP/none.db" ] && echo "ok   no database created" || { echo "FAIL database created"; fails=$((fails + 1)); }

finish metrics

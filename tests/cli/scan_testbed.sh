#!/usr/bin/env bash
# scan_testbed.sh — the whole measurement against the real test network, end to end:
#   * `scan` of every catalogue domain (scenarios + simulated government domains) stores the
#     verdicts of the catalogue, and `export --format jsonl` reproduces them
#     (tests/testbed/compare-jsonl compares domain, host and address fields);
#   * a second `scan` into the same database makes a second run; `runs` lists both;
#   * `check` explains one domain (text and --json) with the same verdicts;
#   * bad input writes nothing: an invalid list, a trust anchor that anchors nothing, a
#     missing --ehlo-name all exit 2 and leave no database behind.
# Needs the testbed (NULMETING_TESTBED=<tests/testbed/run>, and to run inside its namespace);
# without it, prints why and exits 77 (ctest: skipped).
# Usage: bash scan_testbed.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: scan_testbed.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.bash"
require_testbed
# shellcheck disable=SC2206  # TB_ALLOW_ADDRESS is "--allow-address R ...": split on purpose
DNS=(--resolver "$TB_RESOLVER" --trust-anchor "$TB_TRUST_ANCHOR" --ehlo-name "$TB_EHLO_NAME" $TB_ALLOW_ADDRESS)
# MTA-STS policy hosts chain to the testbed's own CA (measurement.md §5: PKIX against it).
DNS+=(--ca-file "$TB_CA_FILE")
FAST=(--smtp-retry-backoff-ms 300 --smtp-timeout-ms 4000 --per-ip-interval-ms 0)

{ head -n 1 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_DEMO_CSV"; } >"$TMP/all.csv"
want=$(( $(grep -cv '^\s*\(#\|$\)' "$TMP/all.csv") - 1 ))

# Exit 1: the run finished, but the catalogue has domains whose MX lookup fails (bogus, lame).
scan_start=$(date +%s.%N)
run "scan all catalogue domains" 1 "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/r.sqlite" "${DNS[@]}" "${FAST[@]}" --label e2e --metrics-file "$TMP/nulmeting.prom"
expect "run 1 finished: $want domains"
expect "unmeasured: lame.test: lame.test MX servfail (confirmed, 3 attempts)"
# The run summary counts DNS failures confirmed (asked again twice over 30 s, §1) and the
# domains resting on one.
summ=$(sqlite3 "$TMP/r.sqlite" "SELECT json_extract(summary, '$.dns_failures_confirmed') > 0 AND json_extract(summary, '$.domains_dns_failure') > 0 FROM runs WHERE id = 1")
[ "$summ" = 1 ] || { echo "FAIL run summary lacks confirmed DNS failures"; fails=$((fails + 1)); }
# The metrics file (node_exporter textfile) parses with Prometheus's parser and equals SQL.
run "metrics of the catalogue scan agree with the database" 0 "$PY" "$SRC/tests/ops/check-metrics" "$TMP/nulmeting.prom" "$TMP/r.sqlite" 1
# not_public addresses (private-mx.test) were never contacted: the listener logs every accept
run "no not_public address contacted" 0 env TB_RUN_DIR="$NULMETING_TESTBED" python3 "$SRC/tests/testbed/contacts" --since "$scan_start"
run "export jsonl" 0 "$BIN" export --db "$TMP/r.sqlite" --format jsonl -o "$TMP/r.jsonl"
run "verdicts agree with the catalogue" 0 python3 "$SRC/tests/testbed/compare-jsonl" "$TMP/r.jsonl" "$TB_EXPECTED_JSON"
expect "match: $want of $want domains"
head -n 1 "$TMP/out"
# The peers on the scan's own §5 verdicts (issue 16): postfix-mta-sts-resolver's mta-sts-query
# on every receiving domain's mta_sts, pyspf on SPF, opendmarc-check on the DMARC record's
# p=, sp=, pct= (tests/testbed/mtasts-agreement, mailstd-agreement; they enter the namespace).
run "mta-sts-query agrees with the scan's mta_sts" 0 env TB_RUN_DIR="$NULMETING_TESTBED" "$PY" "$SRC/tests/testbed/mtasts-agreement" --export "$TMP/r.jsonl"
tail -n 1 "$TMP/out"
run "pyspf and opendmarc-check agree with the scan's SPF and DMARC" 0 env TB_RUN_DIR="$NULMETING_TESTBED" "$PY" "$SRC/tests/testbed/mailstd-agreement" --export "$TMP/r.jsonl"
tail -n 1 "$TMP/out"
# The export of the whole catalogue is valid under docs/schema/export.schema.json.
run "jsonl export valid under the JSON Schema" 0 "$PY" "$SRC/tests/ops/validate-export" "$SRC/docs/schema/export.schema.json" "$TMP/r.jsonl"
run "export csv" 0 "$BIN" export --db "$TMP/r.sqlite" --format csv -o "$TMP/r.csv"
run "csv columns as documented" 0 "$PY" "$SRC/tests/ops/csv-columns" "$SRC/docs/schema/export-csv.md" "$TMP/r.csv"
[ "$(( $(wc -l <"$TMP/r.csv") - 1 ))" -eq "$want" ] || { echo "FAIL csv rows"; fails=$((fails + 1)); }

# Every domain exactly once in the run; the evidence tables are linked.
rows=$(sqlite3 "$TMP/r.sqlite" "SELECT count(*), count(DISTINCT domain) FROM v_run_verdicts WHERE run_id = 1")
[ "$rows" = "$want|$want" ] || { echo "FAIL v_run_verdicts has $rows, expected $want|$want"; fails=$((fails + 1)); }
[ "$(sqlite3 "$TMP/r.sqlite" 'PRAGMA foreign_key_check' | wc -l)" -eq 0 ] || { echo "FAIL foreign keys"; fails=$((fails + 1)); }
# The start-up route check is recorded with the run (both families answered, true or false).
routes=$(sqlite3 "$TMP/r.sqlite" "SELECT json_type(routes, '$.ipv4') || ',' || json_type(routes, '$.ipv6') FROM runs WHERE id = 1")
case "$routes" in (true,*|false,*) case "$routes" in (*,true|*,false) ;; (*) echo "FAIL runs.routes: '$routes'"; fails=$((fails + 1)) ;; esac ;; (*) echo "FAIL runs.routes: '$routes'"; fails=$((fails + 1)) ;; esac

# A second run into the same database.
run "second scan (scenarios only)" 1 "$BIN" scan --domains "$TB_SCENARIOS_CSV" --db "$TMP/r.sqlite" "${DNS[@]}" "${FAST[@]}" --label again
run "runs lists both" 0 "$BIN" runs --db "$TMP/r.sqlite"
expect "e2e"
expect "again"

# --no-mail-standards: no §5 questions; SPF ... TLS-RPT stored as not measured (NULL, as for
# runs from before them), mta_sts n/a, the run's options say so; the other verdicts as ever.
printf 'domain,organization,sector\nms-good.test,Testbed,overig\n' >"$TMP/ms.csv"
run "scan --no-mail-standards" 0 "$BIN" scan --domains "$TMP/ms.csv" --db "$TMP/ms.sqlite" "${DNS[@]}" "${FAST[@]}" --no-mail-standards
got=$(sqlite3 "$TMP/ms.sqlite" "SELECT coalesce(spf, 'NULL') || ',' || coalesce(dmarc, 'NULL') || ',' || coalesce(dkim, 'NULL') || ',' || coalesce(tls_rpt, 'NULL') || ',' || mta_sts || ',' || starttls || ',' || json_extract(r.options, '$.mail_standards') FROM v_run_verdicts v JOIN runs r ON r.id = v.run_id")
[ "$got" = "NULL,NULL,NULL,NULL,n/a,all,0" ] || { echo "FAIL --no-mail-standards stored '$got'"; fails=$((fails + 1)); }
got=$(sqlite3 "$TMP/r.sqlite" "SELECT spf || ',' || dmarc FROM v_run_verdicts WHERE run_id = 1 AND domain = 'ms-good.test'")
[ "$got" = "valid,valid" ] || { echo "FAIL ms-good.test with the standards: '$got'"; fails=$((fails + 1)); }

# check: one domain explained, same verdicts as the catalogue.
run "check text" 0 "$BIN" check dane-ta-name.test "${DNS[@]}" "${FAST[@]}"
expect "dane: invalid"
expect "does not name the MX host"
run "check json" 0 "$BIN" check partial-dane.test "${DNS[@]}" "${FAST[@]}" --json
python3 - "$TMP/out" "$TB_EXPECTED_JSON" <<'PY' || fails=$((fails + 1))
import json, sys
text = open(sys.argv[1]).read()
got = json.loads(text[text.index("{"):])
want = json.load(open(sys.argv[2]))["domains"]["partial-dane.test"]
for f in ("mail", "dnssec", "starttls", "dane", "dane_rollover", "protected"):
    assert got[f] == want[f], (f, got[f], want[f])
assert got["why"], "check --json explains why"
print("ok   check --json verdicts agree")
PY
# --dns-confirm-seconds shortens the confirmation window (tests only; it warns).
t0=$SECONDS
run "check of a domain whose MX lookup fails" 1 "$BIN" check lame.test "${DNS[@]}" --dns-confirm-seconds 2
expect "mail: error"
expect "unmeasured: lame.test MX servfail (confirmed, 3 attempts)"
expect "less than the 30 s"
[ $((SECONDS - t0)) -lt 25 ] || { echo "FAIL --dns-confirm-seconds 2 took $((SECONDS - t0)) s"; fails=$((fails + 1)); }

# Bad input writes nothing.
printf 'domain,organization,sector\nexample.test,X,ministerie\n' >"$TMP/bad.csv"
run "invalid list refused" 2 "$BIN" scan --domains "$TMP/bad.csv" --db "$TMP/bad1.sqlite" "${DNS[@]}"
expect "unknown sector"
[ ! -e "$TMP/bad1.sqlite" ] || { echo "FAIL an invalid list created a database"; fails=$((fails + 1)); }
printf '; no records\n' >"$TMP/empty.anchor"
run "trust anchor without records refused" 2 "$BIN" scan --domains "$TB_SCENARIOS_CSV" --db "$TMP/bad2.sqlite" --resolver "$TB_RESOLVER" --trust-anchor "$TMP/empty.anchor" --ehlo-name "$TB_EHLO_NAME"
[ ! -e "$TMP/bad2.sqlite" ] || { echo "FAIL a bad trust anchor created a database"; fails=$((fails + 1)); }
run "missing --ehlo-name refused" 2 "$BIN" scan --domains "$TB_SCENARIOS_CSV" --db "$TMP/bad3.sqlite" --resolver "$TB_RESOLVER" --trust-anchor "$TB_TRUST_ANCHOR"
expect "--ehlo-name"
[ ! -e "$TMP/bad3.sqlite" ] || { echo "FAIL a missing EHLO name created a database"; fails=$((fails + 1)); }

finish scan_testbed

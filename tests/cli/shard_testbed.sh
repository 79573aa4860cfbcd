#!/usr/bin/env bash
# shard_testbed.sh — sharded scans against the test network (issue 17, docs/decisions/sharding.md):
#   * `plan` + 3 × `scan --shard I/3 --plan` + `merge` of the whole catalogue export exactly
#     as one `scan` of it, domain for domain (run ids left out; the records of an RRset
#     compared as a set and a bogus answer's validator text left out: both vary between any
#     two runs, see the decision record);
#   * the shards together measure every domain exactly once, and no address is probed by two
#     shards (each shard's probes table);
#   * the plan is deterministic; merging again changes nothing;
#   * refusals (exit 2, the file named, nothing written): a missing or doubled shard, --shard
#     without --plan, a plan of another N, list or option set.
# Needs the testbed (see scan_testbed.sh); skips with a message without it.
# Usage: bash shard_testbed.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: shard_testbed.sh /path/to/nulmeting}
. "$(dirname "$0")/lib.bash"
require_testbed
# The same options for plan and every scan. Few probes in flight: the one-machine run must
# not meet banner time-outs that the lighter shards would not (the testbed's Postfix on a
# loaded machine), or the two would differ for reasons that are not sharding.
# shellcheck disable=SC2206  # TB_ALLOW_ADDRESS is "--allow-address R ...": split on purpose
OPTS=(--resolver "$TB_RESOLVER" --trust-anchor "$TB_TRUST_ANCHOR" --ehlo-name "$TB_EHLO_NAME"
      $TB_ALLOW_ADDRESS --smtp-retry-backoff-ms 300 --smtp-timeout-ms 10000
      --per-ip-interval-ms 0 --concurrency 24 --dns-confirm-seconds 2)
# tlsq-ratelimit.test answers 421 within 2 s of another connection: its outcome depends on
# timing, not on sharding.
{ head -n 1 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_SCENARIOS_CSV"; tail -n +2 "$TB_DEMO_CSV"; } |
  grep -v '^tlsq-ratelimit\.test,' >"$TMP/all.csv"
want=$(( $(grep -cv '^\s*\(#\|$\)' "$TMP/all.csv") - 1 ))
N=3

run "one-machine scan" 1 "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/whole.db" "${OPTS[@]}"
run "plan $N shards" 0 "$BIN" plan --domains "$TMP/all.csv" --shards $N -o "$TMP/plan.json" "${OPTS[@]}"
expect "$want domains in $N shards"
grep -o 'plan .*' "$TMP/out" | head -n 1
run "plan again" 0 "$BIN" plan --domains "$TMP/all.csv" --shards $N -o "$TMP/plan2.json" "${OPTS[@]}"
same_plan=$(python3 -c 'import json,sys; a,b=(json.load(open(p))["domains"] for p in sys.argv[1:]); print(a==b)' "$TMP/plan.json" "$TMP/plan2.json")
[ "$same_plan" = True ] && echo "ok   the same answers give the same plan" || {
  echo "FAIL the second plan differs"; fails=$((fails + 1)); }
shards=()
for i in $(seq 0 $((N - 1))); do
  "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/s$i.db" --shard "$i/$N" --plan "$TMP/plan.json" "${OPTS[@]}" >"$TMP/out" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then echo "ok   shard $i/$N (exit $rc)"; else
    echo "FAIL shard $i/$N: exit $rc"; tail -n 20 "$TMP/out" | sed 's/^/  | /'; fails=$((fails + 1)); fi
  shards+=("$TMP/s$i.db")
done

# Every domain in exactly one shard; no address probed by two shards.
for i in $(seq 0 $((N - 1))); do
  sqlite3 "$TMP/s$i.db" "SELECT domain FROM v_run_verdicts" | sed "s/\$/ $i/"
done >"$TMP/domains"
[ "$(wc -l <"$TMP/domains")" -eq "$want" ] && [ "$(cut -d' ' -f1 "$TMP/domains" | sort -u | wc -l)" -eq "$want" ] &&
  echo "ok   the $N shards measured each of the $want domains once" || {
  echo "FAIL shards measured $(wc -l <"$TMP/domains") domain results, $(cut -d' ' -f1 "$TMP/domains" | sort -u | wc -l) distinct, of $want"
  fails=$((fails + 1)); }
for i in $(seq 0 $((N - 1))); do sqlite3 "$TMP/s$i.db" "SELECT DISTINCT ip FROM probes" | sed "s/\$/ $i/"; done |
  sort -u >"$TMP/ips"
twice=$(cut -d' ' -f1 "$TMP/ips" | uniq -d)
addresses=$(cut -d' ' -f1 "$TMP/ips" | sort -u | wc -l)
[ -z "$twice" ] && [ "$addresses" -gt 50 ] && echo "ok   no address probed by two shards ($addresses addresses)" || {
  echo "FAIL addresses probed by more than one shard (of $addresses): $twice"; fails=$((fails + 1)); }

run "merge" 0 "$BIN" merge --db "$TMP/merged.db" "${shards[@]}"
expect "$want domains from $N shards"
run "merge again" 0 "$BIN" merge --db "$TMP/merged.db" "${shards[2]}" "${shards[0]}" "${shards[1]}"
expect "nothing changed"
[ "$(sqlite3 "$TMP/merged.db" "SELECT count(*) || ' ' || status || ' ' || shard_count FROM runs")" = "1 finished $N" ] &&
  echo "ok   one finished run of $N shards" || { echo "FAIL runs: $(sqlite3 "$TMP/merged.db" 'SELECT * FROM runs')"; fails=$((fails + 1)); }
run "export the one-machine run" 0 "$BIN" export --db "$TMP/whole.db" --format jsonl -o "$TMP/whole.jsonl"
run "export the merged run" 0 "$BIN" export --db "$TMP/merged.db" --format jsonl -o "$TMP/merged.jsonl"
cat >"$TMP/same.py" <<'EOF'
import json, re, sys
# The run id differs by design. The order of the records of one RRset carries no meaning
# (RFC 2181 §5) and the resolver rotates it; libunbound's text for a bogus answer depends on
# what its key cache held at the moment: both differ between any two runs.
BOGUS = re.compile(r"bogus \(validation failure <[^)]*\)")
def norm(v, key=""):
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in v.items() if k != "run"}
    if isinstance(v, list):
        items = [norm(x) for x in v]
        return sorted(items, key=json.dumps) if key in ("records", "txt_records") else items
    if isinstance(v, str):
        return BOGUS.sub("bogus (validation failure)", v)
    return v
a = [norm(json.loads(l)) for l in open(sys.argv[1])]
b = [norm(json.loads(l)) for l in open(sys.argv[2])]
bad = [(x["domain"], y["domain"]) for x, y in zip(a, b) if x != y]
print(f"{len(a) - len(bad) if len(a) == len(b) else 0} of {len(a)} domains identical")
for x, y in zip(a, b):
    if x != y:
        print("differs:", x["domain"], json.dumps(x)[:300], "|", json.dumps(y)[:300])
sys.exit(0 if len(a) == len(b) and not bad else 1)
EOF
run "merged export = one-machine export, domain for domain" 0 python3 "$TMP/same.py" "$TMP/whole.jsonl" "$TMP/merged.jsonl"
expect "$want of $want domains identical"
head -n 3 "$TMP/out"

# Refusals: exit 2, the file named, nothing written.
run "merge without shard 1" 2 "$BIN" merge --db "$TMP/no1.db" "${shards[0]}" "${shards[2]}"
expect "shard(s) 1 of $N missing"
run "merge with shard 0 twice" 2 "$BIN" merge --db "$TMP/no2.db" "${shards[@]}" "${shards[0]}"
expect "are both shard 0/$N"
cp "${shards[1]}" "$TMP/copy1.db"
run "merge with another file of shard 1" 2 "$BIN" merge --db "$TMP/no3.db" "${shards[@]}" "$TMP/copy1.db"
expect "copy1.db and"
run "merge of a one-machine run" 2 "$BIN" merge --db "$TMP/no4.db" "$TMP/whole.db" "${shards[1]}" "${shards[2]}"
expect "whole.db: run 1 is not a shard"
run "--shard without --plan" 2 "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/no5.db" --shard 0/$N "${OPTS[@]}"
expect "--shard needs --plan"
run "--shard 0/4 with a plan of $N" 2 "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/no6.db" --shard 0/4 --plan "$TMP/plan.json" "${OPTS[@]}"
expect "plan.json: the plan has $N shards"
head -n 20 "$TMP/all.csv" >"$TMP/short.csv"
run "a plan of another list" 2 "$BIN" scan --domains "$TMP/short.csv" --db "$TMP/no7.db" --shard 0/$N --plan "$TMP/plan.json" "${OPTS[@]}"
expect "made for another list"
run "a plan of other options" 2 "$BIN" scan --domains "$TMP/all.csv" --db "$TMP/no8.db" --shard 0/$N --plan "$TMP/plan.json" "${OPTS[@]}" --per-ip 1
expect "made with other scan options"
for n in 1 2 3 4 5 6 7 8; do
  [ -e "$TMP/no$n.db" ] && { echo "FAIL refused command left $TMP/no$n.db"; fails=$((fails + 1)); }
done
finish shard_testbed

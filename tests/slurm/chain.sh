#!/usr/bin/env bash
# chain.sh — deploy/slurm's job chain under a real Slurm (tests/slurm/up), with
# tests/slurm/fake-nulmeting in place of the command, so that what is tested is the scheduling:
#   * submit makes a plan job, an N-task array and a merge job; every shard I/N runs exactly
#     once, after the plan, the tasks side by side, the merge after the last shard ended;
#   * --options reach plan and every shard alike, --label keeps its space;
#   * a shard whose scan exits 1 (domains left unmeasured) does not stop the merge, which names it;
#   * a shard that fails (exit 2) cancels the merge, and submit --wait exits 1;
#   * submit refuses a directory that already holds a measurement.
# The real measurement under the same scripts: tests/slurm/job_array.sh. Needs root (exit 77).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$SRC/tests/cli/lib.bash"
if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null; then
  echo "SKIPPED: needs root and Slurm (scripts/install-deps)"; exit 77
fi
# Outside a network namespace, a namespace of its own: the daemons resolve host names, and the
# host's resolver is not ours to ask; the ports stay on this namespace's loopback.
if [ -z "$(ip netns identify $$ 2>/dev/null)" ] && [ -z "${NM_CHAIN_NS:-}" ]; then
  export NM_CHAIN_NS=nm-slurm-chain-$$
  ip netns add "$NM_CHAIN_NS" || { echo "FAIL ip netns add"; exit 1; }
  ip -n "$NM_CHAIN_NS" link set lo up
  rc=0; ip netns exec "$NM_CHAIN_NS" bash "$0" "$@" || rc=$?
  ip netns del "$NM_CHAIN_NS"; exit "$rc"
fi
SDIR=/run/nulmeting-slurm/chain-$$
trap '"$HERE/down" --dir "$SDIR" ${KEEP_SLURM:+--keep-logs} >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$HERE/up" --dir "$SDIR" --port 6927 --cpus 8 || { echo "FAIL slurm up"; exit 1; }
# shellcheck disable=SC1091
. "$SDIR/env"
# Long enough that the four tasks overlap even when slurmd launches them a second or two apart
# (each launch forks slurmstepd and checks a munge credential; slow on a loaded 2-core machine).
export FAKE_LOG=$TMP/calls FAKE_SCAN_SECONDS=8
printf 'domain,organization,sector\na.test,A,rijk\n' >"$TMP/list.csv"
SUB=("$SRC/deploy/slurm/submit" --list "$TMP/list.csv" --nulmeting "$HERE/fake-nulmeting"
     --partition "$NM_SLURM_PARTITION" --wait 120)

# 1. Four shards, shard 2 leaves domains unmeasured.
: >"$FAKE_LOG"
run "submit 4 shards, wait for the merge" 0 env FAKE_SCAN_RC=2:1 "${SUB[@]}" --shards 4 --dir "$TMP/m1" \
  --options "--resolver 127.53.0.53 --allow-address 127.0.0.0/8 --ehlo-name scan.test --per-ip 2" --label "nightly run"
expect "merge job"
expect "COMPLETED"
python3 - "$FAKE_LOG" "$TMP/m1" <<'PY' || fails=$((fails + 1))
import os, sys
calls = [l.split() for l in open(sys.argv[1]) if l.strip()]
d = sys.argv[2]
plans = [c for c in calls if c[1] == "plan"]
scans = [c for c in calls if c[1] == "scan"]
merges = [c for c in calls if c[1] == "merge"]
assert len(plans) == 1 and len(merges) == 1, calls
shard_of = lambda c: c[c.index("--shard") + 1]
assert sorted(shard_of(c) for c in scans) == ["0/4", "1/4", "2/4", "3/4"], scans
plan_t = int(plans[0][0])
assert all(int(c[0]) > plan_t for c in scans), "a shard started before the plan"
starts = [int(c[0]) for c in scans]
ends = [os.stat(os.path.join(d, "shard-%d.db" % i)).st_mtime_ns for i in range(4)]
assert max(starts) < min(ends), "the tasks did not all run at one time: %s %s" % (starts, ends)
assert int(merges[0][0]) > max(ends), "merge started before the last shard ended"
p, s = plans[0], scans[0]
opts = ["--resolver", "127.53.0.53", "--allow-address", "127.0.0.0/8", "--ehlo-name", "scan.test", "--per-ip", "2"]
assert p[2:4] == ["--domains", os.path.abspath(os.path.join(d, "..", "list.csv"))] and p[-len(opts):] == opts, p
assert all(c[-len(opts):] == opts and "--plan" in c for c in scans), scans
assert s[s.index("--label") + 1:s.index("--label") + 3] == ["nightly", "run"], s
assert merges[0][2:4] == ["--db", os.path.join(d, "merged.db")], merges
assert merges[0][4:] == [os.path.join(d, "shard-%d.db" % i) for i in range(4)], merges
print("ok   plan once, shards 0..3/4 once each after it and side by side, merge after the last; arguments")
PY
[ "$(cat "$TMP/m1/shard-2.rc")" = 1 ] || { echo "FAIL shard-2.rc is not 1"; fails=$((fails + 1)); }
grep -q "unmeasured domains (scan exit 1): 2" "$TMP"/m1/logs/merge-*.out || { echo "FAIL merge log does not name shard 2"; fails=$((fails + 1)); }
[ "$(wc -l <"$TMP/m1/merged.db")" -eq 4 ] || { echo "FAIL merged output"; fails=$((fails + 1)); }

# 2. A failing shard: no merge, submit --wait says so.
: >"$FAKE_LOG"
run "a failing shard cancels the merge" 1 env FAKE_SCAN_RC=1:2 "${SUB[@]}" --shards 3 --dir "$TMP/m2"
expect "CANCELLED"
grep -q ' merge ' "$FAKE_LOG" && { echo "FAIL merge ran after a failed shard"; fails=$((fails + 1)); }
[ ! -e "$TMP/m2/merged.db" ] || { echo "FAIL merged.db exists"; fails=$((fails + 1)); }

# 3. A directory with a measurement is refused before anything is submitted.
run "submit refuses a used directory" 2 "${SUB[@]}" --shards 4 --dir "$TMP/m1"
expect "already holds a measurement"

finish slurm-chain

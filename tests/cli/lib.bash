# lib.bash — shared by the shell tests of the command (tests/cli/*.sh), sourced, not run.
#   run NAME EXPECTED_RC CMD...  runs CMD, keeps stdout+stderr in $TMP/out, checks the exit code
#   expect TEXT / reject TEXT    the last run's output contains / lacks TEXT (fixed string)
#   require_testbed              exit 77 (ctest: skipped) unless the testbed is up and this
#                                process runs inside its namespace; sources its env
#   finish NAME                  prints the failure count, exits non-zero on any failure
#   $PY                          Debian's python3 (has the Debian Python packages)
# Debian's interpreter: the checks that need Debian's Python packages (python3-jsonschema,
# python3-prometheus-client, python3-openpyxl) run with it, whatever python3 is first on PATH.
PY=${NULMETING_PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

run() {
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; tail -n 40 "$TMP/out" | sed 's/^/  | /'
    fails=$((fails + 1))
  else
    echo "ok   $name (exit $rc)"
  fi
}
expect() {
  if ! grep -qF -- "$1" "$TMP/out"; then
    echo "FAIL   output lacks: $1"; tail -n 40 "$TMP/out" | sed 's/^/  | /'; fails=$((fails + 1))
  fi
}
reject() {
  if grep -qF -- "$1" "$TMP/out"; then
    echo "FAIL   output must not contain: $1"; fails=$((fails + 1))
  fi
}
require_testbed() {
  local tb=${NULMETING_TESTBED:-}
  if [ -z "$tb" ] || [ ! -f "$tb/env" ]; then
    echo "SKIPPED: the testbed is not up (NULMETING_TESTBED unset); run scripts/test as root"; exit 77
  fi
  # shellcheck disable=SC1091
  . "$tb/env"
  if [ "$(ip netns identify $$ 2>/dev/null)" != "$TB_NETNS" ]; then
    echo "SKIPPED: not running inside the testbed namespace $TB_NETNS"; exit 77
  fi
}
finish() {
  echo "$1: $fails failure(s)"
  [ "$fails" -eq 0 ]
}

# lib.sh — shared helpers for scripts/*: stage timing and the build step. Sourced, not run.
NULMETING_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declare -a NM_STAGES=()
nm_stage_start() { NM_STAGE_NAME=$1; NM_STAGE_T0=$(date +%s); echo "==> $1"; }
nm_stage_end() {
  local dt=$(( $(date +%s) - NM_STAGE_T0 ))
  NM_STAGES+=("$(printf '%-34s %5ss' "$NM_STAGE_NAME" "$dt")")
  echo "<== $NM_STAGE_NAME (${dt}s)"
}
nm_print_stages() { echo "== stage times =="; printf '%s\n' "${NM_STAGES[@]}"; }
# nm_build PRESET [TARGET...]: configure (once) and build a CMake preset (all of it, or only
# the targets named: the benchmarks need only the nulmeting binary, not every test).
nm_build() {
  local preset=$1
  shift
  if [ ! -f "$NULMETING_ROOT/build/$preset/build.ninja" ]; then
    cmake --preset "$preset" -S "$NULMETING_ROOT" >/dev/null
  fi
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" -j "${NM_BUILD_JOBS:-$(nproc)}" --target "$@"
  else
    cmake --build --preset "$preset" -j "${NM_BUILD_JOBS:-$(nproc)}"
  fi
}
# nm_can_netns: true when this process may create network namespaces (root, ip netns works).
nm_can_netns() {
  [ "$(id -u)" -eq 0 ] || return 1
  ip netns add nulmeting-probe-$$ 2>/dev/null || return 1
  ip netns del nulmeting-probe-$$ 2>/dev/null
  return 0
}
# nm_warm_postfix NETNS RUN_DIR: one smtpd process behind every Postfix listener of a running
# testbed before a benchmark's scan (tests/testbed/warm-postfix: real mail servers start their
# processes on their own machines, not on the scanner's cores; the resolver stays cold).
nm_warm_postfix() {
  ip netns exec "$1" python3 "$NULMETING_ROOT/tests/testbed/warm-postfix" --run-dir "$2"
}

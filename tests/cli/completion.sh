#!/usr/bin/env bash
# completion.sh — the bash completion (scripts/completion/nulmeting.bash, installed by the
# package) against the real command: every subcommand `nulmeting --help` lists (nested ones too)
# is completed, so is every option of every subcommand, the choices of an option with a fixed
# set (report --format), no file names for a number, and file names for a path option.
# Usage: bash completion.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: completion.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.bash"
# shellcheck disable=SC1091
. "$SRC/scripts/completion/nulmeting.bash"

# complete WORDS...: what TAB offers after WORDS (the last word is the one being completed).
complete_words() {
  COMP_WORDS=("$BIN" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _nulmeting
  ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
}
# offered NAME WANT WORDS...: WANT must be among the completions of WORDS.
offered() {
  local name=$1 want=$2; shift 2
  local got
  got=$(complete_words "$@")
  if grep -qxF -- "$want" <<<"$got"; then :; else
    echo "FAIL $name: '$want' not offered after: nulmeting $*"; fails=$((fails + 1)); fi
}
# The help's own lists, read here independently of the completion's parser: the lines between
# a "Subcommands:" (or "Options:") header and the next blank line.
list_of() {  # list_of HEADER WORDS...
  local header=$1; shift
  "$BIN" "$@" --help | sed -n "/^$header:\$/,/^\$/p" | sed -n 's/^  \([^ ]*\).*/\1/p'
}

subs=$(list_of Subcommands)
[ -n "$subs" ] || { echo "FAIL no subcommands found in nulmeting --help"; exit 1; }
n=0
for s in $subs; do
  offered "subcommand $s" "$s" ""
  n=$((n + 1))
  for o in $(list_of Options "$s" | tr ',' ' '); do offered "$s option $o" "$o" "$s" "-"; done
  for s2 in $(list_of Subcommands "$s"); do
    offered "subcommand $s $s2" "$s2" "$s" ""
    n=$((n + 1))
    for o in $(list_of Options "$s" "$s2" | tr ',' ' '); do offered "$s $s2 option $o" "$o" "$s" "$s2" "-"; done
  done
done
echo "checked $n subcommands and their options"
# Options before the subcommand and a subcommand after a global option.
offered "global --log-json" --log-json "--"
offered "subcommand after a global option" scan --log-json ""
# Fixed choices, and nothing else.
for f in html xlsx csv md json; do offered "report --format $f" "$f" report --db x.sqlite --format ""; done
got=$(complete_words export --format c | tr '\n' ' ')
[ "$got" = "csv " ] || { echo "FAIL export --format c offers '$got', want 'csv'"; fails=$((fails + 1)); }
# A number: no file names. A path: file names.
got=$(cd "$SRC" && complete_words scan --concurrency "" | grep -c .)
[ "$got" -eq 0 ] || { echo "FAIL scan --concurrency offers $got words, want none"; fails=$((fails + 1)); }
got=$(cd "$SRC" && complete_words scan --domains CMakeL)
[ "$got" = CMakeLists.txt ] || { echo "FAIL scan --domains CMakeL offers '$got'"; fails=$((fails + 1)); }
finish completion

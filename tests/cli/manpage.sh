#!/usr/bin/env bash
# manpage.sh — the man page nulmeting(1) the package build generates (scripts/gen-manpage, with
# help2man) from the command's own help: it names every subcommand `nulmeting --help` lists
# (nested ones too) with that subcommand's options, shows the version, and man renders it
# without warnings. Skipped (77) without help2man.
# Usage: bash manpage.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: manpage.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/lib.bash"
command -v help2man >/dev/null || { echo "SKIP: help2man not installed (scripts/install-deps)"; exit 77; }

list_of() {  # list_of HEADER WORDS...: the first words of one section of `nulmeting WORDS --help`
  local header=$1; shift
  "$BIN" "$@" --help | sed -n "/^$header:\$/,/^\$/p" | sed -n 's/^  \([^ ]*\).*/\1/p'
}
page=$TMP/nulmeting.1
run "gen-manpage" 0 "$SRC/scripts/gen-manpage" "$BIN" "$page"
cp "$page" "$TMP/out"
version=$("$BIN" --version | awk '{ print $2 }')
expect ".TH NULMETING \"1\""
expect "nulmeting $version"
expect ".SH COMMANDS"
expect ".SH \"EXIT STATUS\""
expect ".SH FILES"
subs=$(list_of Subcommands)
[ -n "$subs" ] || { echo "FAIL no subcommands in nulmeting --help"; exit 1; }
# has SUBCOMMAND-WORDS...: its .SS heading and each of its options (as roff writes them: \-).
has() {
  local words="$*"
  grep -qF ".SS \"nulmeting $words\"" "$page" || { echo "FAIL page lacks subcommand: $words"; fails=$((fails + 1)); return; }
  local o
  for o in $(list_of Options "$@" | tr ',' ' '); do
    # The subcommand's own section must carry the option.
    awk -v h=".SS \"nulmeting $words\"" '$0 == h { on = 1; next } /^\.SS / { on = 0 } on' "$page" \
      | grep -qF -- "${o//-/\\-}" || { echo "FAIL page lacks option $o of: $words"; fails=$((fails + 1)); }
  done
}
for s in $subs; do
  has "$s"
  for s2 in $(list_of Subcommands "$s"); do has "$s" "$s2"; done
done
if command -v man >/dev/null; then
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || { echo "FAIL man warns:"; echo "$warnings" | head -20; fails=$((fails + 1)); }
fi
finish manpage

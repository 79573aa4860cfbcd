#!/usr/bin/env bash
# domains_check.sh — `nulmeting domains check` and `domains import-roo`, end to end: the real
# command on good and bad lists and exports; checks exit codes and the exact messages.
# Usage: bash domains_check.sh /path/to/nulmeting
set -uo pipefail
BIN=${1:?usage: domains_check.sh /path/to/nulmeting}
SRC=${NULMETING_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX=$SRC/tests/domains/fixtures
. "$(dirname "$0")/lib.bash"

# The bundled list is valid, with the documented counts.
run "bundled list" 0 "$BIN" domains check "$SRC/domains/data/nl-government-domains.csv"
expect "gemeente          347            342"
expect "provincie          14             12"
expect "waterschap         23             21"
expect "rijk               27"
expect "overig            176"
expect "valid: 587 domains, 0 warnings"
reject "error:"

# A spreadsheet export with BOM, CRLF, quotes, a quoted line break and a duplicate: valid,
# with one warning that names both lines.
run "good list" 0 "$BIN" domains check "$FIX/lists/good.csv"
expect "good.csv:8:1: warning: duplicate of line 3: 'aaenhunze.nl' is listed there already; this row is ignored (same organization and sector)"
expect "valid: 4 domains, 1 warning"

# A bad list: every problem at once, each with line and column, exit 2.
run "bad list" 2 "$BIN" domains check "$FIX/lists/bad.csv"
expect "bad.csv:3:3: error: unknown sector 'ministerie' (expected rijk, provincie, gemeente, waterschap or overig)"
expect "bad.csv:4:1: error: '192.0.2.1' is an IPv4 address, not a domain name"
expect "bad.csv:5:1: error: 'www.example.nl/contact' is a URL"
expect "bad.csv:6:3: error: unknown sector 'Gooi en Vecht'"
expect "bad.csv:6:4: error: row has 4 fields but the header has 3; is there an unquoted comma in a name?"
expect "bad.csv:7:1: error: invalid UTF-8 (byte 0xE9) after 'x'"
expect "bad.csv:8:1: error: label '-bad-' starts with a hyphen"
expect "bad.csv:9:1: error: 'localhost' is a single-label name"
expect "bad.csv:10:2: error: organization is empty"
expect "bad.csv:11:2: error: the quote opened at line 11 is never closed"
expect "NOT valid: 10 errors, 0 warnings"
expect "provincie           1              1"

# Missing header column and a file that does not exist.
printf 'domain,organisatie\nx.nl,X\n' >"$TMP/nosector.csv"
run "missing column" 2 "$BIN" domains check "$TMP/nosector.csv"
expect "nosector.csv:1: error: the header has no sector column"
run "missing file" 2 "$BIN" domains check "$TMP/does-not-exist.csv"

# import-roo, both schema versions: the output is a valid list.
for v in 2.4.10 2.6.9; do
  run "import-roo $v" 0 "$BIN" domains import-roo "$FIX/roo-$v.xml" -o "$TMP/roo-$v.csv"
  expect "ended before"
  expect "could not map:"
  run "check import $v" 0 "$BIN" domains check "$TMP/roo-$v.csv"
  reject "warning:"
done
expect "valid: 8 domains, 0 warnings"

# A broken export writes nothing and exits 2.
printf '<overheidsorganisaties><organisaties><organisatie>' >"$TMP/broken.xml"
run "import-roo broken" 2 "$BIN" domains import-roo "$TMP/broken.xml" -o "$TMP/broken.csv"
expect "nothing written"
[ ! -e "$TMP/broken.csv" ] && [ ! -e "$TMP/broken.csv.tmp" ] || { echo "FAIL broken import wrote a file"; fails=$((fails + 1)); }
printf '<html/>' >"$TMP/html.xml"
run "import-roo not ROO" 2 "$BIN" domains import-roo "$TMP/html.xml" -o "$TMP/html.csv"
expect "not a ROO export"

if [ "$fails" -ne 0 ]; then echo "domains_check.sh: $fails failure(s)"; exit 1; fi
echo "domains_check.sh: all passed"

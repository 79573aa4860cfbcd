#!/usr/bin/env bash
# report_browser.sh — `nulmeting report` end to end, and its HTML checked in a real browser.
#
# Usage: bash tests/cli/report_browser.sh /path/to/nulmeting   (ctest runs it so)
# Needs: the storage fixture writer (tests/test_storage beside the build's cli/), sqlite3,
# unzip, and Debian's chromium (scripts/install-deps). Without chromium it fails, loudly:
# the browser check is part of the definition of done of the report.
#
# What it proves:
# - every format is written from the fixture database (exit 0, non-empty, XLSX is a ZIP with
#   eight sheets: tls_items since issue 15); a missing run or database exits 2 and leaves no output file;
# - Chromium renders the HTML (screenshot kept at <build>/report-screenshot.png);
# - organisations named `<script>alert(1)</script>` and `<img src=x onerror=...>` appear as
#   text: the DOM Chromium dumps holds them escaped, holds no element they would create, and
#   the document title is unchanged (the onerror handler would have rewritten it).
#
# Chromium headless notes (Debian chromium 156): it prints D-Bus connection errors on stderr
# (no session bus in the sandbox) — harmless, ignored; --no-sandbox is needed as root; a
# URL with a #fragment in --screenshot mode gave a blank image, so the whole page is shot at
# a tall window size instead; each run gets a fresh --user-data-dir so no profile is shared.
set -euo pipefail

NULMETING=$(realpath "$1")
BUILD=$(dirname "$(dirname "$NULMETING")")
TEST_STORAGE="$BUILD/tests/test_storage"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$TEST_STORAGE" ] || fail "fixture writer $TEST_STORAGE not built (cmake --build ... --target test_storage)"
command -v chromium >/dev/null || fail "chromium not installed (scripts/install-deps)"

db="$work/fixture.db"
NULMETING_FIXTURE_OUT="$db" "$TEST_STORAGE" "[.make-fixture]" >/dev/null
# A second hostile organisation name: if it were markup, its handler would set the title.
sqlite3 "$db" "UPDATE organisations SET name = '<img src=x onerror=\"document.title=''XSS''\">' WHERE name = 'Gemeente Oosterdorp';"

# Every format, Dutch and English.
for f in html xlsx csv md json; do
  "$NULMETING" report --db "$db" --format "$f" -o "$work/r.$f" --compare 2 \
    || fail "report --format $f exited $?"
  [ -s "$work/r.$f" ] || fail "report --format $f wrote nothing"
  [ ! -e "$work/r.$f.tmp" ] || fail "temporary file left behind"
done
"$NULMETING" report --db "$db" --format html --lang en -o "$work/r.en.html" \
  || fail "report --lang en"
grep -q '<html lang="en">' "$work/r.en.html" || fail "English report is not English"
grep -q '<html lang="nl">' "$work/r.html" || fail "Dutch is not the default"
[ "$(unzip -Z1 "$work/r.xlsx" | grep -c '^xl/worksheets/sheet[0-9]*\.xml$')" = 8 ] \
  || fail "XLSX does not hold eight sheets"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['run']['id']==3 and d['compare']['id']==2" \
  "$work/r.json" || fail "JSON names the wrong runs"

# Bad input: exit 2, nothing written.
set +e
"$NULMETING" report --db "$db" --run 99 --format html -o "$work/none.html" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "--run 99 exited $rc, want 2"
[ ! -e "$work/none.html" ] || fail "--run 99 wrote a file"

# Chromium: DOM and screenshot.
chrome() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2>"$work/chromium.log"
}
chrome --dump-dom "file://$work/r.html" >"$work/dom.html" || fail "chromium --dump-dom failed"
[ -s "$work/dom.html" ] || fail "empty DOM"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$work/dom.html" \
  || fail "the <script> organisation is not shown as text"
grep -qF '&lt;img src=x onerror="document.title=' "$work/dom.html" \
  || grep -qF '&lt;img src=x onerror=&quot;document.title=' "$work/dom.html" \
  || fail "the <img> organisation is not shown as text"
! grep -qi '<script' "$work/dom.html" || fail "a <script> element exists in the DOM"
! grep -qi '<img' "$work/dom.html" || fail "an <img> element exists in the DOM"
title=$(grep -o "<title>[^<]*</title>" "$work/dom.html" | sed -n 1p)  # the document's, before the SVG tooltips
[ "$title" = "<title>STARTTLS en DANE bij de overheid: adoptie per sector — Meting 3</title>" ] \
  || fail "title changed: $title"
grep -q '<svg' "$work/dom.html" || fail "no charts"

shot="$BUILD/report-screenshot.png"
rm -f "$shot"
chrome --screenshot="$shot" --window-size=1280,2400 "file://$work/r.html" >/dev/null \
  || fail "chromium --screenshot failed"
[ "$(stat -c %s "$shot")" -gt 50000 ] || fail "screenshot suspiciously small"
cp "$work/r.html" "$BUILD/report-fixture.html"
echo "report_browser: ok (screenshot $shot, HTML $BUILD/report-fixture.html)"

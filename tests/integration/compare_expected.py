#!/usr/bin/env python3
"""compare_expected.py — compare `nulmeting export --format jsonl` with the testbed catalogue.

Usage: compare_expected.py EXPORT.jsonl EXPECTED.json [--only-listed]

For every domain of the export that the catalogue knows, compares the domain verdicts (mail,
dnssec, starttls, dane, dane_rollover, protected) and, per MX host, the address class, TLSA
status/base/usable count, host status (when exported) and per address the outcome and DANE
result. Prints one line per difference, then "verdicts: N of M domains agree" and exits 1 on any
difference or when a catalogue domain is missing from the export.
"""
import json
import sys

DOMAIN_FIELDS = ["mail", "dnssec", "starttls", "dane", "dane_rollover", "protected"]


def load_jsonl(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if obj["domain"] in out:
                raise SystemExit(f"{path}:{n}: domain {obj['domain']} exported twice")
            out[obj["domain"]] = obj
    return out


def compare_domain(name, got, want):
    diffs = []
    for f in DOMAIN_FIELDS:
        if f in want and got.get(f) != want[f]:
            diffs.append(f"{name}: {f} = {got.get(f)!r}, catalogue says {want[f]!r}")
    want_mx = want.get("mx")
    if want_mx is None:
        return diffs
    got_mx = {m["name"]: m for m in got.get("mx", [])}
    for wm in want_mx:
        gm = got_mx.get(wm["name"])
        where = f"{name} MX {wm['name']}"
        if gm is None:
            diffs.append(f"{where}: missing from the export")
            continue
        for f in ("address_dnssec", "status", "preference"):
            if f in wm and f in gm and gm[f] != wm[f]:
                diffs.append(f"{where}: {f} = {gm[f]!r}, catalogue says {wm[f]!r}")
        wt, gt = wm.get("tlsa", "absent"), gm.get("tlsa")
        if wt != "absent":
            if wt is None and gt is not None:
                diffs.append(f"{where}: TLSA looked up ({gt.get('status')}), catalogue says no lookup")
            elif wt is not None:
                if gt is None:
                    diffs.append(f"{where}: no TLSA lookup, catalogue says {wt.get('status')}")
                else:
                    for f in ("status", "base", "usable"):
                        if f in wt and gt.get(f) != wt[f]:
                            diffs.append(f"{where}: tlsa.{f} = {gt.get(f)!r}, catalogue says {wt[f]!r}")
        got_addr = {a["ip"]: a for a in gm.get("addresses", [])}
        for wa in wm.get("addresses", []):
            ga = got_addr.get(wa["ip"])
            if ga is None:
                diffs.append(f"{where} [{wa['ip']}]: not probed")
                continue
            for f in ("outcome", "dane", "dane_reason"):
                # JSONL writes null where measurement.md says n/a (interface.md)
                gv, wv = (None if v == "n/a" else v for v in (ga.get(f), wa.get(f)))
                if f in wa and f in ga and gv != wv:
                    diffs.append(f"{where} [{wa['ip']}]: {f} = {gv!r}, catalogue says {wv!r}")
    return diffs


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    got = load_jsonl(sys.argv[1])
    want = json.load(open(sys.argv[2], encoding="utf-8"))["domains"]
    only_listed = "--only-listed" in sys.argv
    total = agree = 0
    all_diffs = []
    for name, w in sorted(want.items()):
        if name not in got:
            if not only_listed:
                all_diffs.append(f"{name}: missing from the export")
                total += 1
            continue
        total += 1
        d = compare_domain(name, got[name], w)
        if not d:
            agree += 1
        all_diffs.extend(d)
    for d in all_diffs:
        print("DIFF " + d)
    print(f"verdicts: {agree} of {total} domains agree with the catalogue")
    return 0 if agree == total and total > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""nulmeting test network: brings up / tears down a private DNS + mail internet in a netns.

Called by tests/testbed/up, down, selftest and posttls-agreement (thin wrappers). Reads the
scenario catalogue scenarios.toml and writes the configuration it generates (zones, certificates,
configs, env) under tests/testbed/run/ (or --run-dir). What the daemons open at run time (pid
files, logs, the Postfix queue, data and sockets, NSD/Unbound state) lives in the state
directory /run/nulmeting-testbed/<netns>/: every daemon user can reach it wherever the checkout
is (a checkout under /root or a 0700 home is closed to `postfix`), and its socket paths stay far
below the 108-byte limit of a Unix socket name however deep the checkout (issue 13).

Invariants:
- Every process started is recorded in <state>/pids/*.pid; `down` stops exactly those, then
  checks `ip netns pids` is empty before `ip netns del` (testbed-notes.md). Never kills by name.
- A failed `up` tears down what it started (the same pid files) and deletes the namespace, and
  says which server failed with the tail of its log.
- All traffic stays inside the namespace (addresses on its lo: 127.x and fd00::/8).
- Expected verdicts come from the catalogue (decided by measurement.md), never from a tool.

Traps met (see also docs/decisions/testbed.md):
- `test.` is special-use: Unbound needs `local-zone: "test." nodefault`.
- dnssec-signzone with a single CSK needs -z (else only DNSKEY gets signed by the KSK).
- Postfix smtpd must start as root to read keys; queue dir must be traversable by `postfix`.
"""
from __future__ import annotations

import argparse
import bisect
import concurrent.futures
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = HERE / "run"
CATALOGUE = HERE / "scenarios.toml"
# NULMETING_NETNS names the default namespace, so that two testbeds run side by side.
DEFAULT_NETNS = os.environ.get("NULMETING_NETNS") or "nulmeting-tb"
STATE_ROOT = Path("/run/nulmeting-testbed")
STATE = STATE_ROOT / DEFAULT_NETNS  # set per namespace in main()
# Test hook (tests/testbed/up-failure): a real start-up failure late in `up`, after NSD and
# Unbound run: Postfix is also told to listen on the resolver's TCP port, which Unbound holds.
FAULT = os.environ.get("TB_INJECT_FAULT", "")
SKIP = 77
JOBS = max(2, (os.cpu_count() or 2) * 2)  # parallel openssl/dnssec-signzone subprocesses

# Infrastructure address plan (scenario hosts are in the catalogue).
NS_ROOT = {"name": "a.root.", "v4": "127.53.0.1", "v6": "fd00:53::1"}
NS_TLD = {"name": "ns.test.", "v4": "127.53.0.2", "v6": "fd00:53::2"}
NS_ZONES = {"name": "ns1.test.", "v4": "127.53.0.3", "v6": "fd00:53::3"}
NS_LAME = {"name": "ns-lame.test.", "v4": "127.53.0.4", "v6": "fd00:53::4"}
RESOLVER = {"v4": "127.53.0.53", "v6": "fd00:53::53"}
ALLOW_RANGES = ["127.0.0.0/8", "fd00::/8"]  # every testbed address is in these
EHLO_NAME = "scanner.nulmeting.test"
BACKEND_PORT_OFFSET = 10000  # with --latency-ms servers listen on port+offset, the proxy on port


def log(msg: str) -> None:
    print(f"testbed: {msg}", flush=True)


def state_dir(netns: str) -> Path:
    return STATE_ROOT / netns


# The server `up` is starting (name, its log): named with its log's tail when `up` fails.
STARTING: tuple[str, Path] | None = None


def starting(what: str, logfile: Path) -> None:
    global STARTING
    STARTING = (what, logfile)


def run(cmd: list[str], *, cwd: Path | None = None, check: bool = True, capture: bool = True,
        env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, cwd=cwd, text=True, capture_output=capture, env=env, input=input,
                       timeout=300)
    if check and p.returncode != 0:
        raise SystemExit(f"testbed: command failed ({p.returncode}): {' '.join(cmd)}\n"
                         f"{p.stdout}\n{p.stderr}")
    return p


def nsexec(netns: str, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return run(["ip", "netns", "exec", netns] + cmd, **kw)


def require_root() -> None:
    if os.geteuid() != 0:
        print("testbed: skipped: needs root to create a network namespace "
              f"(running as uid {os.geteuid()})", file=sys.stderr)
        sys.exit(SKIP)
    if shutil.which("ip") is None:
        print("testbed: skipped: iproute2 (ip) is not installed", file=sys.stderr)
        sys.exit(SKIP)


# ---------------------------------------------------------------------------------------------
# Catalogue

def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def bare(name: str) -> str:
    return name.rstrip(".")


def load_catalogue() -> dict:
    with open(CATALOGUE, "rb") as f:
        cat = tomllib.load(f)
    cat.setdefault("zone", [])
    cat.setdefault("host", {})
    cat.setdefault("cert", {})
    cat.setdefault("domain", [])
    return cat


# ---------------------------------------------------------------------------------------------
# Certificates (openssl CLI)

class Certs:
    """Generates the private CA, intermediates and leaf certificates named in the catalogue."""

    def __init__(self, cat: dict, outdir: Path):
        self.spec = cat["cert"]
        self.dir = outdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.done: set[str] = set()

    def path(self, name: str, kind: str) -> Path:
        return self.dir / f"{name}.{kind}"

    def make(self, name: str) -> None:
        if name in self.done:
            return
        spec = self.spec[name]
        issuer = spec.get("issuer", "self")
        if issuer != "self":
            self.make(issuer)
        key = self.path(name, "key")
        keytype = spec.get("key", "ec")
        if keytype == "ec":
            run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", str(key)])
        else:
            bits = keytype.removeprefix("rsa")
            run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                 "-out", str(key)])
        names = spec.get("names", [])
        cn = spec.get("cn", names[0] if names else name)
        is_ca = spec.get("ca", False)
        ext = self.path(name, "ext")
        lines = []
        if is_ca:
            lines += ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
        else:
            lines += ["basicConstraints=critical,CA:FALSE",
                      "keyUsage=critical,digitalSignature,keyEncipherment",
                      "extendedKeyUsage=serverAuth"]
            if names:
                lines.append("subjectAltName=" + ",".join(f"DNS:{n}" for n in names))
        lines += ["subjectKeyIdentifier=hash"]
        if issuer != "self":
            lines.append("authorityKeyIdentifier=keyid")
        ext.write_text("\n".join(lines) + "\n")
        crt = self.path(name, "crt")
        if spec.get("expired", False):
            start, end = "20200101000000Z", "20210101000000Z"
        else:
            start, end = "20250101000000Z", "20350101000000Z"
        csr = self.path(name, "csr")
        run(["openssl", "req", "-new", "-key", str(key), "-subj", f"/CN={cn}", "-out", str(csr)])
        if issuer == "self":
            self._sign(name, key, None, ext, start, end, spec.get("md", "sha256"))
        else:
            self._sign(name, self.path(issuer, "key"), self.path(issuer, "crt"), ext, start, end,
                       spec.get("md", "sha256"))
        # chain files for smtpd_tls_chain_files: key, leaf, then issuers below the root
        chain = [crt.read_text()]
        iss = issuer
        while iss != "self" and self.spec[iss].get("issuer", "self") != "self":
            chain.append(self.path(iss, "crt").read_text())
            iss = self.spec[iss]["issuer"]
        self.path(name, "chain.pem").write_text(key.read_text() + "".join(chain))
        self.path(name, "leafonly.pem").write_text(key.read_text() + chain[0])
        self.done.add(name)

    def _sign(self, name, signkey, signcert, ext, start, end, md) -> None:
        """OpenSSL 3.0's x509 cannot set dates directly; `openssl ca` can (-startdate/-enddate).
        `md` is the signature's hash (catalogue key `md`, default sha256; sha1 for the SHA-1-
        signed leaf of measurement.md §4)."""
        d = self.dir / "ca-db" / name  # one database per certificate: signing runs in parallel
        d.mkdir(parents=True, exist_ok=True)
        (d / "index.txt").write_text("")
        serial = hashlib.sha256(name.encode()).hexdigest()[:16]
        (d / "serial").write_text(serial + "\n")
        conf = d / "ca.cnf"
        conf.write_text(
            "[ca]\ndefault_ca=c\n[c]\n"
            f"dir={d}\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir\n"
            f"default_md={md}\npolicy=p\nunique_subject=no\ncopy_extensions=none\n"
            "[p]\ncommonName=supplied\n")
        crt = self.path(name, "crt")
        cmd = ["openssl", "ca", "-batch", "-notext", "-config", str(conf), "-in",
               str(self.path(name, "csr")), "-out", str(crt), "-startdate", start, "-enddate", end,
               "-extfile", str(ext)]
        if signcert is None:
            cmd += ["-selfsign", "-keyfile", str(signkey)]
        else:
            cmd += ["-cert", str(signcert), "-keyfile", str(signkey)]
        run(cmd)

    def make_all(self) -> None:
        """Generate every catalogue certificate, issuers first, one level at a time in parallel."""
        level: dict[str, int] = {}

        def depth(n: str) -> int:
            if n not in level:
                iss = self.spec[n].get("issuer", "self")
                level[n] = 0 if iss == "self" else depth(iss) + 1
            return level[n]
        for n in self.spec:
            depth(n)
        with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
            for lv in sorted(set(level.values())):
                list(pool.map(self.make, [n for n in self.spec if level[n] == lv]))

    @functools.cache
    def der(self, name: str) -> bytes:
        self.make(name)
        return subprocess.run(["openssl", "x509", "-in", str(self.path(name, "crt")), "-outform",
                               "DER"], capture_output=True, check=True).stdout

    @functools.cache
    def spki(self, name: str) -> bytes:
        self.make(name)
        pem = subprocess.run(["openssl", "x509", "-in", str(self.path(name, "crt")), "-pubkey",
                              "-noout"], capture_output=True, check=True).stdout
        return subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pem,
                              capture_output=True, check=True).stdout


def tlsa_rdata(sym: str, certs: Certs) -> str:
    """'3 1 1 leaf:NAME' / '2 0 1 ca:NAME' / '3 1 1 random:SEED' / '3 1 1 <hex>' -> rdata text.

    `certder:NAME` is the certificate's DER whatever the selector says: '3 1 0 certder:X' is the
    selector mix-up (selector 1 promises a SubjectPublicKeyInfo, the data is a certificate)."""
    u, s, m, ref = sym.split(None, 3)
    if ":" in ref:
        kind, name = ref.split(":", 1)
        if kind == "random":
            data = hashlib.sha512(f"nulmeting-random-{name}".encode()).digest()
            data = data[:32] if m == "1" else data if m == "2" else data * 4
        elif kind in ("leaf", "ca", "cert", "certder"):
            data = certs.der(name) if s == "0" or kind == "certder" else certs.spki(name)
            if m == "1":
                data = hashlib.sha256(data).digest()
            elif m == "2":
                data = hashlib.sha512(data).digest()
        elif kind == "raw":
            return f"{u} {s} {m} {name}"
        else:
            raise SystemExit(f"testbed: unknown TLSA reference {sym!r}")
        return f"{u} {s} {m} {data.hex()}"
    return f"{u} {s} {m} {ref}"


# ---------------------------------------------------------------------------------------------
# DNS

class Zone:
    def __init__(self, name: str, kind: str):
        self.name = fqdn(name).lower()
        self.kind = kind  # signed, unsigned, expired, bad-ds, lame
        self.records: list[tuple[str, str, str]] = []  # owner fqdn, type, rdata
        self.children: list[Zone] = []
        self.ds: list[str] = []  # DS rdata lines for this zone (into parent)
        self.keyfile: str | None = None

    def contains(self, owner: str) -> bool:
        return self.name == "." or owner == self.name or owner.endswith("." + self.name)

    @property
    def signed(self) -> bool:
        return self.kind in ("signed", "expired", "bad-ds")

    @property
    def filebase(self) -> str:
        return "root" if self.name == "." else bare(self.name)


class DnsBuilder:
    def __init__(self, outdir: Path):
        self.dir = outdir
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "keys").mkdir(exist_ok=True)
        self.zones: dict[str, Zone] = {}

    def add_zone(self, name: str, kind: str) -> Zone:
        z = Zone(name, kind)
        if z.name in self.zones:
            raise SystemExit(f"testbed: zone {z.name} declared twice")
        self.zones[z.name] = z
        return z

    def zone_for(self, owner: str) -> Zone:
        owner = fqdn(owner).lower()
        best = None
        for z in self.zones.values():
            if z.contains(owner) and (best is None or len(z.name) > len(best.name)):
                best = z
        assert best is not None
        return best

    def add(self, owner: str, rtype: str, rdata: str) -> None:
        owner = fqdn(owner).lower()
        self.zone_for(owner).records.append((owner, rtype, rdata))

    def link(self) -> None:
        for z in self.zones.values():
            if z.name == ".":
                continue
            parent_name = z.name.split(".", 1)[1] or "."
            parent = self.zone_for(parent_name)
            parent.children.append(z)
            z.parent = parent

    def build(self, ns_for_kind) -> None:
        """Write, key and sign all zones, children before parents."""
        self.link()
        order = sorted(self.zones.values(), key=lambda z: 0 if z.name == "." else -z.name.count("."))
        by_depth: dict[int, list[Zone]] = {}
        for z in order:
            by_depth.setdefault(0 if z.name == "." else z.name.count("."), []).append(z)
        # zones of one depth are independent: sign them in parallel (subprocesses), deepest first
        with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
            for depth in sorted(by_depth, reverse=True):
                list(pool.map(self._link_and_write, by_depth[depth], [ns_for_kind] * len(by_depth[depth])))

    def _link_and_write(self, z: "Zone", ns_for_kind) -> None:
        """Add delegations (NS, glue, DS of already signed children), then write/sign z."""
        for c in z.children:
            ns = NS_LAME if c.kind == "lame" else ns_for_kind(c)
            z.records.append((c.name, "NS", ns["name"]))
            if ns["name"].endswith("." + c.name):  # in-bailiwick: glue
                z.records.append((ns["name"], "A", ns["v4"]))
                z.records.append((ns["name"], "AAAA", ns["v6"]))
            for ds in c.ds:
                z.records.append((c.name, "DS", ds))
        self._write(z)

    def _write(self, z: Zone) -> None:
        ns = NS_ROOT if z.name == "." else NS_TLD if z.name == "test." else NS_ZONES
        lines = ["$TTL 300",
                 f"{z.name} 300 IN SOA {ns['name']} hostmaster.test. 1 3600 600 86400 60",
                 f"{z.name} 300 IN NS {ns['name']}"]
        for owner, rtype, rdata in z.records:
            lines.append(f"{owner} 300 IN {rtype} {rdata}")
        path = self.dir / f"{z.filebase}.zone"
        if z.kind == "lame":
            z.outfile = None
            return
        if not z.signed:
            path.write_text("\n".join(lines) + "\n")
            z.outfile = path
            return
        keydir = self.dir / "keys"
        key = run(["dnssec-keygen", "-q", "-K", str(keydir), "-a", "ECDSAP256SHA256", "-f", "KSK",
                   "-n", "ZONE", z.name]).stdout.strip()
        lines.append(f"$INCLUDE {keydir / key}.key")
        path.write_text("\n".join(lines) + "\n")
        now = int(time.time())
        if z.kind == "expired":
            start, end = now - 40 * 86400, now - 10 * 86400
        else:
            start, end = now - 3600, now + 30 * 86400
        fmt = lambda t: time.strftime("%Y%m%d%H%M%S", time.gmtime(t))
        out = self.dir / f"{z.filebase}.zone.signed"
        # -d: dsset- files go to the key dir, not the current directory
        run(["dnssec-signzone", "-q", "-z", "-P", "-d", str(keydir), "-K", str(keydir), "-o", z.name, "-s", fmt(start),
             "-e", fmt(end), "-j", "0", "-f", str(out), str(path), key])
        z.outfile = out
        dskey = key
        if z.kind == "bad-ds":  # a DS that matches no key in the zone
            dskey = run(["dnssec-keygen", "-q", "-K", str(keydir), "-a", "ECDSAP256SHA256", "-f",
                         "KSK", "-n", "ZONE", z.name]).stdout.strip()
        ds = run(["dnssec-dsfromkey", "-2", str(keydir / dskey) + ".key"]).stdout
        z.ds = [" ".join(l.split()[3:]) for l in ds.splitlines() if " DS " in l]
        z.keyfile = str(keydir / key) + ".key"


# ---------------------------------------------------------------------------------------------
# Build everything from the catalogue


class Plan:
    """All that `up` will create: zones, postfix listeners, misbehaving listeners, expectations."""

    def __init__(self, cat: dict, args):
        self.cat = cat
        self.args = args
        self.dns = DnsBuilder(RUN / "dns")
        self.certs = Certs(cat, RUN / "certs")
        self.addresses: set[str] = set()
        self.postfix: list[dict] = []   # {ip, cert, tls, host}
        self.misbehave: list[dict] = []  # {ip, mode}
        self.expected: dict = {"domains": {}}
        self.scenario_rows: list[tuple[str, str, str]] = []
        self.demo_rows: list[tuple[str, str, str]] = []
        self.synthetic_rows: list[tuple[str, str, str]] = []
        self.tlsa_text: dict[str, list[str]] = {}  # host -> rendered TLSA rdata
        self.sts_sites: list[dict] = []  # MTA-STS policy hosts served by nginx (start_nginx)

    def build(self, sign: bool = True) -> None:
        """Everything `up` needs; with sign=False only certificates and expectations (no
        DNSSEC keys or signed zones: `render-expected`)."""
        cat = self.cat
        d = self.dns
        if self.args.synthetic:
            cat["cert"].setdefault("syn-leaf", {"issuer": "intermediate", "names": ["synmx.test"]})
            cat["cert"].setdefault("syn-next", {"issuer": "intermediate", "names": ["synmx.test"]})
        self.certs.make_all()
        d.add_zone(".", "signed")
        d.add_zone("test.", "signed")
        for ns in (NS_ROOT,):
            d.add(ns["name"], "A", ns["v4"])
            d.add(ns["name"], "AAAA", ns["v6"])
        for ns in (NS_TLD, NS_ZONES, NS_LAME):
            d.add(ns["name"], "A", ns["v4"])
            d.add(ns["name"], "AAAA", ns["v6"])
        for z in cat["zone"]:
            d.add_zone(z["name"], z.get("kind", "signed"))
        for dom in cat["domain"]:
            if dom.get("zone", "none") != "none":
                d.add_zone(dom["name"], dom["zone"])
        if self.args.synthetic:
            self.synthetic_zones()
        # hosts
        for hname, h in cat["host"].items():
            self.add_host(hname, h)
        # domains
        for dom in cat["domain"]:
            self.add_domain(dom)
        if self.args.synthetic:
            self.synthetic_records()
        if sign:
            d.build(lambda z: NS_TLD if z.name == "test." else NS_ZONES)

    def add_host(self, hname: str, h: dict) -> None:
        d = self.dns
        name = fqdn(hname)
        if "cname" in h:
            d.add(name, "CNAME", fqdn(h["cname"]))
        for a in h.get("v4", []):
            d.add(name, "A", a)
        for a in h.get("v6", []):
            d.add(name, "AAAA", a)
        if h.get("tlsa"):
            self.tlsa_text[bare(name)] = []
            for sym in h["tlsa"]:
                rdata = tlsa_rdata(sym, self.certs)
                self.tlsa_text[bare(name)].append(rdata)
                d.add("_25._tcp." + name, "TLSA", rdata)
        for rec in h.get("records", []):
            owner, rtype, rdata = rec.split(None, 2)
            d.add(owner.replace("@", bare(name)), rtype, rdata)
        server = h.get("server", "postfix")
        for ip in h.get("v4", []) + h.get("v6", []):
            if ip in h.get("unrouted", []):
                continue  # in DNS only, on no interface: connect() gets ENETUNREACH (no_route)
            self.addresses.add(ip)
            if ip in h.get("no_listen", []):
                continue  # address exists, nothing listens: connection refused
            tls = h.get("v6_tls", h.get("tls", "on")) if ":" in ip else h.get("tls", "on")
            if server == "postfix":
                self.postfix.append({"ip": ip, "host": bare(name), "cert": h.get("cert"),
                                     "tls": tls, "chain": h.get("chain", "full"),
                                     "tls_profile": h.get("tls_profile")})
            elif server == "misbehave":
                m = {"ip": ip, "mode": h["mode"], "host": bare(name)}
                for k in ("legacy_versions", "legacy_suites", "compression", "ems", "window"):
                    if k in h:  # tls-legacy / tls-ratelimit profile (legacytls.py)
                        m[k] = h[k]
                if h.get("cert"):  # modes that complete a TLS handshake (starttls-250)
                    m["chain"] = str(self.certs.path(h["cert"], "chain.pem"))
                self.misbehave.append(m)
            elif server == "none":
                pass  # refused: nothing listens
        if h.get("cert"):
            self.certs.make(h["cert"])

    def add_domain(self, dom: dict) -> None:
        d = self.dns
        name = fqdn(dom["name"])
        if dom.get("null_mx"):
            d.add(name, "MX", "0 .")
        for i, mx in enumerate(dom.get("mx", [])):
            pref, host = (mx.split() if " " in mx else (str(10 * (i + 1)), mx))
            d.add(name, "MX", f"{pref} {fqdn(host)}")
        for rec in dom.get("records", []):
            owner, rtype, rdata = rec.split(None, 2)
            d.add(owner.replace("@", bare(name)), rtype, rdata)
        add_mta_sts_site(self, dom)
        row = (bare(name), dom.get("organization", "Testbed scenario"), dom.get("sector", "overig"))
        (self.demo_rows if dom.get("demo") else self.scenario_rows).append(row)
        self.expected["domains"][bare(name)] = self.expect_domain(dom)

    def expect_domain(self, dom: dict) -> dict:
        e = dict(dom.get("expect", {}))
        out = {k: e.get(k) for k in ("mail", "dnssec", "starttls", "dane", "dane_rollover",
                                     "protected")}
        mxs = []
        for hname in e.get("hosts", self.mx_hosts(dom)):
            mxs.append(self.expect_host(hname, dom))
        out["mx"] = mxs
        prefs = {bare(mx.split()[-1]): int(mx.split()[0]) if " " in mx else 10 * (i + 1)
                 for i, mx in enumerate(dom.get("mx", []))}
        for h in mxs:
            # Known only for the domain's own MX records (not for MX reached through a CNAME).
            if h["name"] in prefs:
                h["preference"] = prefs[h["name"]]
        # families lost to no_route (measurement.md §3); stated, not derived
        out["incomplete"] = e.get("incomplete", [])
        # The MX answer as the zones above make it (evidence for mail and dnssec, read by the
        # catalogue test tests/testbed_catalogue_test.cpp; not a verdict).
        out["mx_answer"], out["implicit_mx"] = self.mx_answer(dom)
        out["organization"] = dom.get("organization", "Testbed scenario")
        out["sector"] = dom.get("sector", "overig")
        out["demo"] = bool(dom.get("demo", False))
        for k in ("what", "posttls", "posttls_note"):
            if k in dom:
                out[k] = dom[k]
        out.update(self.expect_mail_standards(dom, e, out))
        out.update(expect_mta_sts(self, dom, e, out))
        # measurement.md §4, stated for the TLS-quality scenarios (absent: not yet stated)
        if "tls_quality" in e:
            out["tls_quality"] = e["tls_quality"]
        return out

    MAIL_STANDARDS = ("spf", "spf_policy", "dmarc", "dmarc_policy", "dkim", "tls_rpt")

    def expect_mail_standards(self, dom: dict, e: dict, out: dict) -> dict:
        """measurement.md §5 verdicts: stated in `expect` for the mail-standards scenarios; for
        a domain that publishes no SPF/DMARC/DKIM/TLS-RPT records they follow from §5 and the
        zone set-up: none / absent, `error` where the answers fail (a lame or bogus zone; the
        TXT at D follows D's CNAME, `_dmarc.D` and `_domainkey.D` do not), tls_rpt `n/a`
        without mail."""
        name = bare(dom["name"])
        own_cls, _ = self.zone_class(name)        # names below D: _dmarc, _domainkey, _smtp._tls
        at_d_cls = out["mx_answer"]["class"]      # TXT at D: as D's MX answer (CNAME followed)
        d = {"spf": "error" if at_d_cls == "fail" else "none",
             "dmarc": "error" if own_cls == "fail" else "none",
             "dkim": "error" if own_cls == "fail" else "absent"}
        d["spf_policy"] = d["dmarc_policy"] = "n/a"
        d["tls_rpt"] = ("n/a" if out.get("mail") != "receives"
                        else "error" if own_cls == "fail" else "none")
        return {k: e.get(k, d[k]) for k in self.MAIL_STANDARDS}

    def zone_class(self, owner: str) -> tuple[str, str]:
        """(class, reason) of data at `owner` as the zone set-up makes it (measurement.md §1):
        below an unsigned zone insecure; an expired or bad-DS zone (signed parent) bogus; a lame
        zone SERVFAIL."""
        chain = []
        z = self.dns.zone_for(owner)
        while True:
            chain.append(z)
            if z.name == ".":
                break
            z = self.dns.zone_for(z.name.split(".", 1)[1] or ".")
        insecure = False
        for z in reversed(chain):  # root first
            if z.kind == "lame":
                return "fail", "servfail"
            if z.kind == "unsigned":
                insecure = True
            elif z.kind in ("expired", "bad-ds") and not insecure:
                return "fail", "bogus"
        return ("insecure" if insecure else "secure"), "ok"

    def mx_answer(self, dom: dict) -> tuple[dict, bool]:
        """The domain's MX answer {class, reason, records} and whether MX is implicit."""
        name = bare(dom["name"])
        cls, reason = self.zone_class(name)
        targets = [r.split(None, 2)[2] for r in dom.get("records", [])
                   if r.split(None, 2)[:2] == ["@", "CNAME"]]
        for t in targets:  # a CNAME chain is as secure as its weakest link
            tcls, treason = self.zone_class(bare(t))
            if tcls == "fail" or (tcls == "insecure" and cls == "secure"):
                cls, reason = tcls, treason
            target_dom = next((x for x in self.cat["domain"] if bare(x["name"]) == bare(t)), None)
            if target_dom is not None:
                dom = target_dom
        if cls == "fail":
            return {"class": "fail", "reason": reason, "records": []}, False
        recs = (["0 ."] if dom.get("null_mx") else []) + [
            f"{mx.split()[0] if ' ' in mx else 10 * (i + 1)} {fqdn(mx.split()[-1])}"
            for i, mx in enumerate(dom.get("mx", []))]
        nx = "secure-nx" if cls == "secure" else "insecure-nx"
        if recs:
            return {"class": cls, "reason": "ok", "records": recs}, False
        exists = (dom.get("zone", "none") != "none" or dom.get("records")
                  or bare(dom["name"]) in self.cat["host"])
        if not exists:
            return {"class": nx, "reason": "nxdomain", "records": []}, False
        return {"class": nx, "reason": "nodata", "records": []}, True

    def mx_hosts(self, dom: dict) -> list[str]:
        hs = []
        for mx in dom.get("mx", []):
            hs.append(bare(mx.split()[-1]))
        if not dom.get("mx") and not dom.get("null_mx") and dom.get("implicit_mx"):
            hs.append(bare(dom["name"]))
        return hs

    def expect_host(self, hname: str, dom: dict) -> dict:
        h = self.cat["host"].get(hname, {})
        e = dict(h.get("expect", {}))
        e.update(dom.get("expect", {}).get("host_override", {}).get(hname, {}))
        tl = None
        if e.get("tlsa_status"):
            secure = e["tlsa_status"] == "secure"
            base = e.get("tlsa_base", hname)
            tl = {"status": e["tlsa_status"], "base": base if secure else None,
                  "records": self.tlsa_text.get(base, []) if secure else [],
                  "usable": e.get("usable", 0)}
        addrs = []
        per = h.get("expect_addr", {})
        target = h
        while "cname" in target:  # addresses of a CNAME'd host are those of its target
            target = self.cat["host"][bare(target["cname"])]
        # every host with addresses is probed, a tlsa_error host too (measurement.md v2 §2.2)
        ips = ([] if e.get("status", "ok") in ("no_address", "unusable")
               else target.get("v4", []) + target.get("v6", []))
        for ip in ips:
            a = {"ip": ip, "outcome": e.get("outcome"), "dane": e.get("dane", "n/a"),
                 "dane_reason": e.get("dane_reason")}
            # measurement.md §4 per address, where stated (TLS-quality scenarios), and issue
            # 15's connection budget for the assessment beyond the main probe
            for k in ("tls_quality", "tls_max_connections"):
                if k in e:
                    a[k] = e[k]
            a.update(per.get(ip, {}))
            addrs.append(a)
        out = {"name": hname, "status": e.get("status", "ok"),
               "address_dnssec": e.get("address_dnssec"), "tlsa": tl, "addresses": addrs}
        for k in ("posttls", "posttls_note", "posttls_family", "posttls_target", "note"):
            if k in h:
                out[k] = h[k]
        return out

    # synthetic mode ---------------------------------------------------------------------------
    def synthetic_zones(self) -> None:
        if getattr(self.args, "synthetic_skew", False):
            for sector in SYN_SECTORS:  # a few big sector zones; "overig" unsigned
                self.dns.add_zone(f"syn-{sector}.test.",
                                  "unsigned" if sector == "overig" else "signed")
        else:
            self.dns.add_zone("syn-signed.test.", "signed")
            self.dns.add_zone("syn-unsigned.test.", "unsigned")
        self.dns.add_zone("synmx.test.", "signed")

    def synthetic_records(self) -> None:
        synth_records(self)


TLS_QUALITY = ("good", "sufficient", "phase_out", "insufficient", "incomplete", "n/a")
VERDICT_FIELDS = ("mail", "dnssec", "starttls", "dane", "dane_rollover", "protected")


def check_expectations(expected: dict) -> list[str]:
    """Completeness of the rendered catalogue: every domain states every verdict and every
    address an outcome. Whether the verdicts follow from the host evidence by measurement.md §3
    is not decided here (that would be a second copy of the rules): the C++ catalogue test
    (tests/testbed_catalogue_test.cpp) checks it with the verdict module."""
    errors = []
    for name, d in expected["domains"].items():
        for k in VERDICT_FIELDS:
            if d.get(k) is None:
                errors.append(f"{name}: no expected {k}")
        if d.get("tls_quality", "n/a") not in TLS_QUALITY:
            errors.append(f"{name}: tls_quality {d['tls_quality']!r} is not one of {TLS_QUALITY}")
        for h in d["mx"]:
            for a in h["addresses"]:
                if a["outcome"] is None:
                    errors.append(f"{name}: {h['name']} {a['ip']}: no expected outcome")
                if a.get("tls_quality", "n/a") not in TLS_QUALITY:
                    errors.append(f"{name}: {h['name']} {a['ip']}: tls_quality "
                                  f"{a['tls_quality']!r} is not one of {TLS_QUALITY}")
    return errors


SYN_SECTORS = ["rijk", "provincie", "gemeente", "waterschap", "overig"]


def synth_records(plan: Plan) -> None:
    """--synthetic N:M: N domains over M shared MX hosts, for benchmarks.

    Names live in three zones (syn-signed.test, syn-unsigned.test, synmx.test) so that signing
    stays fast. Host kinds by j % 10: 0-5 DANE-EE valid, 6 DANE-EE with rollover pair,
    7 TLSA mismatch, 8 STARTTLS without TLSA, 9 no STARTTLS. Domains by i: every 5th in the
    unsigned zone; i % 50 == 48 does not exist (NXDOMAIN), i % 50 == 49 has a null MX.
    With --synthetic-skew (the issue-19 network): the domains live in five sector zones
    (syn-<sector>.test, "overig" unsigned), and take their host with a skew: host 0 serves 17 %
    of the domains (the busiest shared provider of that network), the others a Zipf share (1/k)
    of the rest, drawn by a multiplicative hash of i (deterministic); 15 % of them
    have a second MX (preference 20) of the same kind, so the verdicts stay those of the kind.
    """
    skew = getattr(plan.args, "synthetic_skew", False)
    n, m = plan.args.synthetic
    d = plan.dns
    cert, nxt = "syn-leaf", "syn-next"
    plan.cat["cert"].setdefault(cert, {"issuer": "intermediate", "names": ["synmx.test"]})
    plan.cat["cert"].setdefault(nxt, {"issuer": "intermediate", "names": ["synmx.test"]})
    good = tlsa_rdata(f"3 1 1 leaf:{cert}", plan.certs)
    nextkey = tlsa_rdata(f"3 1 1 leaf:{nxt}", plan.certs)
    bad = tlsa_rdata("3 1 1 random:syn", plan.certs)
    hosts = []
    kind9: dict[str, bool] = {}      # host -> offers no STARTTLS
    syn_dane: dict[str, str] = {}    # host -> dane verdict of a domain with only this host
    for j in range(m):
        hn = f"mx{j:05d}.synmx.test"
        ip = f"127.{100 + j // 62500}.{(j // 250) % 250}.{j % 250 + 1}"
        d.add(hn, "A", ip)
        kind = j % 10
        recs = [good] if kind <= 5 else [good, nextkey] if kind == 6 else [bad] if kind == 7 else []
        for r in recs:
            d.add("_25._tcp." + hn, "TLSA", r)
        plan.postfix.append({"ip": ip, "host": hn, "cert": cert,
                             "tls": "off" if kind == 9 else "on", "chain": "full"})
        plan.addresses.add(ip)
        tl = ({"status": "secure", "base": hn, "records": recs, "usable": len(recs)} if recs
              else {"status": "secure-nx", "base": None, "records": [], "usable": 0})
        dane = "authenticated" if kind <= 6 else "failed" if kind == 7 else "n/a"
        kind9[hn] = kind == 9
        syn_dane[hn] = "valid" if kind <= 6 else "invalid" if kind == 7 else "none"
        hosts.append({"name": hn, "status": "ok", "address_dnssec": "secure", "tlsa": tl,
                      "preference": 10,
                      "addresses": [{"ip": ip, "outcome": "no_starttls" if kind == 9
                                     else "starttls_ok", "dane": dane,
                                     "dane_reason": "no_match" if kind == 7 else None}]})
    sectors = SYN_SECTORS
    # §5 records shared by the synthetic domains: the provider's SPF include, and a DMARC
    # record at every signed zone's apex (the organisational domain of its domains, libpsl's
    # default rule under test.) for the domains without their own; the unsigned zone has none.
    d.add("_spf.synmx.test", "TXT", '"v=spf1 ip4:127.100.0.0/16 ip6:fd00:100::/32 -all"')
    org_dmarc: dict[str, bool] = {}
    for z in ([f"syn-{s}.test" for s in sectors] if skew
              else ["syn-signed.test", "syn-unsigned.test"]):
        signed_zone = z not in ("syn-overig.test", "syn-unsigned.test")
        org_dmarc[z] = signed_zone
        if signed_zone:
            d.add(f"_dmarc.{z}", "TXT", '"v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@synmx.test"')
    # skewed_host() walks a table: precompute the cumulative shares once
    skew_table: list[float] = []
    if skew and m > 1:
        total = sum(1.0 / k for k in range(2, m + 1))
        acc = 0.0
        for k in range(2, m + 1):
            acc += (1.0 / k) / total
            skew_table.append(acc)
    for i in range(n):
        j = i % m
        if skew and m > 1:
            u = ((i * 2654435761 + 12345) % 2**32) / 2**32
            j = 0 if u < 0.17 else min(bisect.bisect_right(skew_table, (u - 0.17) / 0.83) + 1, m - 1)
        h = hosts[j]
        second = None
        if skew and (i * 40503) % 100 < 15:
            j2 = j + 10 if j + 10 < m else j - 10
            if 0 <= j2 < m:
                second = dict(hosts[j2], preference=20)
        signed = (i % 5) != 4
        if skew:
            dom = f"d{i:05d}.syn-{sectors[i % 5]}.test"
        else:
            dom = f"d{i:05d}." + ("syn-signed.test" if signed else "syn-unsigned.test")
        plan.synthetic_rows.append((dom, f"Synthetisch orgaan {i} (gesimuleerd)", sectors[i % 5]))
        cls = "secure" if signed else "insecure"
        if i % 50 == 48:
            e = {"mail": "no_mail", "dnssec": cls, "mx": []}
        elif i % 50 == 49:
            d.add(dom, "MX", "0 .")
            e = {"mail": "null_mx", "dnssec": cls, "mx": []}
        else:
            d.add(dom, "MX", f"10 {h['name']}.")
            e = {"mail": "receives", "dnssec": cls, "mx": [h]}
            if second is not None:
                d.add(dom, "MX", f"20 {second['name']}.")
                e["mx"].append(second)
        if e["mail"] == "receives":  # one host per domain: its kind states the verdicts
            e.update(starttls="none" if kind9[h["name"]] else "all",
                     dane=syn_dane[h["name"]], protected=signed and syn_dane[h["name"]] == "valid",
                     dane_rollover="yes" if len(h["tlsa"]["records"]) >= 2 else
                     "no" if h["tlsa"]["records"] else "n/a")
        else:
            e.update(starttls="n/a", dane="n/a", dane_rollover="n/a", protected=False)
        e.update(incomplete=[], implicit_mx=False,
                 mx_answer={"class": cls if e["mail"] != "no_mail" else cls + "-nx",
                            "reason": "nxdomain" if e["mail"] == "no_mail" else "ok",
                            "records": [] if e["mail"] == "no_mail" else
                            ["0 ."] if e["mail"] == "null_mx" else
                            [f"{x['preference']} {x['name']}." for x in e["mx"]]})
        e.update(organization=plan.synthetic_rows[-1][1], sector=sectors[i % 5], synthetic=True)
        e.update(synth_mail_standards(d, i, dom, e["mail"], org_dmarc))
        plan.expected["domains"][dom] = e


SYN_DKIM_KEY = ("MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5synthetic0dkim0key0for0the0benchmark0"
                "network0only0not0a0real0key0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaIDAQAB")


def synth_mail_standards(d, i: int, dom: str, mail: str, org_dmarc: dict[str, bool]) -> dict:
    """The §5 records of synthetic domain i (measurement.md §5) and the verdicts they make.

    Shares roughly as the Forum's measurements of Dutch government domains (most publish SPF
    and DMARC, fewer TLS-RPT, few MTA-STS), each from its own residue of i so that the
    combinations vary: SPF 5 % none, 5 % `mx ~all` (one MX question), 5 % include `~all`, the
    rest include `-all` (the provider's include is one shared TXT); null-MX domains `-all`.
    DMARC at _dmarc.D: 10 % none (falls back to the organisational domain: the zone apex,
    `p=reject; sp=quarantine` in the signed zones, nothing in the unsigned one), 10 % p=none,
    10 % quarantine, the rest reject. DKIM: 80 % a selector below _domainkey.D (an empty
    non-terminal: present), 20 % NXDOMAIN. TLS-RPT: 40 % valid, 10 % a bad URI, 50 % none.
    MTA-STS: 10 % publish a TXT record whose policy host mta-sts.D points at an address where
    nothing listens (the fetch is refused: `invalid`; an HTTPS server is not part of the
    synthetic network). Domains that do not exist (no_mail) publish nothing."""
    zone = dom.split(".", 1)[1]
    if mail == "no_mail":  # NXDOMAIN: every question below D is NXDOMAIN too
        org = org_dmarc[zone]
        return {"spf": "none", "spf_policy": "n/a", "dmarc": "valid" if org else "none",
                "dmarc_policy": "quarantine" if org else "n/a", "dkim": "absent",
                "tls_rpt": "n/a", "mta_sts": "n/a"}
    out: dict = {}
    a = i % 20
    if mail == "null_mx":
        d.add(dom, "TXT", '"v=spf1 -all"')
        out.update(spf="valid", spf_policy="strict")
    elif a == 0:
        out.update(spf="none", spf_policy="n/a")
    elif a == 1:
        d.add(dom, "TXT", '"v=spf1 mx ~all"')
        out.update(spf="valid", spf_policy="soft")
    else:
        q = "~" if a == 2 else "-"
        d.add(dom, "TXT", f'"v=spf1 include:_spf.synmx.test {q}all"')
        out.update(spf="valid", spf_policy="soft" if a == 2 else "strict")
    b = (i // 3) % 10
    if b == 0:
        org = org_dmarc[zone]
        out.update(dmarc="valid" if org else "none", dmarc_policy="quarantine" if org else "n/a")
    else:
        p = "none" if b == 1 else "quarantine" if b == 2 else "reject"
        d.add(f"_dmarc.{dom}", "TXT", f'"v=DMARC1; p={p}; rua=mailto:dmarc@synmx.test"')
        out.update(dmarc="valid", dmarc_policy=p)
    if (i // 7) % 10 < 2:
        out["dkim"] = "absent"
    else:
        # a TXT string holds at most 255 octets: the key in two strings, as DKIM keys are
        d.add(f"sel1._domainkey.{dom}", "TXT",
              f'"v=DKIM1; k=rsa; p={SYN_DKIM_KEY[:120]}" "{SYN_DKIM_KEY[120:]}"')
        out["dkim"] = "present"
    c = (i // 11) % 10
    if c < 4:
        d.add(f"_smtp._tls.{dom}", "TXT", '"v=TLSRPTv1; rua=mailto:tlsrpt@synmx.test"')
    elif c == 4:
        d.add(f"_smtp._tls.{dom}", "TXT", '"v=TLSRPTv1; rua=ftp://tlsrpt.synmx.test/"')
    receives = mail == "receives"
    out["tls_rpt"] = ("n/a" if not receives else "valid" if c < 4 else
                      "invalid" if c == 4 else "none")
    sts = (i // 13) % 10 == 0
    if sts:
        d.add(f"_mta-sts.{dom}", "TXT", '"v=STSv1; id=20250101T000000"')
        d.add(f"mta-sts.{dom}", "A", "127.99.0.1")
    out["mta_sts"] = "n/a" if not receives else "invalid" if sts else "none"
    return out


# ---------------------------------------------------------------------------------------------
# Processes and configs

def port_of(base: int, args) -> int:
    return base + BACKEND_PORT_OFFSET if args.latency_ms else base


def write_nsd(role: str, ns: dict, zones: list[Zone], args) -> Path:
    d = RUN / "nsd" / role
    d.mkdir(parents=True, exist_ok=True)
    sd = STATE / "nsd" / role  # NSD's own run-time files
    sd.mkdir(parents=True, exist_ok=True)
    port = port_of(53, args)
    conf = [
        "server:",
        f"  ip-address: {ns['v4']}@{port}",
        f"  ip-address: {ns['v6']}@{port}",
        "  server-count: 1",
        "  username: \"\"",
        "  chroot: \"\"",
        f"  zonesdir: \"{RUN / 'dns'}\"",
        f"  pidfile: \"{STATE / 'pids' / ('nsd-' + role + '.pid')}\"",
        f"  logfile: \"{STATE / 'logs' / ('nsd-' + role + '.log')}\"",
        "  database: \"\"",
        f"  zonelistfile: \"{sd / 'zone.list'}\"",
        f"  xfrdfile: \"{sd / 'xfrd.state'}\"",
        f"  xfrdir: \"{sd}\"",
        "  hide-version: yes",
        "  verbosity: 1",
        "  tcp-count: 1000",
        "  refuse-any: yes",
        "  round-robin: no",
        "  minimal-responses: yes",
        # NSD's response-rate limiting is on by default (200 qps per source /24, every 2nd
        # answer dropped): the whole test network queries from one /24, so a bulk scan or a
        # benchmark would measure NSD's throttle, not the scanner. Off for this private network.
        "  rrl-ratelimit: 0",
        "  rrl-whitelist-ratelimit: 0",
        "remote-control:",
        "  control-enable: no",
    ]
    for z in zones:
        conf += ["zone:", f"  name: \"{z.name}\"", f"  zonefile: \"{z.outfile}\""]
    path = d / "nsd.conf"
    path.write_text("\n".join(conf) + "\n")
    return path


def write_unbound(args) -> Path:
    d = RUN / "unbound"
    d.mkdir(parents=True, exist_ok=True)
    sd = STATE / "unbound"
    sd.mkdir(parents=True, exist_ok=True)
    hints = d / "root.hints"
    hints.write_text(f". 3600000 NS {NS_ROOT['name']}\n{NS_ROOT['name']} 3600000 A {NS_ROOT['v4']}\n"
                     f"{NS_ROOT['name']} 3600000 AAAA {NS_ROOT['v6']}\n")
    conf = f"""server:
  interface: {RESOLVER['v4']}@53
  interface: {RESOLVER['v6']}@53
  do-ip4: yes
  do-ip6: yes
  do-udp: yes
  do-tcp: yes
  username: ""
  chroot: ""
  directory: "{sd}"
  pidfile: "{STATE / 'pids' / 'unbound.pid'}"
  logfile: "{STATE / 'logs' / 'unbound.log'}"
  use-syslog: no
  verbosity: 1
  val-log-level: 2
  log-servfail: yes
  num-threads: 1
  num-queries-per-thread: {getattr(args, "resolver_queries", 4096)}
  outgoing-range: 8192
  # Bursts of a bulk scan (1,000 queries at once) overflow the default 208 KiB receive buffer
  # (/proc/net/snmp RcvbufErrors): each overflow is a lost query and a client timeout.
  so-rcvbuf: 4m
  so-sndbuf: 4m
  so-reuseport: no
  access-control: 0.0.0.0/0 allow
  access-control: ::/0 allow
  do-not-query-localhost: no
  root-hints: "{hints}"
  trust-anchor-file: "{RUN / 'trust-anchor.zone'}"
  local-zone: "test." nodefault
  module-config: "validator iterator"
  qname-minimisation: no
  aggressive-nsec: no
  harden-referral-path: no
  prefetch: no
  serve-expired: no
  cache-max-negative-ttl: 5
  infra-host-ttl: 60
  infra-keep-probing: yes
  edns-buffer-size: 1232
  ede: yes
  val-bogus-ttl: 5
  unwanted-reply-threshold: 0
remote-control:
  control-enable: no
"""
    path = d / "unbound.conf"
    path.write_text(conf)
    return path


def read_pid(p: Path) -> int | None:
    try:
        return int(p.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def running(pid: int) -> bool:
    """A child of ours that has not exited (reaps it when it has: alive() sees a zombie)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return alive(pid)


def netns_exists(netns: str) -> bool:
    return netns in [l.split()[0] for l in run(["ip", "netns", "list"]).stdout.splitlines() if l]


def netns_pids(netns: str) -> list[int]:
    p = run(["ip", "netns", "pids", netns], check=False)
    return [int(x) for x in p.stdout.split()] if p.returncode == 0 else []


def delayproxy_binary() -> Path:
    """delayproxy.cpp compiled once per version of its source (g++ and libuv, which the build
    needs anyway), kept in the checkout's build/testbed-tools/. Compiled to a temporary name
    and renamed, so two testbeds coming up at once never run a half-written binary."""
    src = HERE / "delayproxy.cpp"
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    out_dir = HERE.parent.parent / "build" / "testbed-tools"
    exe = out_dir / f"delayproxy-{digest}"
    if exe.exists():
        return exe
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".delayproxy-{digest}.{os.getpid()}"
    run(["g++", "-std=c++2b", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(tmp), str(src),
         "-luv"])
    os.replace(tmp, exe)
    return exe


def spawn_bg(netns: str, name: str, cmd: list[str]) -> int:
    """Start a long-running non-daemonising process inside the netns; record its pid."""
    with open(STATE / "logs" / f"{name}.log", "ab") as logf:
        p = subprocess.Popen(["ip", "netns", "exec", netns] + cmd, stdout=logf, stderr=logf,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    (STATE / "pids" / f"{name}.pid").write_text(f"{p.pid}\n")
    return p.pid


def wait_for(cond, what: str, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise SystemExit(f"testbed: timed out waiting for {what}")


def setup_netns(netns: str, addresses: list[str]) -> None:
    p = run(["ip", "netns", "add", netns], check=False) if not netns_exists(netns) else None
    if p is not None and p.returncode != 0:
        print(f"testbed: skipped: cannot create network namespace {netns}: {p.stderr.strip()}",
              file=sys.stderr)
        sys.exit(SKIP)
    nsexec(netns, ["sysctl", "-q", "-w", "net.ipv6.conf.lo.disable_ipv6=0"])
    batch = ["link set lo up"]
    for a in sorted(set(addresses)):
        if ":" in a:
            batch.append(f"addr replace {a}/128 dev lo nodad")
        elif a != "127.0.0.1":
            batch.append(f"addr replace {a}/32 dev lo")
    run(["ip", "-n", netns, "-batch", "-"], input="\n".join(batch) + "\n")
    etc = Path("/etc/netns") / netns
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "resolv.conf").write_text(
        f"# nulmeting testbed: the validating test resolver\nnameserver {RESOLVER['v4']}\n"
        "options trust-ad edns0\n")


def write_csv(path: Path, rows) -> None:
    import csv
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "organization", "sector"])
        for r in rows:
            w.writerow(r)


def cmd_up(args) -> int:
    require_root()
    t0 = time.monotonic()
    old = json.loads((RUN / "state.json").read_text()) if (RUN / "state.json").exists() else {}
    if old.get("netns", args.netns) != args.netns and netns_exists(old["netns"]):
        print(f"testbed: {RUN} holds the running instance of netns {old['netns']}; give this "
              f"instance its own --run-dir, or `down --netns {old['netns']}` first",
              file=sys.stderr)
        return 1
    if old or netns_exists(args.netns) or (STATE / "pids").exists():
        log("tearing down a previous instance first")
        rc = teardown(old.get("netns", args.netns), keep_busy_netns=True)
        if rc != 0:
            return rc
        if old.get("netns", args.netns) != args.netns and netns_exists(args.netns):
            teardown(args.netns, keep_busy_netns=True)
    try:
        return bring_up(args, t0)
    except BaseException as e:  # noqa: B036 — a failed or interrupted up must not leave servers
        return failed_up(args, e)


def failed_up(args, e: BaseException) -> int:
    """Say what failed (the server, its log's tail), then stop what `up` started and delete
    the namespace: the next `up` and the namespace checks after the tests start clean."""
    import traceback
    if isinstance(e, SystemExit) and e.code == SKIP:  # said why already (no namespace)
        teardown(args.netns)
        return SKIP
    if isinstance(e, SystemExit) and isinstance(e.code, int):
        rc = e.code
    elif isinstance(e, SystemExit):
        print(e.code, file=sys.stderr, flush=True)
        rc = 1
    elif isinstance(e, KeyboardInterrupt):
        print("testbed: interrupted", file=sys.stderr, flush=True)
        rc = 130
    else:
        traceback.print_exc()
        rc = 1
    if STARTING is not None:
        what, logfile = STARTING
        print(f"testbed: up FAILED while starting {what}; its log: {logfile}", file=sys.stderr)
        try:
            tail = logfile.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            tail = ["(no log written)"]
        for line in tail:
            print(f"  | {line}", file=sys.stderr)
    else:
        print("testbed: up FAILED before any server was started", file=sys.stderr)
    sys.stderr.flush()
    log(f"cleaning up after the failed up (netns {args.netns})")
    if teardown(args.netns) != 0:
        print("testbed: clean-up after the failed up is incomplete (see above)", file=sys.stderr)
        return rc or 1
    return rc


def bring_up(args, t0: float) -> int:
    if RUN.exists():
        shutil.rmtree(RUN)
    if STATE.exists():
        shutil.rmtree(STATE)
    # Daemon users (postfix) must traverse every component down to the queue directory.
    STATE_ROOT.mkdir(mode=0o755, exist_ok=True)
    STATE_ROOT.chmod(0o755)
    STATE.mkdir(mode=0o755)
    for sub in ("pids", "logs"):
        (STATE / sub).mkdir(parents=True, exist_ok=True)
    RUN.mkdir(parents=True, exist_ok=True)
    (RUN / "logs").symlink_to(STATE / "logs")  # one place for every log of this instance
    cat = load_catalogue()
    plan = Plan(cat, args)
    plan.build()
    errors = check_expectations(plan.expected)
    if errors:
        raise SystemExit("testbed: the catalogue is incomplete:\n  "
                         + "\n  ".join(errors))
    t_gen = time.monotonic()
    log(f"generated zones and certificates in {t_gen - t0:.1f} s")

    infra = [NS_ROOT, NS_TLD, NS_ZONES, NS_LAME, RESOLVER]
    addrs = [a for n in infra for a in (n["v4"], n["v6"])] + sorted(plan.addresses)
    (RUN / "state.json").write_text(json.dumps({"netns": args.netns, "latency_ms": args.latency_ms,
                                                "state_dir": str(STATE)}))
    setup_netns(args.netns, addrs)

    # trust anchor: the root's DNSKEY (KSK) in zone-file format
    root = plan.dns.zones["."]
    ta = [l for l in Path(root.keyfile).read_text().splitlines() if l and not l.startswith(";")]
    (RUN / "trust-anchor.zone").write_text("\n".join(ta) + "\n")
    f = ta[0].split()
    key = "".join(f[f.index("DNSKEY") + 4:])
    (RUN / "trust-anchor.bind").write_text(  # the same key for delv -a
        f'trust-anchors {{ . static-key 257 3 13 "{key}"; }};\n')

    # DNS servers
    dz = plan.dns.zones
    roles = {"root": (NS_ROOT, [dz["."]]), "tld": (NS_TLD, [dz["test."]]),
             "zones": (NS_ZONES, [z for n, z in dz.items() if n not in (".", "test.")
                                  and z.outfile is not None]),
             "lame": (NS_LAME, [])}
    for role, (ns, zones) in roles.items():
        conf = write_nsd(role, ns, zones, args)
        starting(f"NSD ({role})", STATE / "logs" / f"nsd-{role}.log")
        nsexec(args.netns, ["nsd", "-c", str(conf)])
        wait_for(lambda: (STATE / "pids" / f"nsd-{role}.pid").exists(), f"nsd ({role}) pid file")
    conf = write_unbound(args)
    starting("Unbound", STATE / "logs" / "unbound.log")
    run(["unbound-checkconf", str(conf)])
    nsexec(args.netns, ["unbound", "-c", str(conf)])
    wait_for(lambda: (STATE / "pids" / "unbound.pid").exists(), "unbound pid file")

    if plan.postfix:
        start_postfix(args.netns, plan, args)
    if plan.misbehave:
        cfg = RUN / "misbehave.json"
        port = port_of(25, args)
        cfg.write_text(json.dumps([dict(m, port=port) for m in plan.misbehave]))
        starting("the scripted SMTP server", STATE / "logs" / "misbehave.log")
        spawn_bg(args.netns, "misbehave", [sys.executable, str(HERE / "misbehave.py"), str(cfg),
                                           str(STATE / "logs" / "accepts.log")])
    if plan.sts_sites:  # MTA-STS policy hosts (HTTPS is not delayed by --latency-ms)
        start_nginx(args.netns, plan, args)
    if args.latency_ms:
        cfg = RUN / "delayproxy.conf"
        lines = [f"rtt_ms {args.latency_ms}",
                 f"cpu_report {STATE / 'logs' / 'delayproxy-cpu.txt'}"]
        lines += [f"listen {a} 53 {53 + BACKEND_PORT_OFFSET} udp"
                  for n in (NS_ROOT, NS_TLD, NS_ZONES, NS_LAME) for a in (n["v4"], n["v6"])]
        smtp = sorted({li["ip"] for li in plan.postfix} | {m["ip"] for m in plan.misbehave})
        lines += [f"listen {a} 25 {25 + BACKEND_PORT_OFFSET} tcp" for a in smtp]
        cfg.write_text("\n".join(lines) + "\n")
        exe = delayproxy_binary()
        starting("the delay proxy", STATE / "logs" / "delayproxy.log")
        spawn_bg(args.netns, "delayproxy", [str(exe), str(cfg)])

    # outputs
    (RUN / "zones.json").write_text(json.dumps(
        {n: z.kind for n, z in plan.dns.zones.items()}, indent=1) + "\n")
    (RUN / "listeners.json").write_text(json.dumps(
        {"postfix": [li["ip"] for li in plan.postfix],
         "misbehave": {m["ip"]: m["mode"] for m in plan.misbehave}}, indent=1) + "\n")
    write_csv(RUN / "scenarios.csv", plan.scenario_rows)
    write_csv(RUN / "demo.csv", plan.demo_rows)
    (RUN / "expected.json").write_text(json.dumps(plan.expected, indent=1, sort_keys=False) + "\n")
    env = {"TB_NETNS": args.netns, "TB_STATE_DIR": str(STATE), "TB_RESOLVER": RESOLVER["v4"], "TB_RESOLVER_PORT": "53",
           "TB_RESOLVER6": RESOLVER["v6"],
           "TB_TRUST_ANCHOR": str(RUN / "trust-anchor.zone"),
           "TB_SCENARIOS_CSV": str(RUN / "scenarios.csv"), "TB_DEMO_CSV": str(RUN / "demo.csv"),
           "TB_EXPECTED_JSON": str(RUN / "expected.json"), "TB_EHLO_NAME": EHLO_NAME,
           "TB_LATENCY_MS": str(args.latency_ms or 0),
           "TB_ACCEPT_LOG": str(STATE / "logs" / "accepts.log"),
           # The testbed's root CA: MTA-STS policy hosts chain to it (`scan --ca-file`).
           "TB_CA_FILE": str(plan.certs.path("root-ca", "crt")),
           # The testbed lives in non-public ranges, which nulmeting never contacts unless told
           # (measurement.md §2.3): every scan of the testbed passes $TB_ALLOW_ADDRESS (unquoted).
           "TB_ALLOW_RANGES": " ".join(ALLOW_RANGES),
           "TB_ALLOW_ADDRESS": " ".join(f"--allow-address {r}" for r in ALLOW_RANGES)}
    if args.synthetic:
        write_csv(RUN / "synthetic.csv", plan.synthetic_rows)
        env["TB_SYNTHETIC_CSV"] = str(RUN / "synthetic.csv")
    (RUN / "env").write_text("".join(f"{k}='{v}'\nexport {k}\n" for k, v in env.items()))
    (RUN / "env.json").write_text(json.dumps(env, indent=1) + "\n")

    # readiness: the resolver validates the signed root and test.
    def ready() -> bool:
        p = nsexec(args.netns, ["dig", "+time=1", "+tries=1", f"@{RESOLVER['v4']}", "test.",
                                "SOA", "+dnssec"], check=False)
        return p.returncode == 0 and " ad" in p.stdout.split("flags:")[1].split(";")[0]
    starting("Unbound (validating test. SOA)", STATE / "logs" / "unbound.log")
    wait_for(ready, "the resolver to validate test. SOA", 20)
    if plan.postfix:
        starting("Postfix (its listeners)", STATE / "logs" / "postfix.log")
        wait_for(lambda: postfix_ready(args.netns, plan), "postfix listeners", 40)
    ndom = len(plan.scenario_rows) + len(plan.demo_rows)
    log(f"up in {time.monotonic() - t0:.1f} s: netns {args.netns}, {len(dz)} zones, "
        f"{ndom} scenario/demo domains, {len(plan.synthetic_rows)} synthetic, "
        f"{len(plan.postfix)} postfix listeners, {len(plan.misbehave)} scripted listeners; "
        f"env in {RUN / 'env'}")
    return 0


def teardown(netns: str, keep_busy_netns: bool = False) -> int:
    t0 = time.monotonic()
    state = state_dir(netns)
    # Postfix is stopped like any other server: SIGTERM to its master (pid file below). Not
    # `postfix stop`: its postfix-script calls postlog, which hung once postlogd had died.
    # RUN/pids and RUN/postfix: where an instance started before the state directory kept them.
    stopped = []
    names: dict[int, str] = {}
    for pidsdir in (state / "pids", RUN / "pids"):
        if pidsdir.is_dir() and not pidsdir.is_symlink():
            for p in sorted(pidsdir.glob("*.pid")):
                pid = read_pid(p)
                if pid and alive(pid) and pid not in stopped:
                    try:
                        os.kill(pid, signal.SIGTERM)
                        stopped.append(pid)
                        names[pid] = p.stem
                    except ProcessLookupError:
                        pass
    # the postfix master pid lives in its queue directory
    for mp in (state / "postfix" / "spool" / "pid" / "master.pid",
               RUN / "postfix" / "spool" / "pid" / "master.pid"):
        mpid = read_pid(mp) if mp.exists() else None
        if mpid and alive(mpid) and mpid not in stopped:
            os.kill(mpid, signal.SIGTERM)
            stopped.append(mpid)
    end = time.monotonic() + 10
    while time.monotonic() < end and any(alive(p) for p in stopped):
        time.sleep(0.1)
    for pid in stopped:
        if alive(pid):
            log(f"pid {pid} ({names.get(pid, 'postfix master')}) ignored SIGTERM; sending SIGKILL")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    cpu = state / "logs" / "delayproxy-cpu.txt"
    if cpu.exists():
        wait_for(lambda: cpu.stat().st_size > 0, "delay proxy CPU report", 3)
        log(cpu.read_text().strip())
    if netns_exists(netns):
        end = time.monotonic() + 10
        while time.monotonic() < end and netns_pids(netns):
            time.sleep(0.1)
        left = netns_pids(netns)
        if left and keep_busy_netns:
            log(f"processes not started by the testbed are still in netns {netns} ({left}); "
                "keeping the namespace and restarting the servers inside it")
            st = RUN / "state.json"
            if st.exists():
                st.unlink()
            return 0
        if left:
            print(f"testbed: processes still in netns {netns}: {left}; not deleting it "
                  "(they were not started by the testbed's pid files; stop them first)",
                  file=sys.stderr)
            return 1
        run(["ip", "netns", "del", netns])
    # Everything the daemons kept goes, except their logs (read them after a failed up).
    if state.is_dir():
        for sub in state.iterdir():
            if sub.name != "logs":
                shutil.rmtree(sub) if sub.is_dir() and not sub.is_symlink() else sub.unlink()
    etc = Path("/etc/netns") / netns
    if etc.exists():
        shutil.rmtree(etc)
    st = RUN / "state.json"
    if st.exists():
        st.unlink()
    log(f"down in {time.monotonic() - t0:.1f} s (netns {netns})")
    return 0


def cmd_down(args) -> int:
    require_root()
    st = RUN / "state.json"
    netns = args.netns
    owner = json.loads(st.read_text()).get("netns") if st.exists() else None
    if owner and not args.netns_given:
        netns = owner
    if owner and owner != netns:
        # the pid files in this run dir belong to another namespace: leave them alone
        print(f"testbed: {RUN} belongs to netns {owner}, not {netns}; use --run-dir of that "
              "instance", file=sys.stderr)
        return 1
    return teardown(netns)


LEGACY_TLS_CONF = """# per-listener OpenSSL config for a legacy TLS 1.0 server (testbed-notes.md)
nulmeting_legacy = legacy_sect
[legacy_sect]
ssl_conf = legacy_ssl
[legacy_ssl]
system_default = legacy_sys
[legacy_sys]
CipherString = DEFAULT@SECLEVEL=0
MinProtocol = TLSv1
MaxProtocol = TLSv1
"""


def write_tls_profiles(etc: Path, plan: Plan) -> dict[str, list[str]]:
    """One OpenSSL config file for every `[tls_profile.NAME]` of the catalogue, and the
    Postfix -o options of each listener that uses NAME. Trap (testbed-notes.md): every
    `name = section` line must stand before the first [section] header, or OpenSSL silently
    ignores all but the first listener's settings."""
    profiles = plan.cat.get("tls_profile", {})
    if not profiles:
        return {}
    path = etc / "tls-profiles.cnf"
    heads, sects, opts = [], [], {}
    for name, p in sorted(profiles.items()):
        n = name.replace("-", "_")
        heads.append(f"nulmeting_{n} = sect_{n}")
        sects += [f"[sect_{n}]", f"ssl_conf = ssl_{n}", f"[ssl_{n}]", f"system_default = sys_{n}",
                  f"[sys_{n}]"] + [f"{k} = {v}" for k, v in p.get("conf", {}).items()]
        o = [f"tls_config_file={path}", f"tls_config_name=nulmeting_{n}"] + list(p.get("postfix", []))
        dh = p.get("dh")
        if dh:
            f = etc / f"dh-{dh}.pem"
            if not f.exists():
                if dh.startswith("ffdhe"):
                    run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                         f"group:{dh}", "-out", str(f)])
                else:  # custom<bits>: a group of our own, not one of RFC 7919's
                    run(["openssl", "dhparam", "-out", str(f), dh.removeprefix("custom")])
            o.append(f"smtpd_tls_dh1024_param_file={f}")
        opts[name] = o
    path.write_text("# TLS-quality profiles of the testbed (scenarios.toml [tls_profile.*])\n"
                    + "\n".join(heads + sects) + "\n")
    return opts


def start_postfix(netns: str, plan: Plan, args) -> None:
    # Everything Postfix opens is in the state directory: its daemons run as `postfix`, which
    # must reach the queue and data directories (master.lock), and its socket paths
    # (public/postlog, private/*) must stay below 108 bytes.
    base = STATE / "postfix"
    etc, spool, data = base / "etc", base / "spool", base / "data"
    for p in (etc, spool, data):
        p.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    shutil.chown(data, "postfix", "postfix")
    # Postfix logs through its postlog service, but the master's own start-up errors (bind
    # failures, a lock file it cannot open) come before postlogd can run and were lost. A sink
    # of ours on the postlog socket (postlog_service_name below), started first, writes every
    # message to postfix.log; `postfix start` itself falls back to that file when it is absent.
    logfile = STATE / "logs" / "postfix.log"
    logfile.touch()
    # the master binds its public sockets as `postfix`: the directory as Postfix makes it
    (spool / "public").mkdir(mode=0o710, exist_ok=True)
    shutil.chown(spool / "public", "postfix", "postdrop")
    sock = spool / "public" / "testbed-log"
    starting("the Postfix log sink", STATE / "logs" / "postfix-logsink.log")
    spawn_bg(netns, "postfix-logsink", [sys.executable, str(HERE / "logsink.py"), str(sock),
                                        str(logfile)])
    wait_for(lambda: sock.exists(), "the Postfix log socket", 10)
    legacy = etc / "legacy-tls.cnf"
    legacy.write_text(LEGACY_TLS_CONF)
    main = f"""# nulmeting testbed Postfix: many MX hosts, accepts no mail
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mailhost.testbed.test
mydomain = testbed.test
myorigin = $myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.7.1 testbed accepts no mail
default_transport = error:5.7.1 testbed accepts no mail
relay_transport = error:5.7.1 testbed accepts no mail
smtpd_client_restrictions =
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
smtpd_banner = $myhostname ESMTP nulmeting testbed
inet_interfaces = all
inet_protocols = all
maillog_file = {logfile}
maillog_file_prefixes = {STATE}
postlog_service_name = {sock.name}
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_timeout = 60s
smtpd_peername_lookup = no
default_process_limit = 2000
max_idle = 3600s
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
biff = no
"""
    (etc / "main.cf").write_text(main)
    master = [
        "pickup    unix  n       -       n       60      1       pickup",
        "cleanup   unix  n       -       n       -       0       cleanup",
        "qmgr      unix  n       -       n       300     1       qmgr",
        "tlsmgr    unix  -       -       n       1000?   1       tlsmgr",
        "rewrite   unix  -       -       n       -       -       trivial-rewrite",
        "bounce    unix  -       -       n       -       0       bounce",
        "defer     unix  -       -       n       -       0       bounce",
        "trace     unix  -       -       n       -       0       bounce",
        "verify    unix  -       -       n       -       1       verify",
        "flush     unix  n       -       n       1000?   0       flush",
        "proxymap  unix  -       -       n       -       -       proxymap",
        "error     unix  -       -       n       -       -       error",
        "retry     unix  -       -       n       -       -       error",
        "discard   unix  -       -       n       -       -       discard",
        "anvil     unix  -       -       n       -       1       anvil",
        "scache    unix  -       -       n       -       1       scache",
        "postlog   unix-dgram n  -       n       -       1       postlogd",
    ]
    port = port_of(25, args)
    profile_opts = write_tls_profiles(etc, plan)
    if FAULT == "postfix-port-taken":
        master.append(f"{RESOLVER['v4']}:53 inet n - n - - smtpd")
    for li in plan.postfix:
        ip = li["ip"]
        addr = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        opts = [f"syslog_name=postfix/{li['host']}", f"myhostname={li['host']}"]
        if li["tls"] == "off" or not li.get("cert"):
            opts.append("smtpd_tls_security_level=none")
        else:
            chain = plan.certs.path(li["cert"], "leafonly.pem" if li["chain"] == "leaf-only"
                                    else "chain.pem")
            opts.append(f"smtpd_tls_chain_files={chain}")
            if li["tls"] == "tls12":
                opts.append("smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2")
            elif li["tls"] == "tls10":
                opts += [f"tls_config_file={legacy}", "tls_config_name=nulmeting_legacy",
                         "smtpd_tls_protocols=>=TLSv1,<=TLSv1",
                         "smtpd_tls_mandatory_protocols=>=TLSv1,<=TLSv1"]
            if li.get("tls_profile"):
                opts += profile_opts[li["tls_profile"]]
        master.append(f"{addr} inet n - n - - smtpd " + " ".join(f"-o {o}" for o in opts))
    (etc / "master.cf").write_text("\n".join(master) + "\n")
    starting("Postfix", logfile)
    nsexec(netns, ["postfix", "-c", str(etc), "check"], check=False)
    nsexec(netns, ["postfix", "-c", str(etc), "start"])
    mp = spool / "pid" / "master.pid"
    wait_for(lambda: mp.exists() and read_pid(mp) is not None, "postfix master pid")
    (STATE / "pids" / "postfix-master.pid").write_text(f"{read_pid(mp)}\n")


# ---------------------------------------------------------------------------------------------
# MTA-STS policy hosts (measurement.md §5, issue 16): one nginx (Debian nginx-light) serves
# https://mta-sts.<domain>/.well-known/mta-sts.txt for every domain with an `sts` table, each
# site on its own address (127.28.0.x) with a certificate of the testbed's CA (or an expired /
# wrong-name one). What nginx cannot do is not needed: a redirect is `return 301`, a slow
# server `limit_rate`, a wrong type `default_type`, a 2 MiB policy a static file.

STS_KEYS = ("v4", "cert", "policy", "listen", "content_type", "redirect", "status",
            "limit_rate", "pad_to")
STS_FETCH = ("not_fetched", "ok", "dns_error", "no_address", "not_public", "refused", "timeout",
             "tls_failed", "certificate", "redirect", "too_large", "error")
STS_VERDICTS = ("enforce", "testing", "none", "invalid", "error", "n/a")


def txt_value(rdata: str) -> str:
    """TXT presentation ("a" "b") -> the character-strings joined (RFC 8461 §3.1, as the
    scanner records them). The catalogue's STS records use no escapes."""
    rdata = rdata.strip()
    if "\\" in rdata:
        raise SystemExit(f"testbed: TXT escapes are not supported here: {rdata!r}")
    if not rdata.startswith('"'):
        return rdata
    return "".join(rdata[1:-1].split('" "'))


def sts_txt_records(dom: dict) -> list[str]:
    """The TXT records the catalogue publishes at _mta-sts.<domain>."""
    out = []
    for rec in dom.get("records", []):
        owner, rtype, rdata = rec.split(None, 2)
        if owner == "_mta-sts.@" and rtype == "TXT":
            out.append(txt_value(rdata))
    return out


def add_mta_sts_site(plan: "Plan", dom: dict) -> None:
    """The policy host of one domain: its A record, its address, its nginx site."""
    sts = dom.get("sts")
    if not sts:
        return
    unknown = set(sts) - set(STS_KEYS)
    if unknown:
        raise SystemExit(f"testbed: {dom['name']}: unknown sts keys {sorted(unknown)}")
    name = bare(dom["name"])
    host = f"mta-sts.{name}"
    if "v4" not in sts:
        return  # TXT record without a policy host: mta-sts.<domain> has no address
    plan.dns.add(host, "A", sts["v4"])
    if sts["v4"].startswith("127."):
        plan.addresses.add(sts["v4"])
    if not sts.get("listen", True):
        return  # the address exists, nothing listens on 443: refused
    if sts.get("cert"):
        plan.certs.make(sts["cert"])
    plan.sts_sites.append(dict(sts, host=host, domain=name))


def sts_policy_body(site: dict) -> str:
    """The file nginx serves; `pad_to` repeats the policy's last line up to that many bytes."""
    body = site.get("policy", "")
    pad = site.get("pad_to", 0)
    if pad and len(body) < pad:
        line = body.splitlines(keepends=True)[-1]
        body += line * ((pad - len(body)) // len(line) + 1)
    return body


def expect_mta_sts(plan: "Plan", dom: dict, e: dict, out: dict) -> dict:
    """mta_sts and the evidence a correct scanner records (measurement.md §5). Without an
    `sts` table and TXT record: `none` (no TXT record), `error` when the _mta-sts answer fails,
    `n/a` without mail. The catalogue test (tests/testbed_catalogue_test.cpp) decides the
    verdict from this evidence with the verdict module and compares."""
    name = bare(dom["name"])
    records = sts_txt_records(dom)
    cls, _ = plan.zone_class("_mta-sts." + name)
    txt_class = cls if cls == "fail" or records else cls + "-nx"
    sts = dom.get("sts") or {}
    stated = "mta_sts" in e
    if out.get("mail") != "receives":
        verdict = e.get("mta_sts", "n/a")
        return {"mta_sts": verdict, "mta_sts_evidence": None}
    if not stated and (records or sts):
        raise SystemExit(f"testbed: {name} publishes MTA-STS: state expect.mta_sts")
    verdict = e.get("mta_sts", "error" if cls == "fail" else "none")
    fetch = e.get("mta_sts_fetch", "not_fetched")
    if verdict not in STS_VERDICTS or fetch not in STS_FETCH:
        raise SystemExit(f"testbed: {name}: mta_sts {verdict!r} / mta_sts_fetch {fetch!r}")
    ev = {"txt_class": txt_class, "txt_records": records, "fetch": fetch, "ip": None,
          "http_status": None, "content_type": None, "policy": None}
    if fetch not in ("not_fetched", "dns_error", "no_address"):
        ev["ip"] = sts.get("v4")
    if fetch == "ok":  # what the site sends (nginx: exactly the type it is given)
        ev["http_status"] = sts.get("status", 200)
        ev["content_type"] = sts.get("content_type", "text/plain")
        ev["policy"] = sts_policy_body(sts) if ev["http_status"] == 200 else None
    out_e = {"mta_sts": verdict, "mta_sts_evidence": ev}
    for k in ("sts_peer", "sts_peer_note"):  # deliberate differences of mta-sts-query
        if k in dom:
            out_e[k] = dom[k]
    return out_e


def start_nginx(netns: str, plan: "Plan", args) -> None:
    """One nginx master (foreground, pid file in pids/) with a server per policy host. Its
    document roots and temp directories are in the state directory: the workers run as
    `nobody`, who cannot enter a checkout under /root or a 0700 home."""
    base = STATE / "nginx"
    www = base / "www"
    for sub in ("www", "tmp", "certs"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    servers = []
    for site in plan.sts_sites:
        root = www / site["domain"]
        wk = root / ".well-known"
        wk.mkdir(parents=True, exist_ok=True)
        (wk / "mta-sts.txt").write_text(sts_policy_body(site))
        for p in (root, wk):
            p.chmod(0o755)
        (wk / "mta-sts.txt").chmod(0o644)
        chain = plan.certs.path(site["cert"], "chain.pem").read_text()
        keytext = plan.certs.path(site["cert"], "key").read_text()
        crt = base / "certs" / f"{site['cert']}.fullchain.pem"
        crt.write_text(chain.replace(keytext, ""))  # leaf + intermediates, no key
        loc = [f"types {{ }}", f"default_type {site.get('content_type', 'text/plain')};"]
        if "redirect" in site:
            loc.append(f"return 301 {site['redirect']};")
        elif "status" in site:
            loc.append(f"return {site['status']};")
        if "limit_rate" in site:
            loc += ["limit_rate_after 0;", f"limit_rate {site['limit_rate']};"]
        servers.append(f"""  server {{
    listen {site['v4']}:443 ssl;
    server_name {site['host']};
    ssl_certificate {crt};
    ssl_certificate_key {plan.certs.path(site['cert'], 'key')};
    root {root};
    location = /.well-known/mta-sts.txt {{ {' '.join(loc)} }}
    location / {{ return 404; }}
  }}""")
    tmp = base / "tmp"
    conf = base / "nginx.conf"
    conf.write_text(f"""# nulmeting testbed: MTA-STS policy hosts (tb.py start_nginx)
daemon off;
master_process on;
worker_processes 1;
pid {base / 'nginx.pid'};
error_log {STATE / 'logs' / 'nginx.log'} info;
events {{ worker_connections 512; }}
http {{
  access_log {STATE / 'logs' / 'nginx-access.log'};
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server_tokens off;
  sendfile off;
  keepalive_timeout 5s;
{chr(10).join(servers)}
}}
""")
    if FAULT == "nginx-port-taken":  # test hook (up-failure): Unbound holds this TCP port
        conf.write_text(conf.read_text().replace(
            "  server {", f"  server {{ listen {RESOLVER['v4']}:53; }}\n  server {{", 1))
    starting("nginx (MTA-STS policy hosts)", STATE / "logs" / "nginx.log")
    p = nsexec(netns, ["nginx", "-t", "-c", str(conf)], check=False)
    if p.returncode != 0:
        (STATE / "logs" / "nginx.log").write_text(p.stdout + p.stderr)
        raise SystemExit(f"testbed: nginx -t failed for {conf}")
    pidfile = base / "nginx.pid"
    pidfile.unlink(missing_ok=True)  # `nginx -t` leaves it empty
    pid = spawn_bg(netns, "nginx", ["nginx", "-c", str(conf)])
    want = {f"{s['v4']}:443" for s in plan.sts_sites}
    # nginx -t does not bind. A taken address: nginx keeps the sockets it could bind, retries
    # the others for ~2.5 s and exits; it writes its pid file only once every bind succeeded.
    wait_for(lambda: pidfile.exists() and pidfile.stat().st_size > 0
             and want <= listening(netns) or not running(pid), "nginx listeners", 30)
    if not running(pid):
        raise SystemExit("testbed: nginx exited during start-up")


def listening(netns: str) -> set[str]:
    """ip:port of every listening TCP socket in the netns (IPv6 without brackets)."""
    p = nsexec(netns, ["ss", "-ltnH"], check=False)
    out = set()
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 4:
            out.add(f[3].replace("[", "").replace("]", ""))
    return out


def postfix_ready(netns: str, plan: Plan) -> bool:
    """Every Postfix listener is bound (ss). Connecting to hundreds of listeners at once makes
    the master fork hundreds of smtpd processes, which a loaded 2-core machine cannot do in
    time; `selftest` checks the 220 banners instead."""
    port = port_of(25, plan.args)
    want = {f"{li['ip']}:{port}" for li in plan.postfix}
    return want <= listening(netns)


def parse_synth(s: str) -> tuple[int, int]:
    n, m = s.split(":")
    n, m = int(n), int(m)
    if n < 1 or m < 1 or m > 60000:
        raise argparse.ArgumentTypeError("--synthetic N:M with N >= 1 and 1 <= M <= 60000")
    return n, m


def cmd_render_expected(args) -> int:
    """Render expected.json (and the domain lists) from the catalogue without starting anything:
    certificates are made (TLSA data are digests of them), zones are neither keyed nor signed,
    no namespace, no root. Read by the C++ catalogue test at build time."""
    global RUN
    RUN = Path(args.out).resolve()
    RUN.mkdir(parents=True, exist_ok=True)
    if (RUN / "certs").exists():
        shutil.rmtree(RUN / "certs")
    args.synthetic, args.latency_ms = None, 0
    plan = Plan(load_catalogue(), args)
    plan.build(sign=False)
    errors = check_expectations(plan.expected)
    if errors:
        raise SystemExit("testbed: the catalogue is incomplete:\n  " + "\n  ".join(errors))
    write_csv(RUN / "scenarios.csv", plan.scenario_rows)
    write_csv(RUN / "demo.csv", plan.demo_rows)
    tmp = RUN / "expected.json.tmp"  # a build step: never leave a half-written output behind
    tmp.write_text(json.dumps(plan.expected, indent=1, sort_keys=False) + "\n")
    tmp.replace(RUN / "expected.json")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="testbed")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up")
    up.add_argument("--netns", default=None)
    up.add_argument("--latency-ms", type=int, default=0)
    up.add_argument("--synthetic", type=parse_synth, default=None)
    up.add_argument("--synthetic-skew", action="store_true",
                    help="synthetic domains as the issue-19 network: sector zones, skewed "
                         "shared MX hosts, 15 %% with a second MX")
    up.add_argument("--resolver-queries", type=int, default=4096,
                    help="the resolver's num-queries-per-thread (small: an overloaded resolver)")
    dn = sub.add_parser("down")
    dn.add_argument("--netns", default=None)
    for p in (up, dn):
        p.add_argument("--run-dir", default=os.environ.get("TB_RUN_DIR"),
                       help="where generated files go (default tests/testbed/run; env TB_RUN_DIR)")
    rx = sub.add_parser("render-expected",
                        help="write expected.json from the catalogue; starts nothing")
    rx.add_argument("--out", required=True, help="directory for expected.json, certs/, *.csv")
    args = ap.parse_args(argv)
    if args.cmd == "render-expected":
        return cmd_render_expected(args)
    global RUN, STATE
    if args.run_dir:
        RUN = Path(args.run_dir).resolve()
    args.netns_given = args.netns is not None
    args.netns = args.netns or DEFAULT_NETNS
    STATE = state_dir(args.netns)
    require_root()
    # one up/down at a time per namespace (several helpers share the default testbed)
    import fcntl
    lock = open(f"/run/lock/nulmeting-testbed-{args.netns}.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another up/down of {args.netns} is running; waiting for it")
        fcntl.flock(lock, fcntl.LOCK_EX)
    if args.cmd == "up":
        return cmd_up(args)
    return cmd_down(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A TLS server that Debian's OpenSSL 3 cannot be: it also accepts SSL 3, 3DES suites and TLS
compression (deflate) when a client offers them, for the testbed's TLS-quality scenarios.

Used by misbehave.py (modes `tls-legacy` and `tls-ratelimit`) after its SMTP dialogue reached
STARTTLS. It reads the client's first record (one ClientHello, at most MAX_HELLO bytes) and
decides like a server that prefers modern settings:
  - TLS 1.3 or TLS 1.2 with a modern suite (ECDHE-RSA AES-GCM / CHACHA20) and no compression
    the profile accepts: the hello is handed to Python's ssl module (OpenSSL) through memory
    BIOs and a real handshake follows, then plain SMTP inside TLS until QUIT;
  - a legacy choice (SSL 3 when enabled, a legacy suite when the client offers no modern one,
    deflate when enabled and offered): a hand-made ServerHello choosing it, the certificate and
    ServerHelloDone, then the connection is closed (the key exchange is never completed: the
    ServerHello is the evidence);
  - anything else: a fatal alert (protocol_version or handshake_failure), as OpenSSL would.
Profile keys (from the catalogue host): legacy_versions (["ssl3","tls10","tls11"]),
legacy_suites ([0x000a, ...]), compression (bool), ems (bool, default true).
"""
import asyncio
import os
import ssl
import struct

MAX_HELLO = 5 + (1 << 14)
MODERN_SUITES = (0xC02F, 0xC030, 0xCCA8)  # ECDHE-RSA with AES-GCM / CHACHA20 (RSA certificates)
VERSIONS = {"ssl3": 0x0300, "tls10": 0x0301, "tls11": 0x0302}
ALERT_HANDSHAKE_FAILURE, ALERT_PROTOCOL_VERSION = 40, 70


def alert(version: int, desc: int) -> bytes:
    return struct.pack("!BHHBB", 0x15, version, 2, 2, desc)


async def read_hello(r: asyncio.StreamReader) -> bytes:
    """The client's first record, complete (TLS) or whatever an SSL 2 hello brought."""
    head = await r.readexactly(2)
    if head[0] & 0x80:  # SSL 2 record header (an SSL 2 CLIENT-HELLO)
        n = ((head[0] & 0x7F) << 8) | head[1]
        return head + await r.readexactly(n)
    head += await r.readexactly(3)
    n = (head[3] << 8) | head[4]
    if n > MAX_HELLO:
        raise ValueError("record too long")
    return head + await r.readexactly(n)


def parse_hello(rec: bytes) -> dict | None:
    """The fields of a TLS ClientHello record; None for anything else."""
    if len(rec) < 9 or rec[0] != 0x16 or rec[5] != 1:
        return None
    b = rec[9:]
    try:
        version = (b[0] << 8) | b[1]
        p = 34
        p += 1 + b[p]
        n = (b[p] << 8) | b[p + 1]
        suites = [(b[p + 2 + i] << 8) | b[p + 3 + i] for i in range(0, n, 2)]
        p += 2 + n
        comp = list(b[p + 1: p + 1 + b[p]])
        p += 1 + b[p]
        exts: dict[int, bytes] = {}
        if p + 2 <= len(b):
            end = p + 2 + ((b[p] << 8) | b[p + 1])
            p += 2
            while p + 4 <= end:
                t, ln = (b[p] << 8) | b[p + 1], (b[p + 2] << 8) | b[p + 3]
                exts[t] = bytes(b[p + 4: p + 4 + ln])
                p += 4 + ln
    except IndexError:
        return None
    vers = []
    if 43 in exts and exts[43]:
        sv = exts[43][1:]
        vers = [(sv[i] << 8) | sv[i + 1] for i in range(0, len(sv) - 1, 2)]
    return {"version": version, "suites": suites, "comp": comp, "exts": exts, "versions": vers}


def handshake_msg(t: int, body: bytes) -> bytes:
    return bytes([t]) + len(body).to_bytes(3, "big") + body


def legacy_flight(version: int, suite: int, comp: int, h: dict, prof: dict, chain_der) -> bytes:
    body = struct.pack("!H", version) + os.urandom(32) + bytes([32]) + os.urandom(32)
    body += struct.pack("!HB", suite, comp)
    ext = b""
    if version > 0x0300 and h["exts"]:
        if 0xFF01 in h["exts"] or 0x00FF in h["suites"]:
            ext += b"\xff\x01\x00\x01\x00"
        if 23 in h["exts"] and prof.get("ems", True):
            ext += b"\x00\x17\x00\x00"
    if ext:
        body += struct.pack("!H", len(ext)) + ext
    certs = b"".join(len(c).to_bytes(3, "big") + c for c in chain_der)
    msgs = (handshake_msg(2, body) + handshake_msg(11, len(certs).to_bytes(3, "big") + certs)
            + handshake_msg(14, b""))
    rec_version = min(version, 0x0301) if version > 0x0300 else 0x0300
    return struct.pack("!BHH", 0x16, rec_version, len(msgs)) + msgs


def decide(h: dict, prof: dict) -> tuple[str, int, int, int]:
    """("modern"|"legacy"|"alert", version, suite, compression or alert description)."""
    legacy_versions = {VERSIONS[v] for v in prof.get("legacy_versions", [])}
    legacy_suites = [int(s) for s in prof.get("legacy_suites", [])]
    deflate = prof.get("compression", False) and 1 in h["comp"]
    if 0x0304 in h["versions"] and not deflate:
        return ("modern", 0x0304, 0, 0)
    v = min(h["version"], 0x0303)
    if v < 0x0303 and v not in legacy_versions:
        # the highest legacy version below the client's (an SSL 3 server answers a TLS 1.0
        # hello with SSL 3), else the alert a server without it sends
        lower = [x for x in legacy_versions if x < v]
        if not lower:
            return ("alert", v, 0, ALERT_PROTOCOL_VERSION)
        v = max(lower)
    modern = [s for s in h["suites"] if s in MODERN_SUITES] if v == 0x0303 else []
    # server preference: modern suites first; the legacy ones (and, below TLS 1.2, the plain
    # CBC ones every SSL 3 / TLS 1.0 server has) only when the client offers nothing better
    old = [s for s in h["suites"]
           if s in legacy_suites or (v < 0x0303 and s in (0x002F, 0x0035))]
    if modern and not deflate and v == 0x0303:
        return ("modern", v, 0, 0)
    suite = (modern or old or [None])[0]
    if suite is None:
        return ("alert", v, 0, ALERT_HANDSHAKE_FAILURE)
    return ("legacy", v, suite, 1 if deflate else 0)


class TlsStream:
    """Plain SMTP lines over an ssl.SSLObject on memory BIOs (the hello was already read)."""

    def __init__(self, r, w, obj, inc, out):
        self.r, self.w, self.obj, self.inc, self.out = r, w, obj, inc, out
        self.buf = b""

    async def flush(self):
        data = self.out.read()
        if data:
            self.w.write(data)
            await self.w.drain()

    async def handshake(self) -> None:
        while True:
            try:
                self.obj.do_handshake()
                await self.flush()
                return
            except ssl.SSLWantReadError:
                await self.flush()
                data = await self.r.read(16384)
                if not data:
                    raise ConnectionError("eof in handshake")
                self.inc.write(data)

    async def readline(self) -> bytes:
        while b"\n" not in self.buf:
            try:
                data = self.obj.read(4096)
                if not data:  # close_notify
                    raise ConnectionError("eof")
                self.buf += data
                continue
            except ssl.SSLWantReadError:
                data = await self.r.read(16384)
                if not data:
                    raise ConnectionError("eof")
                self.inc.write(data)
            if len(self.buf) > 4096:
                raise ValueError("line too long")
        line, self.buf = self.buf.split(b"\n", 1)
        return line.strip().upper()

    async def write(self, data: bytes) -> None:
        self.obj.write(data)
        await self.flush()


async def serve(r, w, cfg: dict, host: bytes) -> None:
    """After 220 to STARTTLS: answer the ClientHello as the profile says."""
    rec = await read_hello(r)
    h = parse_hello(rec)
    if h is None:
        return  # an SSL 2 hello or junk: close, as a server without SSL 2 does
    kind, version, suite, extra = decide(h, cfg)
    if kind == "alert":
        w.write(alert(min(version, 0x0303) if version >= 0x0300 else 0x0301, extra))
        return
    if kind == "legacy":
        chain = open(cfg["chain"]).read()
        ders = [ssl.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----" + part)
                for part in chain.split("-----BEGIN CERTIFICATE-----")[1:]]
        # then close: the ServerHello is the evidence, and waiting for a key exchange that a
        # scanner never sends would only hold every probe until its timeout
        w.write(legacy_flight(version, suite, extra, h, cfg, ders))
        await w.drain()
        return
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cfg["chain"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    inc.write(rec)
    s = TlsStream(r, w, obj, inc, out)
    await s.handshake()
    while True:
        cmd = await s.readline()
        if cmd.startswith(b"EHLO"):
            await s.write(b"250-" + host + b"\r\n250 PIPELINING\r\n")
        elif cmd == b"QUIT":
            await s.write(b"221 2.0.0 bye\r\n")
            return
        else:
            await s.write(b"502 5.5.2 not here\r\n")

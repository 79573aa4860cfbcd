#!/usr/bin/env python3
"""Scripted misbehaving SMTP server for the nulmeting testbed (what Postfix cannot show).

Started by tb.py `up` inside the netns with a JSON list of {ip, port, mode}; one asyncio loop.
Modes:
  tarpit     accept, never send a banner
  421        "421" greeting, then close
  554        "554" greeting, then close
  454        normal session, STARTTLS answered with 454
  garbage    "220 Ready to start TLS", then bytes that are not TLS, then close
  tls-alert  "220 Ready to start TLS", read the ClientHello, answer a fatal handshake_failure alert
  tls-reset  "220 Ready to start TLS", read the ClientHello, reset the connection (RST)
  tls-stall  "220 Ready to start TLS", read the ClientHello, then silence until HOLD_SECONDS
  multiline  endless "220-" greeting continuation lines
  megaline   normal greeting; EHLO answered with one 1 MiB line
  starttls-250    STARTTLS answered "250" (not 220), then a real TLS handshake with the host's
                  certificate (`chain`: key + leaf + intermediates): Postfix proceeds on any 2xx
  starttls-reset  normal greeting and EHLO (STARTTLS offered); STARTTLS answered with an RST
  ehlo-endless    normal greeting; EHLO answered with endless "250-" continuation lines
  tls-legacy      a TLS server that also accepts SSL 3 / 3DES / deflate when offered
                  (legacytls.py; host keys legacy_versions, legacy_suites, compression, ems)
  tls-ratelimit   like tls-legacy, but within `window` seconds (default 10) after a connection
                  every further one is greeted "421" and closed: a rate-limiting server
  never-contact   a listener on an address a scanner must never contact (not_public): a 554
                  greeting that says so; the accept log proves whether anyone came
Every accepted connection is appended to the accept log (argv[2], one line
"EPOCH LISTEN_IP PEER_IP MODE"), so that a test can prove an address was never contacted.
Invariant: every connection is closed after at most HOLD_SECONDS (nothing hangs forever), and
an endless reply stops after MAX_BYTES. Never reads or stores mail (MAIL/RCPT are refused).
"""
import asyncio
import json
import signal
import socket
import ssl
import struct
import sys
import time

import legacytls

HOLD_SECONDS = 30.0
MAX_BYTES = 64 * 1024 * 1024
HOST = b"scripted.testbed.test"


async def flood(w, line: bytes) -> None:
    """Repeat one continuation line until MAX_BYTES were sent: a reply that never ends."""
    sent = 0
    while sent < MAX_BYTES:
        w.write(line)
        sent += len(line)
        await w.drain()
        await asyncio.sleep(0.001)


async def readline(r: asyncio.StreamReader) -> bytes:
    line = await r.readline()
    if not line:
        raise ConnectionError("eof")
    return line.strip().upper()


async def smtp_until_starttls(r, w, starttls_reply: bytes, ehlo_extra: bytes = b"") -> bool:
    """A minimal SMTP dialogue up to STARTTLS, answered with `starttls_reply` (may be empty);
    True when the client sent STARTTLS, False when it sent QUIT."""
    w.write(b"220 " + HOST + b" ESMTP scripted\r\n")
    await w.drain()
    while True:
        cmd = await readline(r)
        if cmd.startswith(b"EHLO"):
            w.write(b"250-" + HOST + b"\r\n" + ehlo_extra + b"250-PIPELINING\r\n250 STARTTLS\r\n")
        elif cmd.startswith(b"HELO"):
            w.write(b"250 " + HOST + b"\r\n")
        elif cmd == b"STARTTLS":
            w.write(starttls_reply)
            await w.drain()
            return True
        elif cmd == b"QUIT":
            w.write(b"221 2.0.0 bye\r\n")
            await w.drain()
            return False
        elif cmd in (b"NOOP", b"RSET"):
            w.write(b"250 2.0.0 ok\r\n")
        else:
            w.write(b"502 5.5.2 not here\r\n")
        await w.drain()


def reset(w: asyncio.StreamWriter) -> None:
    """Close with an RST, not a FIN (SO_LINGER 0)."""
    sock = w.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


async def session(cfg: dict, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    mode = cfg["mode"]
    if mode == "tarpit":
        await asyncio.sleep(HOLD_SECONDS)
    elif mode == "421":
        w.write(b"421 4.3.2 " + HOST + b" service not available, closing channel\r\n")
    elif mode == "554":
        w.write(b"554 5.3.2 " + HOST + b" no SMTP service here\r\n")
    elif mode == "454":
        await smtp_until_starttls(r, w, b"454 4.7.0 TLS not available due to local problem\r\n")
        while True:  # keep talking plain SMTP until QUIT
            cmd = await readline(r)
            w.write(b"221 2.0.0 bye\r\n" if cmd == b"QUIT" else b"502 5.5.2 not here\r\n")
            await w.drain()
            if cmd == b"QUIT":
                break
    elif mode == "garbage":
        if await smtp_until_starttls(r, w, b"220 2.0.0 Ready to start TLS\r\n"):
            await r.read(4096)  # the ClientHello
            w.write(b"this is not a TLS record, just text\r\n" * 8)
    elif mode == "tls-alert":
        if await smtp_until_starttls(r, w, b"220 2.0.0 Ready to start TLS\r\n"):
            await r.read(4096)
            w.write(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))  # fatal handshake_failure
    elif mode == "tls-reset":
        if await smtp_until_starttls(r, w, b"220 2.0.0 Ready to start TLS\r\n"):
            await r.read(4096)
            reset(w)
            return
    elif mode == "tls-stall":
        if await smtp_until_starttls(r, w, b"220 2.0.0 Ready to start TLS\r\n"):
            await r.read(4096)
            await asyncio.sleep(HOLD_SECONDS)  # never a ServerHello
    elif mode == "multiline":
        await flood(w, b"220-" + HOST + b" still greeting you, please wait\r\n")
    elif mode == "starttls-250":
        if not await smtp_until_starttls(r, w, b"250 2.0.0 go ahead\r\n"):
            return
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg["chain"])
        await w.start_tls(ctx)
        while True:  # plain SMTP inside TLS until QUIT
            cmd = await readline(r)
            if cmd.startswith(b"EHLO"):
                w.write(b"250-" + HOST + b"\r\n250 PIPELINING\r\n")
            elif cmd == b"QUIT":
                w.write(b"221 2.0.0 bye\r\n")
                await w.drain()
                break
            else:
                w.write(b"502 5.5.2 not here\r\n")
            await w.drain()
    elif mode in ("tls-legacy", "tls-ratelimit"):
        if mode == "tls-ratelimit":
            now = time.monotonic()
            if now - cfg.get("_last", -1e9) < float(cfg.get("window", 10)):
                w.write(b"421 4.7.0 " + HOST + b" too many connections, slow down\r\n")
                return
            cfg["_last"] = now
        if await smtp_until_starttls(r, w, b"220 2.0.0 Ready to start TLS\r\n"):
            await legacytls.serve(r, w, cfg, HOST)
    elif mode == "starttls-reset":
        if await smtp_until_starttls(r, w, b""):
            reset(w)
            return
    elif mode == "ehlo-endless":
        w.write(b"220 " + HOST + b" ESMTP scripted\r\n")
        await w.drain()
        await readline(r)
        await flood(w, b"250-" + HOST + b" and there is more to say\r\n")
    elif mode == "never-contact":
        w.write(b"554 5.7.1 this address is not public: a scanner must never connect here\r\n")
    elif mode == "megaline":
        w.write(b"220 " + HOST + b" ESMTP scripted\r\n")
        await w.drain()
        await readline(r)
        w.write(b"250 " + b"x" * (1024 * 1024) + b"\r\n")
        await w.drain()
        await asyncio.sleep(HOLD_SECONDS)
    await w.drain()


def handler(cfg: dict, accept_log):
    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        if accept_log is not None:
            peer = (w.get_extra_info("peername") or ("?",))[0]
            accept_log.write(f"{time.time():.3f} {cfg['ip']} {peer} {cfg['mode']}\n")
            accept_log.flush()
        try:
            await asyncio.wait_for(session(cfg, r, w), HOLD_SECONDS)
        except (asyncio.TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, ValueError, ssl.SSLError):
            pass
        finally:
            w.close()
    return handle


async def main(cfg_path: str, accept_log_path: str | None) -> None:
    cfg = json.load(open(cfg_path))
    accept_log = open(accept_log_path, "a") if accept_log_path else None
    servers = [await asyncio.start_server(handler(c, accept_log), c["ip"], c["port"])
               for c in cfg]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"misbehave: listening on {len(servers)} addresses", flush=True)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))

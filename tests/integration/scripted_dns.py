#!/usr/bin/env python3
"""Scripted DNS responder for the DNS-confirmation tests (measurement.md §1).

Serves a small unsigned zone over UDP on 127.0.0.1 (port 0: the kernel picks one) and fails on
purpose, per name: a test points libunbound at it as forwarder and counts what arrives.
Usage: scripted_dns.py LOGFILE RULE...   with RULE = NAME=MODE, MODE one of
  ok              answer (A 192.0.2.1, AAAA 2001:db8::1, MX "10 mx.NAME", TXT "ok"; others NODATA)
  servfail:N      SERVFAIL to the first N questions for NAME (any type), then as `ok`
  servfail        SERVFAIL always
  drop:N          no answer to the first N questions, then as `ok`
  nodata          NOERROR without records (e.g. DNSKEY of an anchored zone: its keys are missing)
A NAME of the form "*.ZONE" matches every name under ZONE. Names not listed answer NXDOMAIN.
Load model (a resolver with a bounded query table, like Unbound's num-queries-per-thread):
  @delay=MS       every answer leaves MS after its question (the questions are pending meanwhile)
  @capacity=K     a question that arrives while K are pending gets SERVFAIL at once Prints "port P" on stdout once listening; appends one line
"QNAME QTYPE N" per question to LOGFILE (N counts the questions for QNAME so far), flushed,
so the test reads what reached the network (N is "overload" for a question refused by @capacity). Exits on SIGTERM. Standard library only.
"""
import heapq
import select
import signal
import socket
import struct
import sys
import time

TYPES = {1: "A", 28: "AAAA", 15: "MX", 16: "TXT", 48: "DNSKEY", 43: "DS", 52: "TLSA", 5: "CNAME"}


def parse_question(msg: bytes):
    labels, i = [], 12
    while i < len(msg) and msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += n + 1
    qtype, _ = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels), qtype, msg[12:i + 5]


def encode_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"


def rdata(name: str, qtype: int):
    if qtype == 1:
        return socket.inet_pton(socket.AF_INET, "192.0.2.1")
    if qtype == 28:
        return socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    if qtype == 15:
        return struct.pack("!H", 10) + encode_name("mx." + name)
    if qtype == 16:
        return b"\x02ok"
    return None


def response(query: bytes, rcode: int, answer) -> bytes:
    qid, flags = struct.unpack("!HH", query[:4])
    _, _, question = parse_question(query)
    flags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
    head = struct.pack("!HHHHHH", qid, flags, 1, 1 if answer else 0, 0, 0)
    body = question
    if answer:
        qtype, data = answer
        body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(data)) + data
    return head + body


def main() -> None:
    log = open(sys.argv[1], "a", buffering=1)
    rules = {}
    delay, capacity = 0.0, None
    for rule in sys.argv[2:]:
        name, _, mode = rule.partition("=")
        if name == "@delay":
            delay = int(mode) / 1000.0
            continue
        if name == "@capacity":
            capacity = int(mode)
            continue
        kind, _, n = mode.partition(":")
        rules[name.lower().rstrip(".")] = (kind, int(n) if n else None)
    seen = {}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("port", sock.getsockname()[1], flush=True)
    pending = []  # heap of (due, seq, packet, peer)
    seq = 0

    def send(packet, peer):
        nonlocal seq
        if delay <= 0:
            sock.sendto(packet, peer)
            return
        seq += 1
        heapq.heappush(pending, (time.monotonic() + delay, seq, packet, peer))

    def lookup(name):
        if name in rules:
            return rules[name]
        for pattern, rule in rules.items():
            if pattern.startswith("*.") and name.endswith(pattern[1:]):
                return rule
        return ("nxdomain", None)

    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else None
        readable, _, _ = select.select([sock], [], [], timeout)
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, packet, peer = heapq.heappop(pending)
            sock.sendto(packet, peer)
        if not readable:
            continue
        msg, peer = sock.recvfrom(4096)
        if len(msg) < 17:
            continue
        try:
            name, qtype, _ = parse_question(msg)
        except (struct.error, IndexError):
            continue
        if capacity is not None and len(pending) >= capacity:
            # Logged with "overload" in place of the count: the question reached the responder.
            log.write(f"{name} {TYPES.get(qtype, qtype)} overload\n")
            sock.sendto(response(msg, 2, None), peer)
            continue
        seen[name] = seen.get(name, 0) + 1
        log.write(f"{name} {TYPES.get(qtype, qtype)} {seen[name]}\n")
        kind, n = lookup(name)
        if kind == "servfail" and (n is None or seen[name] <= n):
            send(response(msg, 2, None), peer)
            continue
        if kind == "drop" and seen[name] <= n:
            continue
        if kind == "nxdomain":
            send(response(msg, 3, None), peer)
            continue
        data = rdata(name, qtype) if kind != "nodata" else None
        send(response(msg, 0, (qtype, data) if data is not None else None), peer)


if __name__ == "__main__":
    main()

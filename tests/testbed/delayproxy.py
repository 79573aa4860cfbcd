#!/usr/bin/env python3
"""Userspace round-trip delay for the testbed (`up --latency-ms RTT`): this kernel has no netem.

Started by tb.py inside the netns with a JSON config {rtt_ms, listeners: [{ip, port,
backend_port}]}. For every published address it listens on ip:port (UDP and TCP) and forwards
to the real server on ip:backend_port, holding every UDP datagram and every TCP chunk RTT/2 in
each direction. One asyncio loop, no per-packet threads. On SIGTERM it writes its own CPU time
to run/logs/delayproxy-cpu.txt so that a benchmark can check the proxy was not the bottleneck.

Invariants: per direction, data leaves in the order it arrived (one FIFO per direction drained
by a single timer, since equal-deadline timers are not ordered by asyncio). A UDP flow's
upstream socket closes after its first reply (DNS: one answer per query) or after 10 s idle.
Limits: the TCP handshake itself is not delayed (the proxy accepts at once and connects to the
backend after RTT/2); an address with no backend listener is not proxied (stays "refused").
"""
import asyncio
import collections
import json
import resource
import signal
import socket
import sys
import time
from pathlib import Path

UDP_IDLE = 10.0   # a flow with a query still unanswered is kept this long without traffic
UDP_GRACE = 1.0   # a flow whose every query was answered is closed after this


class DelayQueue:
    """FIFO of (due, callable) run in order once due; one pending timer at most."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float):
        self.loop, self.delay = loop, delay
        self.q: collections.deque = collections.deque()
        self.timer = None

    def push(self, fn, *args) -> None:
        self.q.append((self.loop.time() + self.delay, fn, args))
        if self.timer is None:
            self.timer = self.loop.call_at(self.q[0][0], self._run)

    def _run(self) -> None:
        self.timer = None
        now = self.loop.time()
        while self.q and self.q[0][0] <= now:
            _, fn, args = self.q.popleft()
            try:
                fn(*args)
            except (OSError, RuntimeError, AttributeError):
                pass
        if self.q:
            self.timer = self.loop.call_at(self.q[0][0], self._run)


STATS = collections.Counter()


def big_buffers(transport) -> None:
    """4 MiB socket buffers: a scan sends 1,000 queries in one burst, more than the default
    208 KiB receive buffer holds while this one thread is busy (each overflow is a lost query,
    /proc/net/snmp RcvbufErrors, and a client timeout)."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    for opt, force in ((socket.SO_RCVBUF, 33), (socket.SO_SNDBUF, 32)):  # *BUFFORCE as root
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, 4 << 20)
        except OSError:
            try:
                sock.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
            except OSError:
                pass


class UdpUpstream(asyncio.DatagramProtocol):
    # One upstream socket per client (address, port). A client may send several queries from
    # one port before the first answer comes back (libunbound and Unbound reuse ports under
    # load), so the flow stays open while any query is unanswered (UDP_IDLE without traffic),
    # and only UDP_GRACE once all are. Keeping every flow UDP_IDLE made the proxy hold one socket
    # per query for 10 s: ~20,000 at a scan's 2,000 queries/s, and the 20,000-descriptor limit
    # then refused TCP connections (EMFILE in accept: probes saw "connection closed in phase
    # banner") during a second scan right after a first (docs/decisions/testbed.md).
    def __init__(self, front, client):
        self.front, self.client = front, client
        self.transport = None
        self.idle = None
        self.outstanding = 0  # datagrams forwarded upstream and not yet answered
        self.pending: list[bytes] = []  # queries that arrived while the socket was opening

    def connection_made(self, transport):
        self.transport = transport
        big_buffers(transport)
        for data in self.pending:
            transport.sendto(data)
        self.pending.clear()

    def touch(self):
        if self.idle is not None:
            self.idle.cancel()
        self.idle = self.front.loop.call_later(UDP_IDLE if self.outstanding else UDP_GRACE,
                                               self.close)

    def datagram_received(self, data, addr):
        STATS["udp_out"] += 1
        self.outstanding = max(0, self.outstanding - 1)
        self.front.out_q.push(self.front.transport.sendto, data, self.client)
        self.touch()

    def close(self):
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        self.front.flows.pop(self.client, None)
        if self.idle is not None:
            self.idle.cancel()


class UdpFront(asyncio.DatagramProtocol):
    def __init__(self, loop, ip, backend_port, delay):
        self.loop, self.backend = loop, (ip, backend_port)
        self.in_q, self.out_q = DelayQueue(loop, delay), DelayQueue(loop, delay)
        self.flows: dict = {}
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        big_buffers(transport)

    def datagram_received(self, data, addr):
        STATS["udp_in"] += 1
        self.in_q.push(self._forward, data, addr)

    def _forward(self, data, addr):
        flow = self.flows.get(addr)
        if flow is not None:
            flow.outstanding += 1
            if flow.transport is not None:
                flow.transport.sendto(data)
            else:
                flow.pending.append(data)
            flow.touch()
            return
        flow = UdpUpstream(self, addr)
        flow.outstanding = 1
        flow.pending.append(data)
        self.flows[addr] = flow
        flow.touch()

        async def start():
            try:
                await self.loop.create_datagram_endpoint(lambda: flow, remote_addr=self.backend)
            except OSError:
                STATS["udp_open_failed"] += 1
                flow.close()
        self.loop.create_task(start())


async def pump(reader, writer, q: DelayQueue, counter: str):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            STATS[counter] += len(data)
            q.push(writer.write, data)
            if writer.transport.get_write_buffer_size() > (1 << 20):
                await writer.drain()
    except (ConnectionError, OSError):
        pass
    q.push(lambda: writer.can_write_eof() and writer.write_eof())
    q.push(writer.close)


def tcp_handler(loop, ip, backend_port, delay):
    async def handle(cr, cw):
        STATS["tcp_conns"] += 1
        await asyncio.sleep(delay)  # the SYN's one-way trip towards the server
        try:
            br, bw = await asyncio.open_connection(ip, backend_port)
        except OSError:
            cw.close()
            return
        up, down = DelayQueue(loop, delay), DelayQueue(loop, delay)
        await asyncio.gather(pump(cr, bw, up, "tcp_up"), pump(br, cw, down, "tcp_down"))
    return handle


async def main(cfg_path: str) -> None:
    cfg = json.loads(Path(cfg_path).read_text())
    delay = cfg["rtt_ms"] / 2000.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    servers = []
    for li in cfg["listeners"]:
        ip, port, bport = li["ip"], li["port"], li["backend_port"]
        if li.get("udp", True):
            await loop.create_datagram_endpoint(lambda ip=ip, bport=bport: UdpFront(loop, ip, bport, delay),
                                                local_addr=(ip, port))
        servers.append(await asyncio.start_server(tcp_handler(loop, ip, bport, delay), ip, port))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"delayproxy: {len(cfg['listeners'])} addresses, RTT {cfg['rtt_ms']} ms", flush=True)
    t0 = time.monotonic()
    await stop.wait()
    wall = time.monotonic() - t0
    cpu = time.process_time()
    out = Path(cfg.get("cpu_report", "delayproxy-cpu.txt"))
    out.write_text(f"delay proxy: RTT {cfg['rtt_ms']} ms, CPU {cpu:.2f} s over {wall:.1f} s wall "
                   f"({100 * cpu / max(wall, 1e-9):.1f}%), udp in/out {STATS['udp_in']}/"
                   f"{STATS['udp_out']}, tcp connections {STATS['tcp_conns']}, bytes up/down "
                   f"{STATS['tcp_up']}/{STATS['tcp_down']}\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

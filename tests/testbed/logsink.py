#!/usr/bin/env python3
"""Postfix log sink for the test network: receives Postfix's log records on a Unix datagram
socket (the postlog protocol: one record per datagram) and appends them to a file.

Started by tb.py before Postfix, so that the master's own start-up errors, which come before
Postfix's postlogd can run, reach postfix.log (issue 13). Runs until SIGTERM (tb.py down).
Usage: logsink.py SOCKET LOGFILE
"""
import os
import signal
import socket
import sys


def main() -> int:
    path, out = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)  # Postfix daemons log as `postfix`
    with open(out, "ab", buffering=0) as f:
        while True:
            rec = s.recv(65536)
            f.write(rec.rstrip(b"\n\0") + b"\n")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Small network checks run INSIDE the testbed netns (called by tb.py and selftest).

`banners JSON` reads the first reply line of each [ip, port] concurrently (bounded: 5 s each)
and prints {"ip:port": "first line" or "error: ..."}.
"""
import asyncio
import json
import sys


async def banner(ip: str, port: int) -> str:
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(ip, port), 5)
    except (OSError, asyncio.TimeoutError) as e:
        return f"error: {type(e).__name__} {e}"
    try:
        line = await asyncio.wait_for(r.readline(), 5)
        w.write(b"QUIT\r\n")
        return line.decode(errors="replace").strip()
    except (OSError, asyncio.TimeoutError) as e:
        return f"error: {type(e).__name__} {e}"
    finally:
        w.close()


async def banners(targets):
    sem = asyncio.Semaphore(32)

    async def one(ip, port):
        async with sem:
            return f"{ip}:{port}", await banner(ip, port)
    return dict(await asyncio.gather(*(one(ip, port) for ip, port in targets)))


if __name__ == "__main__":
    if sys.argv[1] == "banners":
        print(json.dumps(asyncio.run(banners(json.loads(sys.argv[2])))))

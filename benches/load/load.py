#!/usr/bin/env python3
"""Load test of `koe serve` on loopback: N concurrent clients (default 200) send mixed
searches (ja/ko/en words, phrases, filters, sorts, paging, theme dashboard) over
keep-alive HTTP/1.1 for a fixed time (default 30 s), then stop by themselves.

Prints requests/s, latency p50/p90/p99/max and the error count; exits 1 on any
error (a non-2xx answer, a broken connection or a timeout).

Usage: benches/load/load.py --addr 127.0.0.1:7700 [--clients 200] [--seconds 30]
Start the server first, e.g.
  koe index gen.csv --index idx && koe serve --index idx --addr 127.0.0.1:7700
"""

import argparse
import asyncio
import random
import sys
import time
import urllib.parse

QUERIES = [
    "部屋", "対応", "風呂", "遅い", "料金 高い", '"朝食 が"', "スタッフ -笑顔", "解約",
    "영화", "배우", "재미", "연기 최악", "스토리 OR 내용", "해지", "환불",
    "refund", "battery", '"customer service"', "screen broken", "price OR cost", "cancel",
]
EXTRA = ["", "", "&sentiment=neg", "&lang=ja", "&sort=date", "&rating_max=2", "&offset=10", "&from=2025-06&to=2026-03"]


def path(rng):
    if rng.random() < 0.02:
        return "/api/themes"
    q = urllib.parse.quote(rng.choice(QUERIES))
    return f"/api/search?q={q}{rng.choice(EXTRA)}"


async def client(host, port, deadline, rng, lat, errors):
    reader = writer = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            p = path(rng)
            t = time.perf_counter()
            writer.write(f"GET {p} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await asyncio.wait_for(reader.readexactly(length), 30)
            lat.append(time.perf_counter() - t)
            if status // 100 != 2:
                errors.append(f"{status} {p}")
        except Exception as e:  # noqa: BLE001 - every failure counts as an error
            errors.append(f"{type(e).__name__}: {e}")
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", default="127.0.0.1:7700")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    host, port = args.addr.rsplit(":", 1)
    lat, errors = [], []
    start = time.monotonic()
    deadline = start + args.seconds
    await asyncio.gather(*(client(host, int(port), deadline, random.Random(args.seed + i), lat, errors)
                           for i in range(args.clients)))
    took = time.monotonic() - start
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * (len(lat) - 1)))] * 1000 if lat else float("nan")
    print(f"{args.clients} clients, {took:.1f} s: {len(lat)} requests, {len(lat) / took:.0f} requests/s, "
          f"p50 {pct(0.5):.1f} ms, p90 {pct(0.9):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms, "
          f"{len(errors)} errors")
    for e in errors[:10]:
        print("  error:", e)
    return 1 if errors or not lat else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

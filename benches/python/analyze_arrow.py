#!/usr/bin/env python3
"""Throughput of koe's Python package: Analyzer.analyze_arrow over the lines of a text
file (one review a line), against `koe analyze` on the same file.

    python3 benches/python/analyze_arrow.py FILE [--rows N] [--koe target/release/koe]

Whole-process figures (start-up and dictionary loading included) compare like with
like: time this script with `--only python` and `koe analyze FILE --domain all -q -o
/dev/null` with the same tool (e.g. /usr/bin/time -v, several runs, the median).
Without `--only`, it times both itself, in turn, three times each.
"""

import argparse
import os
import subprocess
import sys
import time


def python_run(path: str, rows: int) -> float:
    import pyarrow as pa

    import koe

    t0 = time.perf_counter()
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [line.rstrip("\r\n") for _, line in zip(range(rows), f)]
    lines = [l for l in lines if l.strip()]
    table = pa.table({"text": pa.array(lines, pa.string())})
    out = koe.Analyzer(domain="all").analyze_arrow(table)
    assert out.num_rows == len(lines)
    return time.perf_counter() - t0


def koe_run(koe_bin: str, path: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [koe_bin, "analyze", path, "--domain", "all", "-q", "-o", os.devnull, "--rejects", os.devnull],
        check=True,
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--koe", default="target/release/koe")
    ap.add_argument("--only", choices=["python", "koe"])
    args = ap.parse_args()
    if args.only == "python":
        s = python_run(args.file, args.rows)
        print(f"analyze_arrow: {args.rows / s:,.0f} records/s ({s:.2f} s)", file=sys.stderr)
        return
    if args.only == "koe":
        koe_run(args.koe, args.file)
        return
    py, cli = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, args.file, "--rows", str(args.rows), "--only", "python"], check=True)
        py.append(time.perf_counter() - t0)
        cli.append(koe_run(args.koe, args.file))
    py.sort()
    cli.sort()
    print(f"python analyze_arrow: median {py[1]:.2f} s; koe analyze: median {cli[1]:.2f} s; ratio {py[1] / cli[1]:.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Split a review dump into N Parquet partitions, as a data lake would hold it.

usage: make_parts.py --koe target/release/koe --corpus ../shared/corpus/en.txt [--corpus ...]
                     --size 20M --parts 32 --out target/scale/parts
       make_parts.py --csv FILE.csv --parts 4 --out DIR      (split an existing CSV export)

With --corpus, `koe generate` builds the dump (id, date, rating, nps, channel, text; same seed,
same data); the rows are dealt to the partitions in order (part-00000.parquet …), each one
row group, text as UTF-8 strings. Needs pyarrow.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--koe", help="the koe binary (for --corpus)")
    ap.add_argument("--corpus", action="append", default=[], help="corpus file, one review per line (may repeat)")
    ap.add_argument("--size", default="20M", help="size of the generated dump (koe generate --size)")
    ap.add_argument("--csv", help="split this CSV export instead of generating one")
    ap.add_argument("--parts", type=int, default=32)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", default="42")
    a = ap.parse_args()
    if bool(a.csv) == bool(a.corpus):
        sys.exit("make_parts: give either --csv or --corpus")
    os.makedirs(a.out, exist_ok=True)
    existing = [f for f in os.listdir(a.out) if f.endswith(".parquet")]
    if existing:
        sys.exit(f"make_parts: {a.out} already holds {len(existing)} Parquet files; use an empty directory")
    with tempfile.TemporaryDirectory() as tmp:
        src = a.csv
        if not src:
            if not a.koe:
                sys.exit("make_parts: --corpus needs --koe")
            src = os.path.join(tmp, "dump.csv")
            cmd = [a.koe, "generate", "--size", a.size, "--seed", a.seed, "--format", "csv", "-o", src]
            for c in a.corpus:
                cmd += ["--corpus", c]
            subprocess.run(cmd, check=True)
        # Every column as text, as an export would carry it: koe maps and parses them.
        names = pacsv.read_csv(src, read_options=pacsv.ReadOptions(block_size=1 << 20)).column_names
        table = pacsv.read_csv(
            src,
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}),
        )
    n = table.num_rows
    per = -(-n // a.parts)
    for i in range(a.parts):
        part = table.slice(i * per, per)
        if part.num_rows == 0:
            break
        pq.write_table(part, os.path.join(a.out, f"part-{i:05d}.parquet"), row_group_size=max(1, part.num_rows))
    print(f"make_parts: {n} rows in {min(a.parts, -(-n // per))} files under {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
